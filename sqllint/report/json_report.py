"""The JSON output contract of DESIGN.md: findings, the index plan, a summary."""

from __future__ import annotations

import json
from typing import Any

from sqllint import __version__
from sqllint.model import Finding
from sqllint.result import NO_SCHEMA, CheckResult


def finding_dict(f: Finding) -> dict[str, Any]:
    loc = f.location
    out: dict[str, Any] = {
        "rule": f.rule,
        "name": f.name,
        "severity": f.severity,
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
        "message": f.message,
    }
    if f.suggestion:
        out["suggestion"] = f.suggestion
    if f.fix is not None:
        out["fix"] = {
            "title": f.fix.title,
            "applicability": "safe" if f.fix.safe else "unsafe",
            "edits": [{"line": e.line, "column": e.column, "end_line": e.end_line,
                       "end_column": e.end_column, "text": e.text} for e in f.fix.edits],
        }
    return out


def as_dict(result: CheckResult) -> dict[str, Any]:
    return {
        "version": __version__,
        "findings": [finding_dict(f) for f in result.findings],
        "indexes": [
            {"table": p.table, "ddl": p.ddl, "serves": list(p.serves)} for p in result.indexes
        ],
        "summary": {
            "files": result.files,
            "statements": result.statements,
            "findings": len(result.findings),
            "schema": _schema(result),
        },
    }


def _schema(result: CheckResult) -> dict[str, Any]:
    """Whether a schema was found, and when not, what that means and how to fix it."""
    out: dict[str, Any] = {"found": result.schema_found, "tables": result.schema_tables}
    if not result.schema_found:
        out["note"] = NO_SCHEMA
    return out


def render(result: CheckResult) -> str:
    return json.dumps(as_dict(result), indent=2, ensure_ascii=False) + "\n"
