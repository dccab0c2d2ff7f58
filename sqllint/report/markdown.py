"""Markdown for a pull-request comment: a summary, the findings table, the fixes, the plan."""

from __future__ import annotations

from collections import Counter

from sqllint.model import SEVERITY_RANK, Finding
from sqllint.result import CheckResult

ICONS = {"error": "🔴", "warning": "🟠", "info": "🔵"}
MAX_ROWS = 200


def cell(text: str) -> str:
    """Text safe inside one Markdown table cell."""
    flat = " ".join(text.split())
    return flat.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")


def code(text: str) -> str:
    """An inline code span that survives backticks in ``text``."""
    flat = " ".join(text.split())
    fence = "``" if "`" in flat else "`"
    return f"{fence} {flat} {fence}" if fence == "``" else f"`{flat}`"


def fenced(text: str, lang: str = "sql") -> str:
    fence = "````" if "```" in text else "```"
    return f"{fence}{lang}\n{text.rstrip()}\n{fence}"


def severity_counts(findings: tuple[Finding, ...] | list[Finding]) -> str:
    counts = Counter(f.severity for f in findings)
    parts = [f"{ICONS[s]} {counts[s]} {s}{'s' if counts[s] != 1 else ''}"
             for s in ("error", "warning", "info") if counts[s]]
    return ", ".join(parts) if parts else "no findings"


def render(result: CheckResult) -> str:
    out = ["## sqllint", ""]
    n = len(result.findings)
    if not n:
        out.append(f"✅ No findings in {result.files} files ({result.statements} statements).")
        return "\n".join(out) + "\n"
    out.append(f"**{n} finding{'s' if n != 1 else ''}** ({severity_counts(result.findings)}) "
               f"in {result.files} files ({result.statements} statements).")
    out += ["", "| | Location | Rule | Message |", "|---|---|---|---|"]
    ordered = sorted(result.findings,
                     key=lambda f: (-SEVERITY_RANK[f.severity], *f.sort_key()))
    for f in ordered[:MAX_ROWS]:
        loc = f.location
        out.append(f"| {ICONS[f.severity]} | `{cell(loc.path)}:{loc.line}:{loc.column}` | "
                   f"{f.rule} {f.name} | {cell(f.message)} |")
    if n > MAX_ROWS:
        out.append(f"\n…and {n - MAX_ROWS} more (run `sqllint check` locally for all).")
    fixes = [f for f in ordered if f.suggestion]
    if fixes:
        out += ["", "<details><summary>Suggested fixes</summary>", ""]
        for f in fixes[:MAX_ROWS]:
            out.append(f"**{f.rule}** `{cell(f.location.path)}:{f.location.line}`")
            out += ["", fenced(f.suggestion or ""), ""]
        out.append("</details>")
    if result.indexes:
        out += ["", "### Index plan", "",
                "| Table | Index | Serves |", "|---|---|---|"]
        for p in result.indexes:
            serves = ", ".join(f"`{cell(s)}`" for s in p.serves)
            out.append(f"| {cell(p.table)} | {code(p.ddl)} | {serves} |")
    return "\n".join(out) + "\n"
