"""What PostgreSQL itself says the schema is: ground truth for sqllint's catalog.

Given a psycopg connection to a database where DDL has been applied, read
pg_catalog back as plain, sorted tuples (NamedTuples: they compare equal to
plain tuples). Every query runs with ``search_path = pg_catalog``, so what an
extension adds to ``public`` (intarray's ``int[] @> int[]``) cannot change it.
Only user schemas are read (not pg_catalog, information_schema, pg_toast*,
pg_temp*). A table is named ``"schema.name"``, as
``sqllint.catalog.model.Table.qualified``; an index by its bare name (it lives
in its table's schema).

Shapes::

    tables(conn)       -> [TableTruth(schema, name, relkind)]
                          relkind: 'r' table, 'p' partitioned, 'v' view,
                          'm' materialized view, 'f' foreign table
                          e.g. ("public", "events", "p")
    partitions(conn)   -> [(table, parent)]  e.g. ("public.events_2024", "public.events")
    columns(conn)      -> [ColumnTruth(table, name, type, not_null)]
                          in (table, column position) order; type from format_type,
                          e.g. ("public.users", "email", "character varying(200)", True);
                          a type of another schema than public is qualified
                          ("app.mood", "mood" when it lives in public)
    indexes(conn)      -> [IndexTruth(table, name, keys, descending, opclasses,
                                      predicate, include, method, unique, primary,
                                      constraint)]
                          keys: column names, or the expression text of
                          pg_get_indexdef(indexrelid, k, true) ("lower(email::text)");
                          descending: one bool per key; opclasses: one per key,
                          None for the type's default; collations: one per key,
                          None for the column's own (the type's, for an
                          expression), e.g. "C"; predicate:
                          pg_get_expr(indpred, indrelid) ("(deleted_at IS NULL)") or
                          None; include: INCLUDE columns; method: "btree", "gin", …;
                          constraint: name of the PK/UNIQUE/EXCLUDE constraint the
                          index backs, or None. Indexes of partitions that only
                          mirror a partitioned parent's index are left out.
    enums(conn)        -> [EnumTruth(type, labels)]  e.g. ("app.mood", ("happy", "sad"))
    foreign_keys(conn) -> [ForeignKeyTruth(table, columns, ref_table, ref_columns)]
                          e.g. ("public.orders", ("user_id",), "public.users", ("id",));
                          as declared (copies on partitions left out).

    uncovered_foreign_keys(conn) -> [ForeignKeyTruth]
        foreign keys whose column set is not the leading columns (in any order
        among themselves) of any index of their table.
    redundant_indexes(conn) -> [RedundantIndex(table, index, covered_by)]
        see ``redundant_indexes``.

Every list is sorted (columns: by table, then position).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import psycopg


class TableTruth(NamedTuple):
    schema: str
    name: str
    relkind: str


class ColumnTruth(NamedTuple):
    table: str
    name: str
    type: str
    not_null: bool


class IndexTruth(NamedTuple):
    table: str
    name: str
    keys: tuple[str, ...]
    descending: tuple[bool, ...]
    opclasses: tuple[str | None, ...]
    collations: tuple[str | None, ...]
    predicate: str | None
    include: tuple[str, ...]
    method: str
    unique: bool
    primary: bool
    constraint: str | None


class ForeignKeyTruth(NamedTuple):
    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]


class EnumTruth(NamedTuple):
    type: str
    labels: tuple[str, ...]


class RedundantIndex(NamedTuple):
    table: str
    index: str
    covered_by: str


_USER_SCHEMA = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'"
)
# Relations an extension created (PostGIS's spatial_ref_sys) are the extension's, not the
# schema's: ``_OWN.format("t")`` for the relation aliased t.
_OWN = """NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
              AND d.objid = {0}.oid AND d.deptype = 'e')"""

_TABLES = f"""
SELECT n.nspname, c.relname, c.relkind::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {_USER_SCHEMA} AND {_OWN.format("c")}
"""

_PARTITIONS = f"""
SELECT n.nspname || '.' || c.relname, pn.nspname || '.' || p.relname
FROM pg_inherits h
JOIN pg_class c ON c.oid = h.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class p ON p.oid = h.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
WHERE c.relispartition AND c.relkind IN ('r', 'p', 'f') AND {_USER_SCHEMA}
"""

_COLUMNS = f"""
SELECT n.nspname || '.' || c.relname, a.attnum, a.attname,
       regexp_replace(format_type(a.atttypid, a.atttypmod), '^public[.]', ''), a.attnotnull
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {_USER_SCHEMA} AND {_OWN.format("c")}
"""

# indkey / indoption / indclass are 0-based int2vector / oidvector; key k is 1-based.
_INDEXES = f"""
SELECT n.nspname || '.' || t.relname, ic.relname,
  ARRAY(SELECT CASE WHEN i.indkey[k - 1] <> 0
                    THEN (SELECT a.attname::text FROM pg_attribute a
                          WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1])
                    ELSE pg_get_indexdef(i.indexrelid, k, true) END
        FROM generate_series(1, i.indnkeyatts) k ORDER BY k),
  ARRAY(SELECT (i.indoption[k - 1] & 1) = 1
        FROM generate_series(1, i.indnkeyatts) k ORDER BY k),
  ARRAY(SELECT CASE WHEN oc.opcdefault THEN NULL ELSE oc.opcname::text END
        FROM generate_series(1, i.indnkeyatts) k
        JOIN pg_opclass oc ON oc.oid = i.indclass[k - 1] ORDER BY k),
  ARRAY(SELECT CASE WHEN i.indcollation[k - 1] = 0
                      -- an expression's own collation is the database default (its
                      -- stored type may be another: gin_trgm_ops keeps int4 trigrams)
                      OR (i.indkey[k - 1] = 0 AND i.indcollation[k - 1] = 100)
                      OR i.indcollation[k - 1] = COALESCE(
                           (SELECT a.attcollation FROM pg_attribute a
                            WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]),
                           (SELECT t.typcollation FROM pg_attribute ia
                            JOIN pg_type t ON t.oid = ia.atttypid
                            WHERE ia.attrelid = i.indexrelid AND ia.attnum = k))
                    THEN NULL
                    ELSE (SELECT co.collname::text FROM pg_collation co
                          WHERE co.oid = i.indcollation[k - 1]) END
        FROM generate_series(1, i.indnkeyatts) k ORDER BY k),
  pg_get_expr(i.indpred, i.indrelid),
  ARRAY(SELECT a.attname::text
        FROM generate_series(i.indnkeyatts + 1, i.indnatts) k
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]
        ORDER BY k),
  am.amname::text, i.indisunique, i.indisprimary,
  (SELECT con.conname::text FROM pg_constraint con
   WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
     AND con.contype IN ('p', 'u', 'x'))
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE NOT ic.relispartition AND {_USER_SCHEMA} AND {_OWN.format("t")}
"""

_FOREIGN_KEYS = f"""
SELECT n.nspname || '.' || t.relname,
  ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY u(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = u.attnum
        ORDER BY u.ord),
  rn.nspname || '.' || r.relname,
  ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY u(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = u.attnum
        ORDER BY u.ord)
