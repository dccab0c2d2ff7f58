"""Which index would serve this table reference? (The serving rules, in reverse.)

Keys: equality columns first (unique-ish ``id``/``*_id`` columns, then others, then
low-cardinality ones; by name within a class, so two queries ask for the same index),
then one range column or the ORDER BY columns with their directions. Constant
predicates on low-cardinality columns (booleans, ``status``/``state``/``type``…, IS NULL)
become a partial ``WHERE`` when other keys remain; parameters and ``now()`` never do.
Expression keys only when the expression is IMMUTABLE. No INCLUDE: a covering index
only pays off for a narrow projection we cannot weigh statically, never for ``*``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from pglast import parser as pg
from pglast.stream import RawStream

from sqllint.advisor.ddl import column_key, create_index_ddl
from sqllint.advisor.serve import pred_ident
from sqllint.analysis.model import (
    ARRAY_OP,
    BOOL,
    EQ,
    FTS,
    IN,
    IS_NULL,
    JSONB_CONTAINS,
    JSONB_KEY,
    JSONB_PATH,
    LIKE_PREFIX,
    NOT_NULL,
    RANGE,
    OrderKey,
    Predicate,
    Window,
)
from sqllint.catalog.model import Table
from sqllint.sqltext import deparse_expr_node, quote_ident

_LOW_CARD_NAMES = frozenset(
    """status state type kind role category level severity priority visibility stage phase
    mode tier plan gender lang locale currency enabled active deleted archived""".split()
)
_LOW_CARD_SUFFIXES = ("_status", "_state", "_type", "_kind", "_role", "_level", "_flag")
_LOW_CARD_PREFIXES = ("is_", "has_", "can_")


@dataclass(frozen=True)
class IndexRequest:
    """An index a finding asks for; ``table`` is the display name (``vms``, ``app.t``)."""

    table: str
    schema: str
    relname: str
    keys: tuple[str, ...]  # key texts as SQL (ddl.column_key): col, col DESC, (expr), col opclass
    idents: tuple[str, ...]  # what each key is: column name or expr:<normalised key>
    descending: tuple[bool, ...]
    eq: int  # the leading keys that are equality keys (their order does not matter)
    method: str = "btree"
    where: str | None = None
    name: str = ""
    names: tuple[str, ...] = field(default=(), compare=False)
    partitioned: bool = False  # a partitioned table: no CONCURRENTLY

    @property
    def ddl(self) -> str:
        table = Table(schema=self.schema, name=self.relname,
                      partition_by="(partitioned)" if self.partitioned else None)
        return create_index_ddl(table, self.keys, name=self.name,
                                method=self.method, where=self.where)



def low_cardinality(table: Table, pred: Predicate) -> bool:
    if pred.op in (IS_NULL, NOT_NULL, BOOL):
        return True
    column = pred.column
    if column is None:
        return False
    col = table.column(column)
    if col is not None and col.type == "boolean":
        return True
    return (column in _LOW_CARD_NAMES or column.endswith(_LOW_CARD_SUFFIXES)
            or column.startswith(_LOW_CARD_PREFIXES))


def _selectivity_class(table: Table, ident: str, pred: Predicate | None) -> int:
    if pred is not None and low_cardinality(table, pred):
        return 2
    if ident == "id" or ident.endswith("_id") or ident in ("email", "token", "slug"):
        return 0
    col = table.column(ident)
    if col is not None and col.type == "uuid":
        return 0
    return 1


def _partial_ok(table: Table, pred: Predicate) -> bool:
    return (pred.column is not None and pred.value == "const"
            and pred.op in (EQ, IN, BOOL, IS_NULL, NOT_NULL)
            and low_cardinality(table, pred)
            and all(_plain_literal(c) for c in pred.consts))


def _plain_literal(text: str) -> bool:
    return bool(re.fullmatch(r"'(?:[^']|'')*'(?:::[a-z_ ]+)?|-?\d+(?:\.\d+)?|true|false", text))


def _where_text(pred: Predicate) -> str:
    col = quote_ident(pred.column or "")
    if pred.op == IS_NULL:
        return f"{col} IS NULL"
    if pred.op == NOT_NULL:
        return f"{col} IS NOT NULL"
    if pred.op == BOOL:
        return col if pred.consts == ("true",) else f"NOT {col}"
    if pred.op == EQ and pred.consts in (("true",), ("false",)) and len(pred.consts) == 1:
        return col if pred.consts == ("true",) else f"NOT {col}"
    if pred.op == IN and len(pred.consts) > 1:
        return f"{col} IN ({', '.join(pred.consts)})"
    return f"{col} = {pred.consts[0]}"


def _where_words(pred: Predicate) -> list[str]:
    if pred.op == IS_NULL:
        return [pred.column or "", "null"]
    if pred.op == NOT_NULL:
        return [pred.column or "", "notnull"]
    if pred.op == BOOL or pred.consts in (("true",), ("false",)):
        return [pred.column or ""] if pred.consts == ("true",) else ["not", pred.column or ""]
    words = []
    for c in pred.consts:
        value = c.split("::", 1)[0].strip("'")
        words.append(value)
    return words


def _name(table: Table, parts: Sequence[str], where_words: Sequence[str],
          where: str | None) -> str:
    words = [re.sub(r"[^a-z0-9_]+", "_", p.lower()).strip("_") for p in parts]
    extra = [re.sub(r"[^a-z0-9_]+", "_", w.lower()).strip("_") for w in where_words]
    words = [w or "expr" for w in words]
    extra = [w for w in extra if w]
    if where and not extra:
        extra = ["partial"]
    base = re.sub(r"[^a-z0-9_]+", "_", table.name.lower()).strip("_") or "t"
    name = "_".join([base, *words, *extra, "idx"])
    if len(name) > 63:
        digest = hashlib.sha1(name.encode()).hexdigest()[:6]
        name = name[:52].rstrip("_") + "_" + digest + "_idx"
    return name


@lru_cache(maxsize=1024)
def _unqualified(text: str) -> str:
    """``lower(u.email)`` → ``lower(email)``: an index expression names bare columns."""
    try:
        from pglast import ast

        tree = pg.parse_sql("SELECT " + text)
        val = tree[0].stmt.targetList[0].val  # type: ignore[union-attr]
        stack: list[object] = [val]
        while stack:
            cur = stack.pop()
            if isinstance(cur, (list, tuple)):
                stack.extend(cur)
                continue
            if not isinstance(cur, ast.Node):
                continue
            if isinstance(cur, ast.ColumnRef) and cur.fields and len(cur.fields) > 1:
                cur.fields = cur.fields[-1:]
            for attr in getattr(cur, "__slots__", ()):
                value = getattr(cur, attr, None)
                if isinstance(value, (ast.Node, list, tuple)):
                    stack.append(value)
        return str(RawStream()(val))
    except Exception:
        return text


def expression_text(sql: str, pred: Predicate | OrderKey, node: object = None) -> str:
    """SQL text of a predicate's expression, without table qualifiers."""
    target = node if node is not None else getattr(pred, "node", None)
    if not isinstance(target, dict):
        return ""
    key = (sql, id(target))
    text = _TEXTS.get(key)
    if text is None:
        text = _unqualified(deparse_expr_node(sql, target))
        if len(_TEXTS) > 4096:
            _TEXTS.clear()
        _TEXTS[key] = text
    return text


