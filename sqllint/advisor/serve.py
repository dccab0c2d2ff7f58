"""Can an existing index serve these predicates, this order, this join probe?

The rules PostgreSQL's planner applies, statically:

- btree: the leading keys must be restricted; equality (``=``, ``IN``, ``IS NULL``) on a
  key lets the next key be used, a range ends the usable prefix. ORDER BY is delivered
  by the keys after the equality-pinned ones, all in the index direction or all reversed.
- A partial index is usable only when the query's constant predicates imply its WHERE
  (``status = 'open'`` implies ``WHERE status = 'open'``; a ``$1`` parameter never does,
  except that any strict comparison implies ``col IS NOT NULL``).
- An expression index serves a predicate on the same expression (``lower(email)``).
- GIN serves ``@>``, ``?``, ``?|``, ``?&``, ``@?``, ``@@`` (``jsonb_path_ops``: not the key
  operators), array containment/overlap, and LIKE through ``gin_trgm_ops``.
- PK and UNIQUE constraints are indexes too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from pglast import parser as pg

from sqllint.analysis.expressions import expr_key, literal_value, numeric, same_constant
from sqllint.analysis.facts import query_facts
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
    LIKE_INFIX,
    LIKE_PREFIX,
    NEQ,
    NOT_NULL,
    OTHER,
    RANGE,
    OrderKey,
    Predicate,
)
from sqllint.catalog.model import Catalog, Index, IndexKey, Table

PATTERN_OPS = frozenset({"text_pattern_ops", "varchar_pattern_ops", "bpchar_pattern_ops"})
TRGM_OPS = frozenset({"gin_trgm_ops", "gist_trgm_ops"})
_GIST_OPS = frozenset({"&&", "@>", "<@", "<<", ">>", "-|-", "&<", "&>", "~=", "@@"})
# Predicates that pin a key to one value: the next key of a btree stays usable.
PINNING = frozenset({EQ, IS_NULL, BOOL})


def fk_served(columns: Iterable[str], indexes: Iterable[Index],
              table: Table | None = None) -> bool:
    """True when some btree index's leading keys are exactly ``columns``, in any order,
    and the check PostgreSQL runs per deleted parent row (``col = $1 …``) can use it: keys
    collated as their columns (a ``COLLATE "C"`` key does not serve it), and a partial
    index only when that equality proves its WHERE (``WHERE col IS NOT NULL``), which
    needs the ``table``."""
    wanted = set(columns)
    n = len(wanted)
    probe = [Predicate(0, EQ, "=", c, None, (c,), "param", (), -1, True) for c in wanted]
    for index in indexes:
        if index.method not in ("btree", "hash"):
            continue
        if index.predicate_key is not None and (table is None
                                                or not usable(index, probe, table)):
            continue
        if index.method == "hash" and n != 1:
            continue
        lead = index.columns[:n]
        if len(lead) != n or None in lead or set(lead) != wanted:
            continue
        if any(k.collation for k in index.keys[:n]):
            continue
        return True
    return False


# -- keys and predicates ------------------------------------------------------------------


@lru_cache(maxsize=4096)
def expression_key(expression: str) -> str | None:
    """The normalised key of an index expression's text (as the catalog deparsed it)."""
    try:
        tree = json.loads(pg.parse_sql_json("SELECT " + expression))
        val = tree["stmts"][0]["stmt"]["SelectStmt"]["targetList"][0]["ResTarget"]["val"]
    except Exception:
        return None
    return expr_key(val)


def key_ident(key: IndexKey) -> str:
    """What an index key is, comparable with ``pred_ident``: a column or ``expr:<key>``."""
    if key.column is not None:
        return key.column
    return "expr:" + (expression_key(key.expression or "") or str(key.expr))


def pred_ident(pred: Predicate | OrderKey) -> str | None:
    if pred.column is not None:
        return pred.column
    if pred.expr is not None:
        return "expr:" + pred.expr
    return None


@lru_cache(maxsize=2048)
def _partial_conjuncts(predicate: str, table: Table) -> tuple[Predicate, ...] | None:
    """A partial index's WHERE as predicates on ``table``, one or more per top-level
    conjunct; None when some conjunct cannot be read (then nothing proves it)."""
    name = table.name if table.schema == "public" else f"{table.schema}.{table.name}"
    sql = f"SELECT 1 FROM {_quote_path(name)} WHERE {predicate}"
    try:
        node = json.loads(pg.parse_sql_json(sql))["stmts"][0]["stmt"]
    except Exception:
        return None
    catalog = Catalog(tables={table.qualified: table}, names={table.name: table.qualified})
    facts = query_facts(node, catalog)
    preds = tuple(p for p in facts.predicates if p.ref == 0)
    where = node["SelectStmt"].get("whereClause")
    read = {id(p.conjunct) for p in preds}
    if any(id(c) not in read for c in _top_conjuncts(where)):
        return None
    return preds


