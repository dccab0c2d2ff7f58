"""SARIF 2.1.0 for code-scanning services: the rule catalogue and one result per finding.

Locations are relative to the repository root (``%SRCROOT%``); columns count Unicode code
points and ``endColumn`` is exclusive, as sqllint's locations are. ``partialFingerprints``
carries :func:`sqllint.workflow.fingerprint`, which does not change when lines shift.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqllint import __version__
from sqllint.model import Finding
from sqllint.result import CheckResult
from sqllint.ruledocs import rule_url
from sqllint.rules import RuleSpec, all_rules
from sqllint.workflow import fingerprints

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "sqllint/v1"


def doc_section(doc: str, title: str) -> str:
    """The text under ``## <title>`` in a rule's docstring (up to the next heading)."""
    lines = doc.splitlines()
    out: list[str] = []
    inside = False
    for line in lines:
        if line.startswith("## "):
            if inside:
                break
            inside = line[3:].strip().lower().rstrip("?") == title.lower().rstrip("?")
            continue
        if inside:
            out.append(line)
    return "\n".join(out).strip()


def use_instead(doc: str) -> str:
    """The "Use instead:" part of a rule's ``## Example`` section."""
    example = doc_section(doc, "Example")
    at = example.find("Use instead:")
    return example[at + len("Use instead:"):].strip() if at >= 0 else ""


def plain(markdown: str) -> str:
    """Markdown prose folded to one paragraph of plain text."""
    text = re.sub(r"`([^`]*)`", r"\1", markdown)
    return " ".join(text.split())


def rule_descriptor(spec: RuleSpec) -> dict[str, Any]:
    why = doc_section(spec.doc, "Why is this bad?")
    out: dict[str, Any] = {
        "id": spec.code,
        "name": spec.name,
        "shortDescription": {"text": plain(spec.summary) or spec.name},
        "fullDescription": {"text": plain(why) or plain(spec.summary) or spec.name},
        "help": {"text": spec.doc or spec.summary, "markdown": spec.doc or spec.summary},
        "defaultConfiguration": {"level": LEVELS[spec.severity]},
        "properties": {"tags": ["sql", "postgresql"], "severity": spec.severity},
    }
    url = rule_url(spec.code) if spec.doc else None
    if url:
        out["helpUri"] = url
    return out


def repo_root(start: Path | None = None) -> Path:
    """The enclosing git work tree of ``start`` (default: the working directory)."""
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / ".git").exists():
            return folder
    return here


def artifact_location(path: str, root: Path) -> dict[str, Any]:
    absolute = Path(path).resolve()
    try:
        rel = absolute.relative_to(root).as_posix()
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(rel), "uriBaseId": "%SRCROOT%"}


def _region(f: Finding) -> dict[str, int]:
    loc = f.location
    line, col = max(1, loc.line), max(1, loc.column)
    end_line, end_col = max(line, loc.end_line), max(1, loc.end_column)
    if end_line == line and end_col <= col:
        end_col = col + 1
    return {"startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col}


def as_dict(result: CheckResult, root: Path | None = None) -> dict[str, Any]:
    root = repo_root() if root is None else root.resolve()
    specs = list(all_rules())
    known = {s.code for s in specs}
    for f in result.findings:  # a finding of a rule outside the registry (never expected)
        if f.rule not in known:
            known.add(f.rule)
            specs.append(RuleSpec(f.rule, f.name, f.severity, ""))
    index = {s.code: i for i, s in enumerate(specs)}
    results = []
    for f, fp in zip(result.findings, fingerprints(result.findings), strict=True):
        message = f.message + (f"\n\nFix:\n{f.suggestion}" if f.suggestion else "")
        entry: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": LEVELS[f.severity],
            "message": {"text": message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": artifact_location(f.location.path, root),
                    "region": _region(f),
                },
            }],
            "partialFingerprints": {FINGERPRINT_KEY: fp},
        }
        if f.suggestion:
            entry["properties"] = {"suggestion": f.suggestion}
        results.append(entry)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "sqllint",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [rule_descriptor(s) for s in specs],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri().rstrip("/") + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "invocations": [{"executionSuccessful": True,
                             "workingDirectory": {"uri": Path(os.getcwd()).as_uri()}}],
        }],
    }


def render(result: CheckResult) -> str:
    return json.dumps(as_dict(result), indent=2, ensure_ascii=False) + "\n"
