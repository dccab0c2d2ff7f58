"""The audit as one self-contained HTML page: inline CSS and a few lines of script, no
network, no fonts or images to fetch. Opens from disk in any browser.

Sized for reading, not scrolling: one compact item per rule and table, three priority
tiers, locations beyond the first few and code excerpts folded away.
"""

from __future__ import annotations

from html import escape

from sqllint import __version__
from sqllint.report.audit import (
    TIER_REASONS,
    TIER_TITLES,
    TIERS,
    Audit,
    Group,
    Item,
    PlanEntry,
    Tier,
    summary_sentence,
)

SHOWN_LOCATIONS = 4  # the rest of a group's locations fold into a <details>
SHOWN_FIXES = 3

CSS = """
:root{--err:#b42318;--warn:#b54708;--info:#175cd3;--bg:#fff;--fg:#1d2939;--muted:#667085;
--line:#e4e7ec;--soft:#f8f9fb;--mark:#fff4d6}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:var(--bg)}
main{max-width:1180px;margin:0 auto;padding:20px 28px 48px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:26px 0 8px;padding-bottom:4px;
border-bottom:2px solid var(--line)}h3{font-size:16px;margin:16px 0 6px}
.sub{color:var(--muted);margin:0 0 12px}
nav{position:sticky;top:0;background:#fffd;backdrop-filter:blur(4px);border-bottom:1px solid
var(--line);padding:6px 0;margin-bottom:6px;z-index:2}
nav a{margin-right:14px;color:var(--fg);text-decoration:none;font-weight:600}
nav label{margin-left:10px;color:var(--muted);font-size:13px}
.cards{display:flex;gap:10px;flex-wrap:wrap;margin:10px 0}
.card{border:1px solid var(--line);border-radius:8px;padding:6px 14px;min-width:110px;
background:var(--soft)}
.card b{display:block;font-size:22px}.card span{color:var(--muted);font-size:13px}
.card.error b{color:var(--err)}.card.warning b{color:var(--warn)}.card.info b{color:var(--info)}
table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
pre{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:6px 10px;
overflow-x:auto;margin:4px 0;white-space:pre}
pre.ddl{background:#ecfdf3;border-color:#abefc6}
.badge{display:inline-block;border-radius:10px;padding:0 7px;font-size:11px;font-weight:700;
color:#fff;text-transform:uppercase;letter-spacing:.03em}
.badge.error{background:var(--err)}.badge.warning{background:var(--warn)}
.badge.info{background:var(--info)}
.group{border:1px solid var(--line);border-left:5px solid var(--info);border-radius:8px;
padding:6px 14px;margin:8px 0}
.group.error{border-left-color:var(--err)}.group.warning{border-left-color:var(--warn)}
.group h4{margin:0;font-size:14px}.group p{margin:2px 0}
.evidence{color:var(--muted);font-size:12.5px;white-space:nowrap;overflow:hidden;
text-overflow:ellipsis}
td.clip{max-width:520px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
td p{margin:0}td.rule{white-space:nowrap}
.group ul{margin:2px 0;padding-left:18px}
.why{color:var(--muted)}
.excerpt{padding:4px 0}.excerpt span{display:block;padding:0 10px}
.excerpt span.hit{background:var(--mark)}
.excerpt i{display:inline-block;width:42px;color:var(--muted);font-style:normal;
user-select:none}
.plan{border:1px solid var(--line);border-radius:8px;padding:6px 14px;margin:8px 0}
.plan h4{margin:0;font-size:14px}.plan p{margin:3px 0}
.muted{color:var(--muted)}
details>summary{cursor:pointer;color:var(--muted);margin:2px 0}
.hidden{display:none}
"""

# Nothing may be fetched: the page is read offline, maybe from a CI artifact.
CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "img-src data:")

