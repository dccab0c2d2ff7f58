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


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(result: CheckResult) -> str:
    where = f"in {_count(result.files, 'file')} ({_count(result.statements, 'statement')})"
    if not result.findings:
        return f"No findings {where}."
    counts = Counter(f.severity for f in result.findings)
    parts = [_count(counts[s], s) for s in ("error", "warning", "info") if counts[s]]
    return f"Found {_count(len(result.findings), 'finding')} ({', '.join(parts)}) {where}."
