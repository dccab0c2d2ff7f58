"""The JSON output contract of DESIGN.md: findings, the index plan, a summary."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import orjson

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
    return "".join(pieces(result))


def pieces(result: CheckResult) -> Iterator[str]:
    """``json.dumps(as_dict(result), indent=2, ensure_ascii=False) + "\\n"``, to the
    byte, one finding at a time: a run's findings never stand as one tree of dicts or
    one string (the CLI writes the pieces as they come)."""
    head = as_dict(replace(result, findings=()))
    head["summary"]["findings"] = len(result.findings)
    if not result.findings:
        yield _dumps(head, 0) + "\n"
        return
    rest = _dumps({k: v for k, v in head.items() if k not in ("version", "findings")}, 0)
    yield f'{{\n  "version": {_dumps(head["version"], 1)},\n  "findings": [\n    '
    for i, f in enumerate(result.findings):
        yield (",\n    " if i else "") + _dumps(finding_dict(f), 2)
    yield "\n  ],\n" + rest[2:] + "\n"


def _dumps(value: Any, depth: int) -> str:
    """``value`` as ``json.dumps(indent=2)`` writes it ``depth`` levels down."""
    try:
        text = orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
    except (orjson.JSONEncodeError, TypeError):  # a lone surrogate: not UTF-8
        text = json.dumps(value, indent=2, ensure_ascii=False)
    return text.replace("\n", "\n" + "  " * depth) if depth else text
