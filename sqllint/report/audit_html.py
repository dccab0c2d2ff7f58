"""The audit as one self-contained HTML page: inline CSS and a few lines of script, no
network, no fonts or images to fetch. Opens from disk in any browser."""

from __future__ import annotations

from html import escape

from sqllint import __version__
from sqllint.report.audit import Audit, Item, PlanEntry, summary_sentence

CSS = """
:root{--err:#b42318;--warn:#b54708;--info:#175cd3;--bg:#fff;--fg:#1d2939;--muted:#667085;
--line:#e4e7ec;--soft:#f8f9fb;--mark:#fff4d6}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
background:var(--bg)}
main{max-width:1180px;margin:0 auto;padding:24px 28px 64px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:21px;margin:36px 0 12px;padding-bottom:6px;
border-bottom:2px solid var(--line)}h3{font-size:17px;margin:22px 0 8px}
.sub{color:var(--muted);margin:0 0 16px}
nav{position:sticky;top:0;background:#fffd;backdrop-filter:blur(4px);border-bottom:1px solid
var(--line);padding:8px 0;margin-bottom:8px;z-index:2}
nav a{margin-right:16px;color:var(--fg);text-decoration:none;font-weight:600}
nav label{margin-left:10px;color:var(--muted);font-size:13px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:120px;
background:var(--soft)}
.card b{display:block;font-size:26px}.card span{color:var(--muted);font-size:13px}
.card.error b{color:var(--err)}.card.warning b{color:var(--warn)}.card.info b{color:var(--info)}
table{border-collapse:collapse;width:100%;margin:8px 0 16px;font-size:14px}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px}
pre{background:var(--soft);border:1px solid var(--line);border-radius:6px;padding:10px 12px;
overflow-x:auto;margin:6px 0;white-space:pre}
pre.ddl{background:#ecfdf3;border-color:#abefc6}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:700;
color:#fff;text-transform:uppercase;letter-spacing:.03em}
.badge.error{background:var(--err)}.badge.warning{background:var(--warn)}
.badge.info{background:var(--info)}
.finding{border:1px solid var(--line);border-left:5px solid var(--info);border-radius:8px;
padding:10px 16px;margin:12px 0}
.finding.error{border-left-color:var(--err)}.finding.warning{border-left-color:var(--warn)}
.finding h4{margin:0 0 4px;font-size:15px}.finding .loc{color:var(--muted);font-size:13px}
.finding dl{display:grid;grid-template-columns:110px 1fr;gap:4px 12px;margin:8px 0 0}
.finding dt{font-weight:600;color:var(--muted)}.finding dd{margin:0;min-width:0}
.finding ul{margin:0;padding-left:18px}
.excerpt{padding:6px 0}.excerpt span{display:block;padding:0 12px}
.excerpt span.hit{background:var(--mark)}
.excerpt i{display:inline-block;width:46px;color:var(--muted);font-style:normal;
user-select:none}
.plan{border:1px solid var(--line);border-radius:8px;padding:10px 16px;margin:12px 0}
.plan ol{margin:4px 0;padding-left:20px}
.muted{color:var(--muted)}
details>summary{cursor:pointer;font-weight:600;margin:8px 0}
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
    return f'<pre class="excerpt">{rows}</pre>'


def _finding(item: Item) -> str:
    f = item.finding
    facts = "".join(f"<li>{_e(fact)}</li>" for fact in item.facts)
    rows = [
        ("Message", _e(f.message)),
        ("Evidence", (f"<pre>{_e(item.statement)}</pre>" if item.statement else "")
         + (f"<ul>{facts}</ul>" if facts else "")),
        ("Impact", _e(item.impact)),
        ("Fix", f'<pre class="{"ddl" if item.fix_is_ddl else ""}">{_e(item.fix)}</pre>'
         if item.fix else '<span class="muted">see the message</span>'),
        ("Code", _excerpt(item)),
    ]
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows if v)
    return (f'<article class="finding {_e(f.severity)}" id="{_e(item.anchor)}" '
            f'data-sev="{_e(f.severity)}">'
            f"<h4>{_badge(f.severity)} {_e(f.rule)} {_e(f.name)}</h4>"
            f'<div class="loc"><code>{_e(item.where)}</code>'
            f'{" · table " + _e(", ".join(item.tables)) if item.tables else ""}</div>'
            f"<dl>{body}</dl></article>")


def _plan_entry(n: int, entry: PlanEntry) -> str:
    p = entry.index
    queries = "".join(
        f"<li><code>{_e(where)}</code>"
        + (f"<br><code class=\"muted\">{_e(sql)}</code>" if sql else "") + "</li>"
        for where, sql in entry.queries)
    fixes = ", ".join(f'<a href="#{_e(i.anchor)}">{_e(i.finding.rule)} {_e(i.where)}</a>'
                      for i in entry.items)
    replaces = (f"<p>Makes redundant: {_e(', '.join(p.replaces))}</p>" if p.replaces else "")
    return (f'<div class="plan" data-sev="{_e(entry.severity)}"><h4>{n}. {_badge(entry.severity)}'
            f" {_e(entry.name or p.table)} <span class=\"muted\">on {_e(p.table)}</span></h4>"
            f'<pre class="ddl">{_e(p.ddl)}</pre>'
            f"<p>Serves:</p><ol>{queries}</ol>"
            + (f"<p>Fixes: {fixes}</p>" if fixes else "") + replaces + "</div>")


def render(audit: Audit) -> str:
    counts = audit.counts()
    r = audit.result
    cards = "".join(
        f'<div class="card {s}"><b>{counts[s]}</b><span>{s}s</span></div>'
        for s in ("error", "warning", "info"))
    cards += (f'<div class="card"><b>{r.files}</b><span>files</span></div>'
              f'<div class="card"><b>{r.statements}</b><span>statements</span></div>'
              f'<div class="card"><b>{audit.tables_in_schema}</b><span>relations</span></div>'
              f'<div class="card"><b>{len(audit.plan)}</b><span>indexes planned</span></div>')
    risk_rows = "".join(
        f"<tr><td><a href=\"#t-{_e(t.table)}\">{_e(t.table)}</a></td><td>{t.score}</td>"
        f"<td>{t.counts['error']}</td><td>{t.counts['warning']}</td><td>{t.counts['info']}</td>"
        f"<td>{_e(', '.join(t.rules))}</td><td>{t.planned}</td></tr>"
        for t in audit.risks[:10])
    risk_table = (
        "<h3>Tables most at risk</h3><table><tr><th>Table</th><th>Risk score</th>"
        "<th>Errors</th><th>Warnings</th><th>Infos</th><th>Rules</th>"
        f"<th>Planned indexes</th></tr>{risk_rows}</table>"
        '<p class="muted">Risk score: 10 per error, 3 per warning, 1 per info.</p>'
        if risk_rows else "")
    top = "".join(
        f'<li>{_badge(i.finding.severity)} <a href="#{_e(i.anchor)}">{_e(i.where)}</a> '
        f"{_e(i.finding.rule)}: {_e(i.finding.message)}</li>"
        for i in sorted(audit.items, key=lambda i: -_rank(i.finding.severity))[:8]
        if i.finding.severity != "info")
    plan = "".join(_plan_entry(n, e) for n, e in enumerate(audit.plan, 1))
    migration = "\n".join(e.index.ddl for e in audit.plan)
    plan_html = (
        f"<p>{len(audit.plan)} index{'es' if len(audit.plan) != 1 else ''}, consolidated "
        "across the repository, most severe first.</p>" + plan
        + f"<details><summary>The plan as one migration</summary><pre class=\"ddl\">"
        f"{_e(migration)}</pre></details>"
        if audit.plan else "<p>No index to add: no finding asks for one.</p>")
    by_table = "".join(
        f'<section id="t-{_e(table)}"><h3>{_e(table)} '
        f'<span class="muted">({len(items)})</span></h3>'
        + "".join(_finding(i) for i in items) + "</section>"
        for table, items in audit.by_table)
    by_rule = "".join(
        f"<h3>{_badge(g.severity)} {_e(g.code)} {_e(g.name)} "
        f'<span class="muted">({len(g.items)})</span></h3><p>{_e(g.summary)}</p>'
        "<table><tr><th>Location</th><th>Table</th><th>Message</th><th>Code</th></tr>"
        + "".join(
            f'<tr data-sev="{_e(i.finding.severity)}"><td><a href="#{_e(i.anchor)}">'
            f"<code>{_e(i.where)}</code></a></td><td>{_e(', '.join(i.tables[:1]))}</td>"
            f"<td>{_e(i.finding.message)}</td><td><code>"
            f"{_e(next((t for _, t, hit in i.excerpt if hit), '').strip()[:120])}</code></td></tr>"
            for i in g.items) + "</table>"
        for g in audit.by_rule)
    filters = "".join(
        f'<label><input type="checkbox" data-severity="{s}" checked> {s}</label>'
        for s in ("error", "warning", "info"))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>{_e(audit.title)}</title><style>{CSS}</style></head>
<body><main>
<h1>{_e(audit.title)}</h1>
<p class="sub">sqllint {_e(__version__)} · static review of the repository's SQL, migrations
and SQL in Python; no database was contacted.</p>
<nav><a href="#summary">Summary</a><a href="#plan">Index plan</a><a href="#by-table">By table</a>
<a href="#by-rule">By rule</a>{filters}</nav>
<section id="summary"><h2>Executive summary</h2>
<p>{_e(summary_sentence(audit))}</p>
<div class="cards">{cards}</div>
{risk_table}
{"<h3>Most severe findings</h3><ul>" + top + "</ul>" if top else ""}
</section>
<section id="plan"><h2>Index plan</h2>{plan_html}</section>
<section id="by-table"><h2>Findings by table</h2>
{by_table or "<p>No findings.</p>"}</section>
<section id="by-rule"><h2>Findings by rule</h2>
{by_rule or "<p>No findings.</p>"}</section>
</main>
<script>{SCRIPT}</script>
</body></html>
"""


def _rank(severity: str) -> int:
    return {"error": 2, "warning": 1, "info": 0}[severity]