# (statement text, id of the node) → text: several rules print the same predicate. The
# node lives as long as the statement's facts (the whole run), so its id is stable.
_TEXTS: dict[tuple[str, int], str] = {}


def _expr_name_parts(text: str, pred: Predicate) -> list[str]:
    m = re.match(r"\(*\s*([a-z_][a-z0-9_]*)\s*\(", text)
    if m:
        return [m.group(1), *pred.columns]
    quoted = re.findall(r"'([A-Za-z0-9_]+)'", text)
    return [*pred.columns, *quoted] or ["expr"]


def suggest(
    table: Table,
    sql: str,
    preds: Sequence[Predicate],
    *,
    join_columns: Sequence[str] = (),
    order: Sequence[OrderKey] = (),
) -> IndexRequest | None:
    """The btree index that would serve these predicates, join probes and order."""
    eq: dict[str, tuple[int, int, str, str]] = {}  # ident → (class, position, key, name)
    partial: list[Predicate] = []
    range_key: tuple[str, str, str] | None = None  # (ident, key text, name part)
    blocks_order = False
    for pos, p in enumerate(preds):
        ident = pred_ident(p)
        if ident is None or not p.immutable or (p.value in ("self", "none") and p.op not in (
                IS_NULL, NOT_NULL, BOOL)):
            continue
        if p.expr is not None:
            text = expression_text(sql, p)
            if not text:
                continue
            key, parts = f"({text})", _expr_name_parts(text, p)
        else:
            key, parts = column_key(p.column or ""), [p.column or ""]
        if p.op in (EQ, IN, IS_NULL, BOOL, NOT_NULL):
            if _partial_ok(table, p):
                partial.append(p)
                continue
            if p.op == NOT_NULL:
                continue
            if p.op == IN:
                blocks_order = True
            cls = _selectivity_class(table, ident, p)
            eq.setdefault(ident, (cls, pos, key, "_".join(parts)))
        elif p.op == RANGE and range_key is None:
            range_key = (ident, key, "_".join(parts))
        elif p.op == LIKE_PREFIX and range_key is None and p.expr is None:
            range_key = (ident, column_key(p.column or "", "text_pattern_ops"), p.column or "")
    for column in join_columns:
        eq.setdefault(column, (_selectivity_class(table, column, None), -1, column_key(column),
                               column))
    ordered = sorted(eq.items(), key=lambda kv: (kv[1][0], kv[0]))
    keys = [v[2] for _, v in ordered]
    idents = [k for k, _ in ordered]
    names = [v[3] for _, v in ordered]
    desc = [False] * len(keys)
    n_eq = len(keys)
    order_keys = [o for o in order if pred_ident(o) not in eq]
    use_order = bool(order_keys) and not blocks_order and all(
        o.column is not None for o in order_keys)
    if use_order and range_key is not None and order_keys[0].column != range_key[0]:
        use_order = False  # a range on another column: the range is the better key
    if use_order:
        for o in order_keys:
            column = o.column or ""
            keys.append(column_key(column, *(["DESC"] if o.descending else [])))
            idents.append(column)
            names.append(column)
            desc.append(o.descending)
    elif range_key is not None:
        keys.append(range_key[1])
        idents.append(range_key[0])
        names.append(range_key[2])
        desc.append(False)
    if not keys and partial:
        # Nothing else to index: the constant columns are the keys.
        for p in sorted(partial, key=lambda p: p.column or ""):
            if p.op == NOT_NULL:
                continue
            keys.append(column_key(p.column or ""))
            idents.append(p.column or "")
            names.append(p.column or "")
            desc.append(False)
        n_eq = len(keys)
        partial = [p for p in partial if p.op == NOT_NULL]
    if not keys:
        return None
    partial.sort(key=lambda p: (p.column or "", p.op))
    where = " AND ".join(_where_text(p) for p in partial) or None
    words = [w for p in partial for w in _where_words(p)]
    name = _name(table, names, words, where)
    return IndexRequest(table=table.display, schema=table.schema, relname=table.name,
                        partitioned=bool(table.partition_by),
                        keys=tuple(keys), idents=tuple(idents), descending=tuple(desc),
                        eq=n_eq, where=where, name=name, names=tuple(names))


