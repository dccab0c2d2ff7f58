"""Markdown for a pull-request comment: a summary, the findings table, the fixes, the plan."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqllint.escape import md_cell, md_code, md_fenced
from sqllint.model import SEVERITY_RANK, Finding
from sqllint.result import CheckResult

ICONS = {"error": "🔴", "warning": "🟠", "info": "🔵"}
MAX_ROWS = 200
GITHUB_COMMENT_LIMIT = 65_536  # characters a GitHub comment holds


class Budget:
    """Markdown built block by block, never longer than a GitHub comment: a block that
    would not fit is refused, and room is kept for a last line saying what was left out."""

    def __init__(self, limit: int = GITHUB_COMMENT_LIMIT, reserve: int = 600) -> None:
        self.blocks: list[str] = []
        self.size = 0
        self.limit = limit - reserve
        self.full = False

    def add(self, lines: list[str]) -> bool:
        if self.full:
            return False
        block = "\n".join(lines) + "\n"
        if self.size + len(block) > self.limit:
            self.full = True
            return False
        self.blocks.append(block)
        self.size += len(block)
        return True

    def close(self, note: str) -> None:
        self.blocks.append("\n" + note + "\n")

    def text(self) -> str:
        return "".join(self.blocks).rstrip() + "\n"


def cell(text: str) -> str:
    """Text safe inside one Markdown table cell."""
    return md_cell(text)


def code(text: str) -> str:
    """An inline code span that survives backticks in ``text``."""
    return md_code(text)


def fenced(text: str, lang: str = "sql") -> str:
    return md_fenced(text, lang)


def severity_counts(findings: Iterable[Finding]) -> str:
    counts = Counter(f.severity for f in findings)
    parts = [f"{ICONS[s]} {counts[s]} {s}{'s' if counts[s] != 1 else ''}"
             for s in ("error", "warning", "info") if counts[s]]
    return ", ".join(parts) if parts else "no findings"


def render(result: CheckResult) -> str:
    budget = Budget()
    n = len(result.findings)
    if not n:
        budget.add(["## sqllint", "",
                    f"✅ No findings in {result.files} files ({result.statements} statements)."])
        return budget.text()
    budget.add(["## sqllint", "",
                f"**{n} finding{'s' if n != 1 else ''}** ({severity_counts(result.findings)}) "
                f"in {result.files} files ({result.statements} statements).",
                "", "| | Location | Rule | Message |", "|---|---|---|---|"])
    ordered = sorted(result.findings,
                     key=lambda f: (-SEVERITY_RANK[f.severity], *f.sort_key()))
    rows = 0
    for f in ordered[:MAX_ROWS]:
        loc = f.location
        where = code(f"{loc.path}:{loc.line}:{loc.column}")
        if not budget.add([f"| {ICONS[f.severity]} | {where} | {f.rule} {f.name} | "
                           f"{cell(f.message)} |"]):
            break
        rows += 1
    fixes = [f for f in ordered[:rows] if f.suggestion]
    if fixes and budget.add(["", "<details><summary>Suggested fixes</summary>", ""]):
        for f in fixes:
            if not budget.add([f"**{f.rule}** {code(f'{f.location.path}:{f.location.line}')}",
                               "", fenced(f.suggestion or ""), ""]):
                break
        budget.full = False  # the closing tag must follow what was opened
        budget.add(["</details>"])
    if result.indexes and budget.add(["", "### Index plan", "",
                                      "| Table | Index | Serves |", "|---|---|---|"]):
        for p in result.indexes:
            serves = ", ".join(code(s) for s in p.serves[:10])
            more = f" and {len(p.serves) - 10} more" if len(p.serves) > 10 else ""
            if not budget.add([f"| {cell(p.table)} | {code(p.ddl)} | {serves}{more} |"]):
                break
    if rows < n:
        budget.close(f"…and {n - rows} more finding{'s' if n - rows != 1 else ''} (run "
                     f"`sqllint check` locally for all).")
    return budget.text()