def _top_conjuncts(node: Any) -> list[Any]:
    """The top-level AND arguments of a WHERE (the clause itself when it is not an AND)."""
    inner = node.get("BoolExpr") if isinstance(node, dict) else None
    if isinstance(inner, dict) and inner.get("boolop") == "AND_EXPR":
        return [c for arg in inner.get("args") or [] for c in _top_conjuncts(arg)]
    return [node]


def _quote_path(name: str) -> str:
    from sqllint.sqltext import quote_ident

    return ".".join(quote_ident(part) for part in name.split("."))


def usable(index: Index, preds: Sequence[Predicate], table: Table) -> bool:
    """Is ``index`` usable for a query with ``preds``: its partial WHERE is implied?"""
    if index.predicate is None:
        return True
    conjuncts = _partial_conjuncts(index.predicate, table)
    if not conjuncts:
        return False
    return all(_implied(c, preds) for c in conjuncts)


def _implied(cond: Predicate, preds: Sequence[Predicate]) -> bool:
    """Does some query predicate prove ``cond`` (one conjunct of an index's WHERE), as
    PostgreSQL's ``predicate_implied_by`` would for a generic plan? A ``$n`` parameter
    proves only ``IS NOT NULL``; anything not proved here is taken as unproved."""
    for p in preds:
        if p.key == cond.key and (p.value == "const" or cond.op in (IS_NULL, NOT_NULL, OTHER)):
            return True  # the same clause, written the same way
        if cond.op == OTHER or pred_ident(p) != pred_ident(cond):
            continue
        if cond.op == NOT_NULL and p.op in (EQ, IN, RANGE, LIKE_PREFIX, NOT_NULL, BOOL,
                                            JSONB_CONTAINS, JSONB_KEY):
            return True  # strict operators reject NULL
        if p.value != "const":
            continue
        if cond.op in (EQ, BOOL) and p.op in (EQ, BOOL, IN) and len(p.consts) == 1 \
                and len(cond.consts) == 1 and same_constant(p.consts[0], cond.consts[0]):
            return True
        if cond.op == IN and p.op in (EQ, IN, BOOL) and p.consts and all(
                any(same_constant(v, c) for c in cond.consts) for v in p.consts):
            return True
        if cond.op == NEQ and p.op in (EQ, IN) and p.consts and len(cond.consts) == 1 and all(
                _differ(v, cond.consts[0]) for v in p.consts):
            return True  # status = 'open' proves status <> 'deleted'
        if cond.op == IS_NULL and p.op == IS_NULL:
            return True
        if cond.op == RANGE and p.op in (RANGE, EQ) and _range_implies(p, cond):
            return True
    return False


_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?")


def _compare(a: str, b: str) -> int | None:
    """-1, 0 or 1 comparing two constants (numbers, or ISO dates and times in the same
    form); None when they cannot be compared statically."""
    x, y = numeric(a), numeric(b)
    if x is not None and y is not None:
        return (x > y) - (x < y)
    s, t = literal_value(a), literal_value(b)
    if _ISO_TIME.fullmatch(s) and _ISO_TIME.fullmatch(t) and len(s) == len(t):
        return (s > t) - (s < t)
    return None


def _differ(a: str, b: str) -> bool:
    """Two constants that are certainly different values (numbers, or two string
    literals of the same type)."""
    order = _compare(a, b)
    if order is not None:
        return order != 0
    return a.startswith("'") and b.startswith("'") and numeric(a) is None \
        and numeric(b) is None and a.split("::")[1:] == b.split("::")[1:] \
        and literal_value(a) != literal_value(b)


def _range_implies(p: Predicate, cond: Predicate) -> bool:
    """``p`` (a comparison or an equality with one constant) proves the range ``cond``."""
    if len(p.consts) != 1 or len(cond.consts) != 1 or p.operator not in (
            "=", "<", "<=", ">", ">=") or cond.operator not in ("<", "<=", ">", ">="):
        return False
    order = _compare(p.consts[0], cond.consts[0])
    if order is None:
        return False
    op, want = p.operator, cond.operator
    if want in (">", ">=") and op in ("=", ">", ">="):
        return order > 0 or (order == 0 and (want == ">=" or op == ">"))
    if want in ("<", "<=") and op in ("=", "<", "<="):
        return order < 0 or (order == 0 and (want == "<=" or op == "<"))
    return False


