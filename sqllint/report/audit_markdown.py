"""The audit in Markdown, for a pull-request comment or a wiki page."""

from __future__ import annotations

from sqllint.report.audit import Audit, Item, summary_sentence
from sqllint.report.markdown import ICONS, cell, code, fenced

MAX_DETAILED = 100


def _finding(item: Item) -> list[str]:
    f = item.finding
    out = [f"#### {ICONS[f.severity]} {f.rule} {f.name} · `{cell(item.where)}`", "",
           f.message, ""]
    if item.statement:
        out += ["**Evidence**", "", fenced(item.statement), ""]
    if item.facts:
        out += [f"- {fact}" for fact in item.facts] + [""]
    out += [f"**Impact.** {item.impact}", ""]
    if item.fix:
        out += ["**Fix**", "", fenced(item.fix), ""]
    if item.excerpt:
        width = len(str(item.excerpt[-1][0]))
        text = "\n".join(f"{'>' if hit else ' '} {n:>{width}} | {line}"
                         for n, line, hit in item.excerpt)
        out += ["<details><summary>Code</summary>", "", fenced(text, ""), "", "</details>", ""]
    return out


def render(audit: Audit) -> str:
    counts = audit.counts()
    out = [f"# {audit.title}", "", summary_sentence(audit), "",
           "| Errors | Warnings | Infos | Files | Statements | Indexes planned |",
           "|---|---|---|---|---|---|",
           f"| {counts['error']} | {counts['warning']} | {counts['info']} | "
           f"{audit.result.files} | {audit.result.statements} | {len(audit.plan)} |", ""]
    if audit.risks:
        out += ["## Tables most at risk", "",
                "| Table | Risk score | Errors | Warnings | Infos | Rules |",
                "|---|---|---|---|---|---|"]
        out += [f"| {cell(t.table)} | {t.score} | {t.counts['error']} | "
                f"{t.counts['warning']} | {t.counts['info']} | {', '.join(t.rules)} |"
                for t in audit.risks[:10]]
        out.append("")
    out += ["## Index plan", ""]
    if audit.plan:
        for n, e in enumerate(audit.plan, 1):
            out += [f"{n}. {ICONS[e.severity]} **{cell(e.index.table)}** "
                    f"({e.severity}): {code(e.index.ddl)}"]
            out += [f"   - `{cell(where)}`" + (f": {code(sql)}" if sql else "")
                    for where, sql in e.queries]
        out += ["", fenced("\n".join(e.index.ddl for e in audit.plan)), ""]
    else:
        out += ["No index to add.", ""]
    out += ["## Findings by rule", ""]
    for g in audit.by_rule:
        out += [f"### {ICONS[g.severity]} {g.code} {g.name} ({len(g.items)})", "", g.summary,
                "", "| Location | Table | Message |", "|---|---|---|"]
        out += [f"| `{cell(i.where)}` | {cell(', '.join(i.tables[:1]))} | "
                f"{cell(i.finding.message)} |" for i in g.items]
        out.append("")
    out += ["## Findings by table", ""]
    shown = 0
    for table, items in audit.by_table:
        out += [f"### {table} ({len(items)})", ""]
        for item in items:
            if shown >= MAX_DETAILED:
                out += [f"- `{cell(item.where)}` {item.finding.rule}: {cell(item.finding.message)}"]
                continue
            out += _finding(item)
            shown += 1
        out.append("")
    return "\n".join(out).rstrip() + "\n"