SCRIPT = """
document.addEventListener("DOMContentLoaded", function () {
  var boxes = document.querySelectorAll("input[data-severity]");
  function apply() {
    var shown = {};
    boxes.forEach(function (box) { shown[box.dataset.severity] = box.checked; });
    document.querySelectorAll("[data-sev]").forEach(function (el) {
      el.classList.toggle("hidden", !shown[el.dataset.sev]);
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", apply); });
  apply();
});
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _badge(severity: str) -> str:
    return f'<span class="badge {_e(severity)}">{_e(severity)}</span>'


def _excerpt(item: Item) -> str:
    if not item.excerpt:
        return ""
    rows = "".join(
        f'<span class="{"hit" if hit else ""}"><i>{n}</i>{_e(text) or " "}</span>'
        for n, text, hit in item.excerpt)
    return (f"<details><summary>Code at {_e(item.where)}</summary>"
            f'<pre class="excerpt">{rows}</pre></details>')


def _where(item: Item) -> str:
    return f'<code id="{_e(item.anchor)}">{_e(item.where)}</code>'


def _places(items: tuple[Item, ...]) -> str:
    """The places of a group on one wrapping line, the rest folded away."""
    shown = ", ".join(_where(i) for i in items[:SHOWN_LOCATIONS])
    rest = ", ".join(_where(i) for i in items[SHOWN_LOCATIONS:])
    more = (f"<details><summary>{len(items) - SHOWN_LOCATIONS} more places</summary>"
            f"<p>{rest}</p></details>" if rest else "")
    return f'<p class="muted">at {shown}</p>{more}'


def _title(group: Group) -> str:
    table = f" on {_e(group.table)}" if group.table != "(no table)" else ""
    times = f' <span class="muted">×{len(group.items)}</span>' if len(group.items) > 1 else ""
    why = f' title="{_e(group.impact)}"' if group.impact else ""
    return (f"{_badge(group.severity)} <span{why}>{_e(group.rule)} {_e(group.name)}</span>"
            f"{table}{times}")


def _group(group: Group) -> str:
    """A card: the message, the places, the evidence the rule rests on, its own fix."""
    if group.same_message:
        body = f"<p>{_e(group.message)}</p>{_places(group.items)}"
    else:
        rows = "".join(f"<li>{_where(i)} {_e(i.finding.message)}</li>"
                       for i in group.items[:SHOWN_LOCATIONS])
        rest = len(group.items) - SHOWN_LOCATIONS
        body = f"<ul>{rows}</ul>" + (f'<p class="muted">… and {rest} more places</p>'
                                     if rest > 0 else "")
    evidence = "".join(f'<p class="evidence">{_e(fact)}</p>' for fact in group.evidence)
    fixes = group.fixes[:SHOWN_FIXES]
    fix = (f'<pre class="ddl">{_e(chr(10).join(fixes))}</pre>' if fixes else "")
    if len(group.fixes) > SHOWN_FIXES:
        fix += (f'<p class="muted">… and {len(group.fixes) - SHOWN_FIXES} more fixes, in '
                f'the <a href="#plan">index plan</a>.</p>')
    return (f'<article class="group {_e(group.severity)}" id="{_e(group.anchor)}" '
            f'data-sev="{_e(group.severity)}"><h4>{_title(group)}</h4>'
            f"{body}{evidence}{fix}{_excerpt(group.items[0])}</article>")


def _group_row(group: Group) -> str:
    """A table row, for the tier read last: one line per rule and table."""
    return (f'<tr id="{_e(group.anchor)}" data-sev="{_e(group.severity)}">'
            f'<td class="rule">{_title(group)}</td>'
            f'<td class="clip" title="{_e(group.message)}">{_e(group.message)}</td>'
            f"<td>{_where(group.items[0])}"
            + "".join(f'<span id="{_e(i.anchor)}"></span>' for i in group.items[1:])
            + (f' <span class="muted">+{len(group.items) - 1}</span>'
               if len(group.items) > 1 else "") + "</td></tr>")


def _tier(audit: Audit, tier: Tier) -> str:
    groups = audit.tier(tier)
    if tier == "month":
        body = ("<table><tr><th>Rule</th><th>Message</th><th>Where</th></tr>"
                + "".join(_group_row(g) for g in groups) + "</table>")
    else:
        body = "".join(_group(g) for g in groups)
    return (f'<section id="{tier}"><h2>{TIER_TITLES[tier]} '
            f'<span class="muted">({len(groups)})</span></h2>'
            f'<p class="muted">{_e(TIER_REASONS[tier])}.</p>{body}</section>')


def _plan_row(n: int, entry: PlanEntry) -> str:
    p = entry.index
    fixes = ", ".join(f'<a href="#{_e(i.anchor)}">{_e(i.finding.rule)} {_e(i.where)}</a>'
                      for i in entry.items)
    queries = "".join(
        f"<li><code>{_e(where)}</code>"
        + (f" <span class=\"muted\">{_e(sql)}</span>" if sql else "") + "</li>"
        for where, sql in entry.queries)
    replaces = (f"<br>Drops the index it makes redundant: {_e(', '.join(p.replaces))}"
                if p.replaces else "")
    return (f'<tr data-sev="{_e(entry.severity)}"><td>{n}</td><td>{_badge(entry.severity)}</td>'
            f"<td><code>{_e(p.ddl)}</code>{replaces}"
            f"<details><summary>serves {len(entry.queries)} "
            f"place{'s' if len(entry.queries) != 1 else ''}</summary><ul>{queries}</ul>"
            f"</details></td><td>"
            + (f"<details><summary>{len(entry.items)} finding"
               f"{'s' if len(entry.items) != 1 else ''}</summary><p>Fixes: {fixes}</p>"
               "</details>" if fixes else "") + "</td></tr>")


def render(audit: Audit) -> str:
    counts = audit.counts()
    r = audit.result
    cards = "".join(
        f'<div class="card {s}"><b>{counts[s]}</b><span>{s}s</span></div>'
        for s in ("error", "warning", "info"))
    cards += (f'<div class="card"><b>{len(audit.groups)}</b><span>items</span></div>'
              f'<div class="card"><b>{r.files}</b><span>files</span></div>'
              f'<div class="card"><b>{r.statements}</b><span>statements</span></div>'
              f'<div class="card"><b>{audit.tables_in_schema}</b><span>relations</span></div>'
              f'<div class="card"><b>{len(audit.plan)}</b><span>indexes planned</span></div>')
    risk_rows = "".join(
        f"<tr><td>{_e(t.table)}</td><td>{t.score}</td>"
        f"<td>{t.counts['error']}</td><td>{t.counts['warning']}</td><td>{t.counts['info']}</td>"
        f"<td>{_e(', '.join(t.rules))}</td><td>{t.planned}</td></tr>"
        for t in audit.risks[:5])
    risk_table = (
        "<h3>Tables most at risk</h3><table><tr><th>Table</th><th>Risk score</th>"
        "<th>Errors</th><th>Warnings</th><th>Infos</th><th>Rules</th>"
        f"<th>Planned indexes</th></tr>{risk_rows}</table>"
        '<p class="muted">Risk score: 10 per error, 3 per warning, 1 per info.</p>'
        if risk_rows else "")
    tiers = "".join(_tier(audit, tier) for tier in TIERS if audit.tier(tier))
    plan = ("<table><tr><th>#</th><th></th><th>Index</th><th>Removes</th></tr>"
            + "".join(_plan_row(n, e) for n, e in enumerate(audit.plan, 1)) + "</table>")
    migration = "\n".join(e.index.ddl for e in audit.plan)
    plan_html = (
        f"<p>{len(audit.plan)} index{'es' if len(audit.plan) != 1 else ''}, consolidated "
        "across the repository, most severe first. Each removes exactly the findings "
        "listed under it.</p>" + plan
        + f"<details><summary>The plan as one migration</summary><pre class=\"ddl\">"
        f"{_e(migration)}</pre></details>"
        if audit.plan else "<p>No index to add: no finding asks for one.</p>")
    filters = "".join(
        f'<label><input type="checkbox" data-severity="{s}" checked> {s}</label>'
        for s in ("error", "warning", "info"))
    links = "".join(f'<a href="#{t}">{TIER_TITLES[t]}</a>' for t in TIERS if audit.tier(t))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>{_e(audit.title)}</title><style>{CSS}</style></head>
<body><main>
<h1>{_e(audit.title)}</h1>
<p class="sub">sqllint {_e(__version__)} · static review of the repository's SQL, migrations
and SQL in Python; no database was contacted.</p>
<nav><a href="#summary">Summary</a>{links}<a href="#plan">Index plan</a>{filters}</nav>
<section id="summary"><h2>Executive summary</h2>
<p>{_e(summary_sentence(audit))}</p>
<div class="cards">{cards}</div>
{risk_table}
</section>
{tiers or "<p>No findings.</p>"}
<section id="plan"><h2>Index plan</h2>{plan_html}</section>
</main>
<script>{SCRIPT}</script>
</body></html>
"""