FROM pg_constraint con
JOIN pg_class t ON t.oid = con.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_class r ON r.oid = con.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
WHERE con.contype = 'f' AND con.conparentid = 0 AND {_USER_SCHEMA}
"""

# Indexes whose first cardinality(conkey) keys are the FK's columns, as a set
# (expression keys are attnum 0 and never match); "plain" when the index has no
# predicate and collates each key as its column does (the FK check compares with the
# column's collation), so it serves the check without asking the planner.
_LEADING = """
    FROM pg_index i
    WHERE i.indrelid = con.conrelid AND i.indnkeyatts >= cardinality(con.conkey)
      AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(con.conkey)]
          OPERATOR(pg_catalog.@>) con.conkey
      AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(con.conkey)]
          OPERATOR(pg_catalog.<@) con.conkey
"""
_PLAIN = """
      AND i.indpred IS NULL
      AND NOT EXISTS (
        SELECT 1 FROM generate_series(1, cardinality(con.conkey)) k
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]
        WHERE i.indcollation[k - 1] <> a.attcollation)
"""
_UNCOVERED = f"  AND NOT EXISTS (SELECT 1 {_LEADING} {_PLAIN})"
# The FK check PostgreSQL runs on the referencing table when a referenced row goes:
# which indexes could serve it if the planner agrees (partial, other collation).
_CANDIDATES = f"""
SELECT n.nspname, t.relname,
  ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY u(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = u.attnum
        ORDER BY u.ord),
  ARRAY(SELECT ic.relname::text {_LEADING.replace("FROM pg_index i",
        "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid")})
