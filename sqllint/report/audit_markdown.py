"""The audit in Markdown, for a pull-request comment or a wiki page.

A GitHub comment holds 65,536 characters: the report is built in order of priority and
stops before that, with what was left out counted and summarised.
"""

from __future__ import annotations

from sqllint.report.audit import TIER_REASONS, TIER_TITLES, TIERS, Audit, Group, summary_sentence
from sqllint.report.markdown import ICONS, Budget, cell, code, fenced

SHOWN_LOCATIONS = 5
SHOWN_FIXES = 3


def _group(group: Group) -> list[str]:
    n = len(group.items)
    table = f" on {cell(group.table)}" if group.table != "(no table)" else ""
    times = f" ×{n}" if n > 1 else ""
    out = [f"#### {ICONS[group.severity]} {group.rule} {group.name}{table}{times}", ""]
    if group.same_message:
        out += [cell(group.message), ""]
        out += [f"- {code(i.where)}" for i in group.items[:SHOWN_LOCATIONS]]
    else:
        out += [f"- {code(i.where)} {cell(i.finding.message)}"
                for i in group.items[:SHOWN_LOCATIONS]]
    if n > SHOWN_LOCATIONS:
        out.append(f"- … and {n - SHOWN_LOCATIONS} more places")
    out.append("")
    out += [f"> {cell(fact)}" for fact in group.evidence]
    if group.evidence:
        out.append("")
    for fix in group.fixes[:SHOWN_FIXES]:
        out += [fenced(fix), ""]
    if len(group.fixes) > SHOWN_FIXES:
        out += [f"… and {len(group.fixes) - SHOWN_FIXES} more fixes in the index plan.", ""]
    if group.impact:
        out += [f"*{cell(group.impact)}* (`sqllint explain {group.rule}`)", ""]
    return out


def render(audit: Audit) -> str:
    counts = audit.counts()
    budget = Budget()
    budget.add([f"# {cell(audit.title)}", "", cell(summary_sentence(audit)), "",
                "| Errors | Warnings | Infos | Items | Files | Statements | Indexes planned |",
                "|---|---|---|---|---|---|---|",
                f"| {counts['error']} | {counts['warning']} | {counts['info']} | "
                f"{len(audit.groups)} | {audit.result.files} | {audit.result.statements} | "
                f"{len(audit.plan)} |", ""])
    if audit.risks:
        rows = ["## Tables most at risk", "",
                "| Table | Risk score | Errors | Warnings | Infos | Rules |",
                "|---|---|---|---|---|---|"]
        rows += [f"| {cell(t.table)} | {t.score} | {t.counts['error']} | "
                 f"{t.counts['warning']} | {t.counts['info']} | {', '.join(t.rules)} |"
                 for t in audit.risks[:8]]
        budget.add([*rows, ""])
    shown: set[int] = set()
    for tier in TIERS:
        groups = audit.tier(tier)
        if not groups or not budget.add([f"## {TIER_TITLES[tier]} ({len(groups)})", "",
                                         f"_{TIER_REASONS[tier]}._", ""]):
            continue
        for group in groups:
            if not budget.add(_group(group)):
                break
            shown.add(id(group))
    plan_head = ["## Index plan", ""]
    planned = 0
    if not audit.plan:
        budget.add([*plan_head, "No index to add.", ""])
    elif budget.add(plan_head):
        for n, e in enumerate(audit.plan, 1):
            fixes = len(e.items)
            if not budget.add([f"{n}. {ICONS[e.severity]} {code(e.index.ddl)} fixes {fixes} "
                               f"finding{'s' if fixes != 1 else ''}"]):
                break
            planned += 1
        budget.add([""])
    skipped = [g for g in audit.groups if id(g) not in shown]
    left_plan = len(audit.plan) - planned
    if skipped or left_plan:
        findings = sum(len(g.items) for g in skipped)
        budget.close(f"*Not shown, to fit a pull-request comment: {len(skipped)} item"
                     f"{'s' if len(skipped) != 1 else ''} ({findings} finding"
                     f"{'s' if findings != 1 else ''}) and {left_plan} planned "
                     f"index{'es' if left_plan != 1 else ''}. Run `sqllint audit` for "
                     f"the full HTML report, or `sqllint indexes` for the whole plan.*")
    return budget.text()