def suggest_gin(table: Table, pred: Predicate) -> IndexRequest | None:
    """GIN for ``@>`` / ``?`` / ``@?`` / array operators / full text on a column."""
    if pred.column is None or pred.op not in (JSONB_CONTAINS, JSONB_KEY, JSONB_PATH,
                                             ARRAY_OP, FTS):
        return None
    column = pred.column
    return IndexRequest(table=table.display, schema=table.schema, relname=table.name,
                        partitioned=bool(table.partition_by),
                        keys=(column_key(column),), idents=(column,), descending=(False,), eq=1,
                        method="gin", name=_name(table, [column, "gin"], [], None))


def suggest_trigram(table: Table, pred: Predicate, has_trgm: bool) -> IndexRequest | None:
    """``LIKE '%x%'`` on a column: a trigram GIN index (needs pg_trgm)."""
    if not has_trgm or pred.column is None:
        return None
    column = pred.column
    return IndexRequest(table=table.display, schema=table.schema, relname=table.name,
                        partitioned=bool(table.partition_by),
                        keys=(column_key(column, "gin_trgm_ops"),), idents=(f"trgm:{column}",),
                        descending=(False,), eq=1, method="gin",
                        name=_name(table, [column, "trgm"], [], None))


def window_request(table: Table, window: Window, ref: int) -> IndexRequest | None:
    """An index in the window's (PARTITION BY, ORDER BY) order, when all plain columns."""
    keys: list[str] = []
    idents: list[str] = []
    desc: list[bool] = []
    for key in (*window.partition, *window.order):
        if key.ref != ref or key.column is None:
            return None
        if key.column in idents:
            continue
        keys.append(column_key(key.column, *(["DESC"] if key.descending else [])))
        idents.append(key.column)
        desc.append(key.descending)
    if not keys:
        return None
    return IndexRequest(table=table.display, schema=table.schema, relname=table.name,
                        partitioned=bool(table.partition_by),
                        keys=tuple(keys), idents=tuple(idents), descending=tuple(desc),
                        eq=0, name=_name(table, idents, [], None), names=tuple(idents))