FROM pg_constraint con
JOIN pg_class t ON t.oid = con.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE con.contype = 'f' AND con.conparentid = 0 AND {_USER_SCHEMA}
"""


def _rows(conn: psycopg.Connection, query: str) -> list[tuple[Any, ...]]:
    """The rows of a catalog query, run with ``search_path = pg_catalog`` only."""
    with conn.transaction():
        conn.execute("SET LOCAL search_path = pg_catalog")
        return conn.execute(query).fetchall()  # type: ignore[arg-type]


_ENUMS = f"""
SELECT n.nspname || '.' || t.typname,
  ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid
        ORDER BY e.enumsortorder)
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e' AND {_USER_SCHEMA}
"""


def enums(conn: psycopg.Connection) -> list[EnumTruth]:
    """Enum types (``schema.name``) with their labels in sort order."""
    return sorted(EnumTruth(name, tuple(labels)) for name, labels in _rows(conn, _ENUMS))


def tables(conn: psycopg.Connection) -> list[TableTruth]:
    return sorted(TableTruth(*row) for row in _rows(conn, _TABLES))


def partitions(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """(partition, parent) pairs, both ``schema.name``."""
    return sorted((child, parent) for child, parent in _rows(conn, _PARTITIONS))


def columns(conn: psycopg.Connection) -> list[ColumnTruth]:
    rows = sorted(_rows(conn, _COLUMNS), key=lambda r: (r[0], r[1]))
    return [ColumnTruth(table, name, type_, not_null) for table, _, name, type_, not_null in rows]


def indexes(conn: psycopg.Connection) -> list[IndexTruth]:
    out = []
    for table, name, keys, desc, opcs, colls, pred, include, method, unique, primary, con in _rows(
        conn, _INDEXES
    ):
        out.append(
            IndexTruth(
                table,
                name,
                tuple(keys),
                tuple(desc),
                tuple(opcs),
                tuple(colls),
                pred,
                tuple(include),
                method,
                unique,
                primary,
                con,
            )
        )
    return sorted(out)


def _foreign_keys(conn: psycopg.Connection, extra: str = "") -> list[ForeignKeyTruth]:
    return sorted(
        ForeignKeyTruth(table, tuple(cols), ref, tuple(ref_cols))
        for table, cols, ref, ref_cols in _rows(conn, _FOREIGN_KEYS + extra)
    )


def foreign_keys(conn: psycopg.Connection) -> list[ForeignKeyTruth]:
    return _foreign_keys(conn)


def uncovered_foreign_keys(conn: psycopg.Connection) -> list[ForeignKeyTruth]:
    """Foreign keys whose columns (any order) are not the leading keys of an index the
    FK check can use.

    Any method counts. A partial index, or one that collates a key otherwise than its
    column, counts when the planner uses it for the generic plan of the check
    PostgreSQL runs on the referencing table (``SELECT 1 FROM ONLY t x WHERE col = $1``).
    """
    candidates = {(f"{schema}.{table}", tuple(cols)): (schema, table, idx)
                  for schema, table, cols, idx in _rows(conn, _CANDIDATES)}
    out = []
    for fk in _foreign_keys(conn, _UNCOVERED):
        schema, table, idx = candidates[(fk.table, fk.columns)]
        if not idx or not _planner_uses(conn, schema, table, fk.columns, idx):
            out.append(fk)
    return out


def _planner_uses(conn: psycopg.Connection, schema: str, table: str,
                  cols: tuple[str, ...], indexes: list[str]) -> bool:
    """Does the generic plan of the FK check on ``table`` scan one of ``indexes``?"""
    from psycopg import sql

    where = sql.SQL(" AND ").join(
        sql.SQL("x.{} OPERATOR(pg_catalog.=) ${}").format(sql.Identifier(c), sql.SQL(str(i)))
        for i, c in enumerate(cols, 1))
    query = sql.SQL("PREPARE fk_check AS SELECT 1 FROM ONLY {}.{} x WHERE {}").format(
        sql.Identifier(schema), sql.Identifier(table), where)
    nulls = sql.SQL(", ").join(sql.SQL("NULL") for _ in cols)
    with conn.transaction():
        conn.execute("SET LOCAL search_path = pg_catalog")
        conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        conn.execute("SET LOCAL enable_seqscan = off")
        conn.execute(query)
        try:
            plan = conn.execute(
                sql.SQL("EXPLAIN (FORMAT JSON) EXECUTE fk_check({})").format(nulls)
            ).fetchone()
        finally:
            conn.execute("DEALLOCATE fk_check")
    # An Index Cond, not a Filter: with seq scans off a whole-index scan may be chosen.
    stack = list(plan[0]) if plan else []
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("Index Name") in indexes and node.get("Index Cond"):
                return True
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(node)
    return False


def redundant_indexes(conn: psycopg.Connection) -> list[RedundantIndex]:
    """Indexes another index of the same table makes unnecessary.

    Two indexes are comparable when they have the same method and the same
    predicate (both None or equal text); keys compare by expression and
    operator class (a ``text_pattern_ops`` index serves LIKE, the default one
    does not), collation (``(name COLLATE "C")`` orders otherwise than
    ``(name)``) and relative direction (a B-tree scans backwards, so ``(a DESC)``
    equals ``(a)`` but ``(a, b DESC)`` differs from ``(a, b)``); X's INCLUDE
    columns must be keys or INCLUDE columns of Y. Index X is redundant to Y when

    - X's keys are a proper leading prefix of Y's and X is neither unique nor
      primary; or
    - X's keys equal Y's and X loses to Y: an index backing a constraint wins,
      then a unique one, then the first by name.

    An index that backs a constraint is never reported. ``covered_by`` is an
    identical index if there is one (the winner), else the covering index with
    the fewest keys, then the first by name. No cycle is possible, so every
    index reported can be dropped at once.
    """
    by_table: dict[str, list[IndexTruth]] = {}
    for ix in indexes(conn):
        by_table.setdefault(ix.table, []).append(ix)

    def rank(ix: IndexTruth) -> tuple[bool, bool, str]:
        return (ix.constraint is None, not ix.unique, ix.name)

    def keys(ix: IndexTruth) -> tuple[tuple[str, str | None, str | None, bool], ...]:
        flip = bool(ix.descending) and ix.descending[0]
        return tuple((k, o, c, d != flip) for k, o, c, d in zip(
            ix.keys, ix.opclasses, ix.collations, ix.descending, strict=True))

    out = []
    for table, group in by_table.items():
        for x in group:
            if x.constraint is not None:
                continue
            best: tuple[int, int, str] | None = None
            for y in group:
                if y is x or (y.method, y.predicate) != (x.method, x.predicate):
                    continue
                if not set(x.include) <= set(y.keys) | set(y.include):
                    continue
                if keys(y) == keys(x) and rank(y) < rank(x):
                    choice = (0, len(y.keys), y.name)
                elif (
                    not (x.unique or x.primary)
                    and len(x.keys) < len(y.keys)
                    and keys(y)[: len(x.keys)] == keys(x)
                ):
                    choice = (1, len(y.keys), y.name)
                else:
                    continue
                best = choice if best is None else min(best, choice)
            if best is not None:
                out.append(RedundantIndex(table, x.name, best[2]))
    return sorted(out)