def _supports(index: Index, key: IndexKey, pred: Predicate) -> bool:
    """Can this key of this index evaluate ``pred`` as an index condition?"""
    method = index.method
    op = pred.op
    if method == "btree":
        if op in (EQ, IN, RANGE, IS_NULL, NOT_NULL, BOOL):
            return True
        return op == LIKE_PREFIX and (key.opclass or "").split(".")[-1] in PATTERN_OPS
    if method == "hash":
        return op == EQ
    opclass = (key.opclass or "").split(".")[-1]
    if method == "gin":
        if opclass in TRGM_OPS:
            return op in (LIKE_PREFIX, LIKE_INFIX) or pred.operator in ("~~", "~~*", "~", "~*")
        if op in (JSONB_CONTAINS, JSONB_PATH, ARRAY_OP, FTS):
            return True
        return op == JSONB_KEY and opclass != "jsonb_path_ops"
    if method in ("gist", "spgist"):
        if opclass in TRGM_OPS:
            return op in (LIKE_PREFIX, LIKE_INFIX)
        return pred.operator in _GIST_OPS or op == FTS
    if method == "brin":
        return op in (EQ, RANGE)
    return False


def _key_matches(key: IndexKey, pred: Predicate | OrderKey) -> bool:
    ident = pred_ident(pred)
    return ident is not None and key_ident(key) == ident


# -- the questions ------------------------------------------------------------------------


def served_predicates(indexes: Iterable[Index], preds: Sequence[Predicate],
                      table: Table) -> dict[int, Index]:
    """Which of ``preds`` (by position) some usable index evaluates, and by which index."""
    out: dict[int, Index] = {}
    pinned = {pred_ident(p) for p in preds if p.op in PINNING or p.op == IN}
    for index in indexes:
        if len(out) == len(preds):
            break
        if not usable(index, preds, table):
            continue
        partial_cols: set[str | None] = set()
        if index.predicate is not None:
            conj = _partial_conjuncts(index.predicate, table) or ()
            partial_cols = {pred_ident(c) for c in conj if c.op in (EQ, IN, BOOL)}
        for i, p in enumerate(preds):
            if i in out:
                continue
            if pred_ident(p) in partial_cols and p.value == "const":
                out[i] = index
                continue
            if index.method in ("btree", "hash"):
                for pos, key in enumerate(index.keys):
                    if index.method == "hash" and pos > 0:
                        break
                    if _key_matches(key, p):
                        if _supports(index, key, p):
                            out[i] = index
                        break
                    if key_ident(key) not in pinned:
                        break
            else:
                if any(_key_matches(k, p) and _supports(index, k, p) for k in index.keys):
                    out[i] = index
    return out


def order_served(indexes: Iterable[Index], preds: Sequence[Predicate],
                 order: Sequence[OrderKey], table: Table) -> bool:
    """Does a btree index return rows in ``order`` (after the equality-pinned keys)?"""
    pinned = {pred_ident(p) for p in preds if p.op in PINNING and p.value != "none"}
    wanted = [o for o in order if pred_ident(o) not in pinned]
    if not wanted:
        return True
    if any(pred_ident(o) is None for o in wanted):
        return False
    for index in indexes:
        if index.method != "btree" or not usable(index, preds, table):
            continue
        pos = 0
        reverse: bool | None = None
        for key in index.keys:
            if pos < len(wanted) and _key_matches(key, wanted[pos]):
                rel = key.descending != wanted[pos].descending
                if reverse is None:
                    reverse = rel
                elif reverse != rel:
                    break
                pos += 1
                if pos == len(wanted):
                    return True
                continue
            if key_ident(key) in pinned:
                continue
            break
    return False


def join_served(indexes: Iterable[Index], column: str, preds: Sequence[Predicate],
                table: Table) -> Index | None:
    """An index a nested loop can probe with ``column = outer value``."""
    pinned = {pred_ident(p) for p in preds if p.op in PINNING}
    for index in indexes:
        if index.method not in ("btree", "hash") or not usable(index, preds, table):
            continue
        for pos, key in enumerate(index.keys):
            if key.column == column:
                return index
            if index.method == "hash" or pos > 8 or key_ident(key) not in pinned:
                break
    return None


def unique_pinned(indexes: Iterable[Index], preds: Sequence[Predicate], table: Table) -> bool:
    """Is at most one row selected: every key of a unique index pinned by equality?"""
    pinned = {pred_ident(p) for p in preds
              if p.op in (EQ, BOOL) or (p.op == IN and p.value == "const" and len(p.consts) == 1)}
    for index in indexes:
        if not (index.unique or index.primary) or not usable(index, preds, table):
            continue
        if index.keys and all(key_ident(k) in pinned for k in index.keys):
            return True
    return False


def jsonb_served(indexes: Iterable[Index], pred: Predicate, table: Table) -> Index | None:
    """A GIN index for a containment/key/path operator, or an expression index for ->>."""
    for index in indexes:
        if not usable(index, [pred], table):
            continue
        for pos, key in enumerate(index.keys):
            if _key_matches(key, pred) and _supports(index, key, pred):
                return index
            if index.method in ("btree", "hash") or pos > 8:
                break
    return None


def column_indexed(indexes: Iterable[Index], column: str) -> Index | None:
    """Some btree/hash index on the plain column (any position): the column 'is indexed'."""
    for index in indexes:
        if index.method in ("btree", "hash") and column in index.columns:
            return index
    return None
