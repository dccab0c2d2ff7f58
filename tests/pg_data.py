"""Synthetic rows that let PostgreSQL's planner choose an index wherever one fits.

Used by ``tests/test_advice_pg.py``. Every filled table gets ``ROWS`` rows from one
``INSERT … SELECT … FROM generate_series(1, ROWS) i``. Column values:

- a column in a PRIMARY KEY / UNIQUE index: a permutation of 1..ROWS (unique);
- any other key-like column (numbers, text, uuid, jsonb members): ``DISTINCT``
  different values, each on ROWS / DISTINCT rows, in scattered physical order (like a
  foreign key column: a parent has ten children);
- timestamps: increasing with the row number, ten minutes apart (about two years);
- what the query looks for by constant (``status = 'open'``, ``WHERE active``,
  ``labels @> '{"team": "db"}'``, ``processed_at IS NULL``) is rare, one row in
  ``RARE_EVERY``, so that a partial or filtered index is worth it; what it excludes
  (``status <> 'done'``) is common.

The hints come from the query, the suggested index and the schema's partial index
predicates (``hints_from_sql``). Foreign keys, CHECK constraints and triggers are
dropped first (``relax_schema``): rows need not reference real parents, while every
index, PRIMARY KEY and UNIQUE constraint stays and so keeps its say in the plan.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pglast.parser import ParseError, parse_sql_json

if TYPE_CHECKING:
    import psycopg

ROWS = 100_000
DISTINCT = 10_000  # values of a non-unique column: 10 rows each (a parent's children)
RARE_EVERY = 200  # 0.5 %
EPOCH = "2023-01-01 00:00:00+00"
# Multipliers coprime with ROWS: ``i * P % ROWS`` visits every residue once.
PRIMES = (7919, 104729, 1299709, 15485863, 32452843, 49979687, 67867967, 86028121)


@dataclass
class Hints:
    """What the SQL looks for, by column name (tables are not told apart)."""

    rare: dict[str, list[Any]] = field(default_factory=dict)  # = / IN constants
    common: dict[str, list[Any]] = field(default_factory=dict)  # <> / NOT IN constants
    rare_null: set[str] = field(default_factory=set)  # IS NULL
    common_null: set[str] = field(default_factory=set)  # IS NOT NULL
    json_keys: dict[str, list[str]] = field(default_factory=dict)  # col ->> 'key'
    json_rare_values: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    json_rare_docs: dict[str, list[str]] = field(default_factory=dict)  # col @> '{…}'
    json_rare_keys: dict[str, list[str]] = field(default_factory=dict)  # col ? 'key'
    array_rare: dict[str, list[Any]] = field(default_factory=dict)  # 'x' = ANY(col), @>

    def add(self, table: dict[Any, list[Any]], key: Any, value: Any) -> None:
        values = table.setdefault(key, [])
        if value not in values:
            values.append(value)


# --- reading the SQL -----------------------------------------------------------------


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _column(node: Any) -> str | None:
    """The column name of a (possibly qualified or cast) column reference."""
    if not isinstance(node, dict):
        return None
    if "TypeCast" in node:
        return _column(node["TypeCast"].get("arg"))
    ref = node.get("ColumnRef")
    if ref:
        last = ref["fields"][-1]
        if "String" in last:
            return str(last["String"]["sval"])
    return None


def _const(node: Any) -> tuple[bool, Any]:
    """(True, value) for a literal (possibly cast); (False, None) for anything else."""
    if not isinstance(node, dict):
        return False, None
    if "TypeCast" in node:
        return _const(node["TypeCast"].get("arg"))
    const = node.get("A_Const")
    if const is None:
        return False, None
    for kind in ("sval", "ival", "fval", "boolval"):
        if kind in const:
            value = const[kind].get(kind, 0 if kind == "ival" else False)
            return True, float(value) if kind == "fval" else value
    return True, None  # NULL


def _operator(expr: dict[str, Any]) -> str:
    return str(expr["name"][-1]["String"]["sval"]) if expr.get("name") else ""


def _json_member(node: Any) -> tuple[str, str] | None:
    """``col ->> 'key'`` / ``col -> 'key'`` as (col, key)."""
    if isinstance(node, dict) and "TypeCast" in node:
        return _json_member(node["TypeCast"].get("arg"))
    expr = node.get("A_Expr") if isinstance(node, dict) else None
    if not expr or _operator(expr) not in ("->>", "->"):
        return None
    col = _column(expr.get("lexpr"))
    is_const, key = _const(expr.get("rexpr"))
    if col and is_const and isinstance(key, str):
        return col, key
    return None


def _json_keys_of(doc: str) -> list[str]:
    try:
        value = json.loads(doc)
    except ValueError:
        return []
    return list(value) if isinstance(value, dict) else []


def _on_a_expr(hints: Hints, expr: dict[str, Any]) -> None:
    op = _operator(expr)
    left, right = expr.get("lexpr"), expr.get("rexpr")
    kind = expr.get("kind")
    if kind == "AEXPR_IN":
        col = _column(left)
        items = right.get("List", {}).get("items", []) if isinstance(right, dict) else []
        target = hints.rare if op == "=" else hints.common
        for item in items:
            is_const, value = _const(item)
            if col and is_const and value is not None:
                hints.add(target, col, value)
        return
    if kind == "AEXPR_OP_ANY":  # 'x' = ANY (tags)
        is_const, value = _const(left)
        col = _column(right)
        if col and is_const and value is not None:
            hints.add(hints.array_rare, col, value)
        return
    if kind != "AEXPR_OP":
        return
    for side, other in ((left, right), (right, left)):
        member = _json_member(side)
        if member:
            hints.add(hints.json_keys, member[0], member[1])
            is_const, value = _const(other)
            if op == "=" and is_const and value is not None:
                hints.add(hints.json_rare_values, member, value)
            continue
        col = _column(side)
        is_const, value = _const(other)
        if not col or not is_const or value is None:
            continue
        if op == "=":
            hints.add(hints.rare, col, value)
        elif op in ("<>", "!="):
            hints.add(hints.common, col, value)
        elif op == "@>" and side is left and isinstance(value, str):
            if value.startswith("{") and not value.startswith("{\""):
                hints.add(hints.array_rare, col, value)  # '{a,b}' array literal
            else:
                hints.add(hints.json_rare_docs, col, value)
        elif op in ("?", "?|", "?&") and side is left and isinstance(value, str):
            hints.add(hints.json_rare_keys, col, value)
    if op == "@>" and _column(left) and isinstance(right, dict) and "A_ArrayExpr" in right:
        for item in right["A_ArrayExpr"].get("elements", []):
            is_const, value = _const(item)
            if is_const and value is not None:
                hints.add(hints.array_rare, _column(left), value)


def _on_bool_conjuncts(hints: Hints, where: Any) -> None:
    """Bare boolean columns: ``WHERE active`` wants true, ``NOT deleted`` false."""
    args = [where]
    if isinstance(where, dict) and where.get("BoolExpr", {}).get("boolop") == "AND_EXPR":
        args = where["BoolExpr"]["args"]
    for arg in args:
        col = _column(arg)
        if col:
            hints.add(hints.rare, col, True)
        boolexpr = arg.get("BoolExpr") if isinstance(arg, dict) else None
        if boolexpr and boolexpr.get("boolop") == "NOT_EXPR":
            col = _column(boolexpr["args"][0])
            if col:
                hints.add(hints.rare, col, False)


def hints_from_sql(*texts: str) -> Hints:
    """Collect the constants of WHERE clauses and index predicates in ``texts``."""
    hints = Hints()
    for text in texts:
        try:
            tree = json.loads(parse_sql_json(text))
        except ParseError:
            continue
        for node in _walk(tree):
            for key in ("whereClause", "havingClause"):
                if key in node:
                    _on_bool_conjuncts(hints, node[key])
            if "JoinExpr" in node and node["JoinExpr"].get("quals"):
                _on_bool_conjuncts(hints, node["JoinExpr"]["quals"])
            if "A_Expr" in node:
                _on_a_expr(hints, node["A_Expr"])
            elif "NullTest" in node:
                test = node["NullTest"]
                col = _column(test.get("arg"))
                if col:
                    target = hints.rare_null if test["nulltesttype"] == "IS_NULL" else (
                        hints.common_null)
                    target.add(col)
            elif "BooleanTest" in node:
                test = node["BooleanTest"]
                col = _column(test.get("arg"))
                if col and test["booltesttype"] in ("IS_TRUE", "IS_NOT_FALSE"):
                    hints.add(hints.rare, col, True)
                elif col and test["booltesttype"] in ("IS_FALSE", "IS_NOT_TRUE"):
                    hints.add(hints.rare, col, False)
    return hints


def relations_in(text: str) -> set[str]:
    """Names (unqualified, as PostgreSQL folds them) of the relations ``text`` uses."""
    try:
        tree = json.loads(parse_sql_json(text))
    except ParseError:
        return set()
    ctes = {n["CommonTableExpr"]["ctename"] for n in _walk(tree) if "CommonTableExpr" in n}
    names = {n["RangeVar"]["relname"] for n in _walk(tree) if "RangeVar" in n}
    # The target of INSERT / UPDATE / DELETE (and of CREATE INDEX) is a bare RangeVar.
    names |= {n["relation"]["relname"] for n in _walk(tree)
              if isinstance(n.get("relation"), dict) and "relname" in n["relation"]}
    return {str(name) for name in names - ctes}


# --- the schema as PostgreSQL has it -------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # format_type(): what to cast the generated value to
    base: str  # pg_type.typname of the type, or of a domain's base type
    category: str  # pg_type.typcategory of the base type
    element: str  # typname of an array's element type ("" when not an array)
    enum_labels: tuple[str, ...]
    not_null: bool
    has_default: bool
    identity: str  # "a" (ALWAYS), "d" (BY DEFAULT) or ""
    unique: bool  # part of a PRIMARY KEY / UNIQUE index: values must not repeat


@dataclass(frozen=True)
class Table:
    name: str  # regclass text, quoted as needed
    relname: str
    kind: str  # "r" or "p" (partitioned)
    columns: tuple[Column, ...]


COLUMNS_SQL = """
SELECT c.oid::regclass::text, c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod),
       bt.typname, bt.typcategory, coalesce(et.typname, ''),
       coalesce((SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
                 FROM pg_enum e WHERE e.enumtypid = bt.oid), '{}'),
       a.attnotnull, a.atthasdef, a.attidentity::text,
       EXISTS (SELECT 1 FROM pg_index i
               WHERE i.indrelid = c.oid AND i.indisunique AND a.attnum = ANY (i.indkey))
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND a.attgenerated = ''
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
ORDER BY c.oid, a.attnum
"""


def tables(conn: psycopg.Connection) -> list[Table]:
    by_table: dict[str, tuple[str, str, list[Column]]] = {}
    for row in conn.execute(COLUMNS_SQL):
        (table, relname, kind, name, typ, base, category, element, labels, not_null,
         has_default, identity, unique) = row
        entry = by_table.setdefault(table, (relname, kind, []))
        entry[2].append(Column(name, typ, base, category, element, tuple(labels), not_null,
                               has_default, identity, unique))
    return [Table(name, relname, kind, tuple(cols)) for name, (relname, kind, cols) in
            by_table.items()]


def relax_schema(conn: psycopg.Connection) -> None:
    """Drop foreign keys and CHECK constraints and disable triggers; keep every index."""
    rows = conn.execute(
        "SELECT conrelid::regclass::text, quote_ident(conname) FROM pg_constraint"
        " WHERE contype IN ('f', 'c') AND conrelid <> 0"
        " AND connamespace NOT IN ('pg_catalog'::regnamespace,"
        " 'information_schema'::regnamespace)"
        " ORDER BY contype DESC"  # foreign keys first
    ).fetchall()
    for table, name in rows:
        conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")
    triggers = conn.execute(
        "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal"
    ).fetchall()
    for (table,) in triggers:
        conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")


# --- generating values -----------------------------------------------------------------


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _number(column: Column, k: int) -> str:
    """An integer expression: unique for unique columns, else DISTINCT values."""
    perm = f"(i::bigint * {PRIMES[k % len(PRIMES)]} % {ROWS} + 1)"
    return perm if column.unique else f"({perm} % {DISTINCT} + 1)"


def _scalar(base: str, category: str, n: str) -> str | None:
    """An expression of type ``base`` made from the integer expression ``n``."""
    if base == "int2":
        return f"({n} % 32767)"
    if category == "N":  # int4, int8, numeric, float4/8, oid, money-less numerics
        return n if base in ("int4", "int8", "oid") else f"(({n} % 99999) / 100.0)"
    if base in ("text", "varchar", "bpchar", "name", "citext"):
        return f"('v' || {n})"
    if base == "uuid":
        return f"('00000000-0000-4000-8000-' || lpad({n}::text, 12, '0'))"
    if base in ("timestamptz", "timestamp"):
        return f"(timestamptz '{EPOCH}' + i * interval '10 minutes')"
    if base == "date":
        return f"(date '2020-01-01' + ({n} % 3650)::int)"
    if base == "time":
        return f"(time '00:00' + ({n} % 86400) * interval '1 second')"
    if base == "interval":
        return f"({n} * interval '1 second')"
    if base in ("inet", "cidr"):
        return f"('10.0.0.0'::inet + {n})"
    if base == "bytea":
        return f"convert_to({n}::text, 'UTF8')"
    if base == "tsvector":
        return f"to_tsvector('simple', 'w' || {n})"
    if base == "bool":
        return f"({n} % 2 = 0)"
    return None


def _jsonb(column: Column, k: int, hints: Hints) -> str:
    keys = hints.json_keys.get(column.name) or ["k"]
    members = []
    for j, key in enumerate(keys):
        number = f"(i::bigint * {PRIMES[(k + j + 1) % len(PRIMES)]} % {DISTINCT} + 1)"
        value = f"{number}::text"
        rare = hints.json_rare_values.get((column.name, key))
        if rare:
            value = (f"CASE WHEN i % {RARE_EVERY} = 0 THEN {_literal(json.dumps(rare[0]))} "
                     f"ELSE {value} END")
        members.append(f"{_literal(json.dumps(key) + ': ')} || {value}")
    doc = "('{' || " + " || ', ' || ".join(members) + " || '}')::jsonb"
    extras = [*hints.json_rare_docs.get(column.name, []),
              *(json.dumps({key: True}) for key in hints.json_rare_keys.get(column.name, []))]
    if extras:
        pick = f"(ARRAY[{', '.join(_literal(d) for d in extras)}]::jsonb[])" \
               f"[1 + (i / {RARE_EVERY}) % {len(extras)}]"
        doc = f"CASE WHEN i % {RARE_EVERY} = 0 THEN {doc} || {pick} ELSE {doc} END"
    return doc


def _seeded(expr: str, column: Column, hints: Hints) -> str:
    """Make the constants the query looks for rare and those it excludes common."""
    rare = [v for v in hints.rare.get(column.name, []) if not isinstance(v, bool)]
    common = [v for v in hints.common.get(column.name, []) if not isinstance(v, bool)]
    if column.unique or column.category not in ("S", "N", "E"):
        return expr
    if rare:
        pick = f"(ARRAY[{', '.join(_literal(v) for v in rare)}])[1 + (i / {RARE_EVERY}) % " \
               f"{len(rare)}]"
        expr = f"CASE WHEN i % {RARE_EVERY} = 0 THEN ({pick})::{column.type} ELSE {expr} END"
    if common:
        expr = (f"CASE WHEN i % {RARE_EVERY} = 1 THEN {expr} "
                f"ELSE ({_literal(common[0])})::{column.type} END")
    return expr


def _enum(column: Column, n: str, hints: Hints) -> str:
    labels = list(column.enum_labels)
    rare = [v for v in hints.rare.get(column.name, []) if v in labels]
    common = [v for v in hints.common.get(column.name, []) if v in labels]
    usual = [v for v in labels if v not in rare] or labels
    if common:
        usual = common
    expr = f"(ARRAY[{', '.join(_literal(v) for v in usual)}])[1 + {n} % {len(usual)}]"
    if rare:
        pick = f"(ARRAY[{', '.join(_literal(v) for v in rare)}])[1 + (i / {RARE_EVERY}) % " \
               f"{len(rare)}]"
        expr = f"CASE WHEN i % {RARE_EVERY} = 0 THEN {pick} ELSE {expr} END"
    return expr


def _bool(column: Column, hints: Hints) -> str:
    wanted = [v for v in hints.rare.get(column.name, []) if isinstance(v, bool)]
    if not wanted:
        return "(i % 2 = 0)"
    return f"(i % {RARE_EVERY} {'=' if wanted[0] else '<>'} 0)"


def _element_category(typname: str) -> str:
    if typname in ("text", "varchar", "bpchar", "name", "citext"):
        return "S"
    if typname.startswith(("int", "float", "numeric")):
        return "N"
    return ""


def _array(column: Column, n: str, hints: Hints) -> str | None:
    element = _scalar(column.element, _element_category(column.element), n)
    if element is None:
        return None
    expr = f"ARRAY[{element}]"
    rare = hints.array_rare.get(column.name, [])
    if rare:
        value = rare[0]
        seed = (f"{_literal(value)}::{column.type}" if str(value).startswith("{")
                else f"ARRAY[{_literal(value)}]")
        expr = f"CASE WHEN i % {RARE_EVERY} = 0 THEN {expr} || {seed} ELSE {expr} END"
    return expr


def column_expr(column: Column, k: int, hints: Hints) -> str | None:
    """The value of ``column`` in row ``i`` (cast to its type), or None to leave it out."""
    n = _number(column, k)
    expr: str | None
    if column.base == "bool":
        expr = _bool(column, hints)
    elif column.enum_labels:
        expr = _enum(column, n, hints)
    elif column.base in ("jsonb", "json"):
        expr = _jsonb(column, k, hints)
    elif column.category == "A":
        expr = _array(column, n, hints)
    else:
        expr = _scalar(column.base, column.category, n)
        if expr is not None:
            expr = _seeded(expr, column, hints)
    if expr is None:
        if column.not_null and not column.has_default:
            raise ValueError(f"no test data for column {column.name} {column.type} NOT NULL")
        return None
    if not column.not_null and not column.unique:
        if column.name in hints.rare_null:
            expr = f"CASE WHEN i % {RARE_EVERY} = 0 THEN NULL ELSE {expr} END"
        elif column.name in hints.common_null:
            expr = f"CASE WHEN i % {RARE_EVERY} = 0 THEN {expr} ELSE NULL END"
    return f"({expr})::{column.type}"


def insert_sql(table: Table, hints: Hints, rows: int = ROWS) -> str:
    names, values = [], []
    for k, column in enumerate(table.columns):
        expr = column_expr(column, k, hints)
        if expr is not None:
            names.append(quote_ident(column.name))
            values.append(expr)
    overriding = " OVERRIDING SYSTEM VALUE" if any(
        c.identity == "a" for c in table.columns) else ""
    return (f"INSERT INTO {table.name} ({', '.join(names)}){overriding}\n"
            f"SELECT {', '.join(values)}\nFROM generate_series(1, {rows}) i")


def _detach_indexes(conn: psycopg.Connection, table: str) -> list[str]:
    """Drop the table's indexes and PRIMARY KEY / UNIQUE constraints; return their DDL.

    Building an index once after the insert takes half the time of maintaining it row
    by row. Names and definitions come back unchanged.
    """
    constraints = conn.execute(
        "SELECT quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint"
        " WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'x') ORDER BY oid",
        (table,),
    ).fetchall()
    indexes = conn.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i"
        " WHERE indrelid = %s::regclass AND NOT EXISTS"
        " (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid"
        "  AND c.conrelid = i.indrelid) ORDER BY indexrelid",
        (table,),
    ).fetchall()
    for name, _ in constraints:
        conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    return [*(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"
              for name, definition in constraints),
            *(definition for _, definition in indexes)]


def fill(conn: psycopg.Connection, hints: Hints, only: Iterable[str] | None = None,
         rows: int = ROWS) -> list[str]:
    """Insert ``rows`` rows into each table (or those named in ``only``), then analyze.

    Materialized views are refreshed afterwards. Returns the tables filled.
    """
    wanted = set(only) if only is not None else None  # as parsed: unquoted names folded
    filled = []
    for table in tables(conn):
        if wanted is not None and table.relname not in wanted:
            continue
        if table.kind == "p":
            conn.execute(f"CREATE TABLE IF NOT EXISTS {table.relname}_sqllint_default "
                         f"PARTITION OF {table.name} DEFAULT")
        restore = _detach_indexes(conn, table.name)
        conn.execute(insert_sql(table, hints, rows))
        for sql in restore:
            conn.execute(sql)
        filled.append(table.name)
    matviews = conn.execute(
        "SELECT oid::regclass::text FROM pg_class WHERE relkind = 'm' AND relispopulated"
    ).fetchall()
    for (view,) in matviews:
        conn.execute(f"REFRESH MATERIALIZED VIEW {view}")
        filled.append(view)
    if filled:
        conn.execute(f"VACUUM (ANALYZE) {', '.join(filled)}")
    return filled
