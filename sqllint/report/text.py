"""gcc-style text: ``path:line:col: CODE message``, the suggestion indented below."""

from __future__ import annotations

from collections import Counter

from sqllint.result import CheckResult


def render(result: CheckResult) -> str:
    lines: list[str] = []
    for f in result.findings:
        loc = f.location
        lines.append(f"{loc.path}:{loc.line}:{loc.column}: {f.rule} {f.message}")
        if f.suggestion:
            lines.extend("    " + part for part in f.suggestion.splitlines())
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"


def summary_line(result: CheckResult) -> str:
    if not result.findings:
        return f"No findings in {result.files} files ({result.statements} statements)."
    counts = Counter(f.severity for f in result.findings)
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}"
             for s in ("error", "warning", "info") if counts[s]]
    n = len(result.findings)
    return (f"Found {n} finding{'s' if n != 1 else ''} ({', '.join(parts)}) in "
            f"{result.files} files ({result.statements} statements).")
