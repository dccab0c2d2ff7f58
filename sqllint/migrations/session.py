"""What earlier statements of the history proved for a migration step.

- ``proven_not_null``: columns a validated ``CHECK (col IS NOT NULL)`` covers right before
  a step (PostgreSQL 12+ then skips the ``SET NOT NULL`` scan: "existing constraints on
  column … are sufficient to prove that it does not contain nulls").
- ``utc_session``: whether the file set the session time zone to UTC before the step
  (``timestamp`` ↔ ``timestamptz`` then needs no rewrite, PostgreSQL 12+).
Both are computed once per run (cached in ``ctx.cache``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqllint.catalog.model import Catalog
from sqllint.migrations.sqledit import relation
from sqllint.migrations.steps import Step
from sqllint.model import Statement
from sqllint.rules.base import Context
from sqllint.sqltext import names

_UTC = "sqllint.migrations.session.utc"
# Zones whose offset is zero at every instant.
_UTC_NAMES = frozenset({"utc", "etc/utc", "gmt", "etc/gmt", "uct", "etc/uct", "universal",
                        "etc/universal", "zulu", "etc/zulu", "greenwich", "etc/greenwich",
                        "gmt0", "etc/gmt0", "gmt+0", "gmt-0", "etc/gmt+0", "etc/gmt-0", "z",
                        "0", "+0", "-0", "+00", "+00:00", "00:00"})


def proven_not_null(ctx: Context, step: Step) -> frozenset[str]:
    """``schema.table.column`` keys a validated NOT NULL check covers before ``step``."""
    return ctx.run.not_null.get(step.stmt.seq, frozenset())


class NotNullProofs:
    """Validated ``CHECK (col IS NOT NULL)`` constraints, followed statement by statement
    through the history (``sqllint.replay`` feeds it in application order)."""

    def __init__(self) -> None:
        # table key → constraint name → (column, validated)
        self.checks: dict[str, dict[str, tuple[str, bool]]] = {}
        self.proven: dict[int, frozenset[str]] = {}  # seq of an ALTER TABLE → keys

    def add(self, stmt: Statement, catalog: Catalog) -> None:
        """A top-level statement of a migration or schema file; ``catalog`` before it."""
        checks = self.checks
        node = stmt.node or {}
        if "CreateStmt" in node:
            _create(node["CreateStmt"], checks)
        elif "AlterTableStmt" in node:
            inner = node["AlterTableStmt"]
            table = relation(catalog, inner.get("relation") or {})
            if table is None:
                return
            mine = checks.setdefault(table.qualified, {})
            proven = frozenset(f"{table.qualified}.{col}" for col, ok in mine.values() if ok)
            if proven:  # none is what a missing entry says too: the history stays small
                self.proven[stmt.seq] = proven
            for wrapped in inner.get("cmds") or []:
                cmd = wrapped.get("AlterTableCmd", {})
                sub, name = cmd.get("subtype"), str(cmd.get("name", ""))
                cons = (cmd.get("def") or {}).get("Constraint") or {}
                if sub == "AT_AddConstraint" and cons.get("contype") == "CONSTR_CHECK":
                    for col in _not_null_columns(cons.get("raw_expr")):
                        mine[str(cons.get("conname") or f"{table.name}_{col}_check")] = (
                            col, not cons.get("skip_validation"))
                elif sub == "AT_ValidateConstraint" and name in mine:
                    mine[name] = (mine[name][0], True)
                elif sub == "AT_DropConstraint":
                    mine.pop(name, None)


def _create(node: dict[str, Any], checks: dict[str, dict[str, tuple[str, bool]]]) -> None:
    rel = node.get("relation") or {}
    key = f"{rel.get('schemaname') or 'public'}.{rel.get('relname', '')}"
    mine: dict[str, tuple[str, bool]] = {}
    for elt in node.get("tableElts") or []:
        found = [elt.get("Constraint")] if "Constraint" in elt else [
            c.get("Constraint") for c in elt.get("ColumnDef", {}).get("constraints") or []]
        for cons in found:
            if cons and cons.get("contype") == "CONSTR_CHECK":
                for col in _not_null_columns(cons.get("raw_expr")):
                    mine[str(cons.get("conname") or f"{col}_check")] = (col, True)
    checks[key] = mine


def _not_null_columns(expr: Any) -> Iterator[str]:
    """Columns ``expr`` proves NOT NULL: ``col IS NOT NULL`` alone or in a top-level AND."""
    if not isinstance(expr, dict):
        return
    if "NullTest" in expr:
        test = expr["NullTest"]
        arg = test.get("arg", {}).get("ColumnRef", {})
        parts = names([f for f in arg.get("fields") or [] if "String" in f])
        if test.get("nulltesttype") == "IS_NOT_NULL" and parts:
            yield parts[-1]
    elif expr.get("BoolExpr", {}).get("boolop") == "AND_EXPR":
        for arg in expr["BoolExpr"].get("args") or []:
            yield from _not_null_columns(arg)


def utc_session(ctx: Context, step: Step) -> bool:
    """Did the step's file set the session time zone to a zero-offset zone before it?"""
    utc = ctx.cache.get(_UTC)
    if utc is None:
        utc = ctx.cache[_UTC] = _utc_statements(ctx)
    return id(step.stmt) in utc


def _utc_statements(ctx: Context) -> frozenset[int]:
    zone: dict[str, bool] = {}
    out: set[int] = set()
    for stmt in ctx.statements:
        setting = (stmt.node or {}).get("VariableSetStmt")
        if setting is not None and str(setting.get("name", "")).lower() == "timezone":
            args = setting.get("args") or [{}]
            const = args[0].get("A_Const", {}) if args else {}
            value = const.get("sval", {}).get("sval")
            if value is None and "ival" in const:
                value = str(const["ival"].get("ival", 0))
            zone[stmt.path] = setting.get("kind") == "VAR_SET_VALUE" and \
                str(value).strip().lower() in _UTC_NAMES
        elif zone.get(stmt.path):
            out.add(id(stmt))
    return frozenset(out)
