"""The batch audit: what a reviewer reads, computed from the check result and the project.

``build_audit`` gathers, for every finding, the evidence behind it (the statement, the
schema facts about the tables it touches), its impact and fix (from the rule's docs and
the finding's DDL), a code excerpt; ranks the tables by risk; and orders the
consolidated index plan by the severity of what each index fixes. ``render_html``
(one self-contained page: inline CSS, no network) and ``render_markdown`` present it.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqllint.catalog.model import Catalog, Index, Table
from sqllint.model import SEVERITY_RANK, Finding, Statement
from sqllint.project import Project
from sqllint.report.sarif import doc_section, plain, use_instead
from sqllint.result import CheckResult, PlannedIndex
from sqllint.rules import rule_by_code
from sqllint.workflow import fingerprints

RISK_WEIGHT = {"error": 10, "warning": 3, "info": 1}
EXCERPT_CONTEXT = 2
MAX_EXCERPT = 14
MAX_STATEMENT_LINES = 30
NO_TABLE = "(no table)"


@dataclass(frozen=True)
class Item:
    """One finding with everything the reader needs to judge and fix it."""

    finding: Finding
    anchor: str
    tables: tuple[str, ...]
    statement: str  # the statement's SQL as written ("" when none was found)
    facts: tuple[str, ...]  # schema facts behind the verdict
    impact: str
    fix: str
    fix_is_ddl: bool
    excerpt: tuple[tuple[int, str, bool], ...]  # (line number, text, is the finding's line)

    @property
    def where(self) -> str:
        loc = self.finding.location
        return f"{loc.path}:{loc.line}:{loc.column}"


@dataclass(frozen=True)
class TableRisk:
    table: str
    score: int
    counts: dict[str, int]
    rules: tuple[str, ...]
    planned: int  # indexes of the plan on this table


@dataclass(frozen=True)
class PlanEntry:
    index: PlannedIndex
    severity: str
    items: tuple[Item, ...]  # the findings it fixes
    queries: tuple[tuple[str, str], ...]  # (path:line, the query on one line, or why)
    name: str = ""


@dataclass(frozen=True)
class RuleGroup:
    code: str
    name: str
    severity: str
    summary: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Audit:
    result: CheckResult
    items: tuple[Item, ...]
    by_table: tuple[tuple[str, tuple[Item, ...]], ...]
    by_rule: tuple[RuleGroup, ...]
    risks: tuple[TableRisk, ...]
    plan: tuple[PlanEntry, ...]
    tables_in_schema: int
    indexes_in_schema: int
    title: str

    def counts(self) -> dict[str, int]:
        found = Counter(f.severity for f in self.result.findings)
        return {s: found[s] for s in ("error", "warning", "info")}


# -- locating statements -------------------------------------------------------------------


class _Statements:
    """Statement lookup by file position, across the projects of one run."""

    def __init__(self, projects: Sequence[Project]) -> None:
        self.by_path: dict[str, list[tuple[tuple[int, int], tuple[int, int], Statement]]] = {}
        self.texts: dict[str, str] = {}
        self.catalogs: dict[str, Catalog] = {}
        self.projects = projects
        for project in projects:
            self.texts.update(project.texts)
            for stmt in project.statements:
                start = stmt.position(0)
                end = stmt.position(len(stmt.sql.rstrip()))
                self.by_path.setdefault(stmt.path, []).append((start, end, stmt))
                self.catalogs[stmt.path] = project.catalog
        for spans in self.by_path.values():
            spans.sort(key=lambda s: s[0])

    def at(self, path: str, line: int, column: int = 1) -> Statement | None:
        spans = self.by_path.get(path)
        if not spans:
            return None
        i = bisect.bisect_right([s[0] for s in spans], (line, column)) - 1
        for start, end, stmt in reversed(spans[max(0, i - 3): i + 1]):
            if start <= (line, column) <= end or start[0] <= line <= end[0]:
                return stmt
        # A finding on the line a statement starts, before its first token.
        for start, _, stmt in spans:
            if start[0] == line:
                return stmt
        return None

    def catalog(self, path: str) -> Catalog | None:
        if path in self.catalogs:
            return self.catalogs[path]
        return self.projects[0].catalog if self.projects else None


def _relations(node: Any) -> Iterator[tuple[str | None, str]]:
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            rv = cur.get("RangeVar")
            if isinstance(rv, dict) and rv.get("relname"):
                yield rv.get("schemaname"), str(rv["relname"])
            stack.extend(v for v in cur.values() if isinstance(v, (dict, list)))
        elif isinstance(cur, list):
            stack.extend(cur)


# -- schema facts --------------------------------------------------------------------------


def _index_text(ix: Index) -> str:
    kind = "PRIMARY KEY" if ix.primary else ("UNIQUE " if ix.unique else "") + "index"
    method = f" USING {ix.method}" if ix.method and ix.method != "btree" else ""
    keys = ", ".join(k.text for k in ix.keys)
    extra = f" INCLUDE ({', '.join(ix.include)})" if ix.include else ""
    where = f" WHERE {ix.predicate}" if ix.predicate else ""
    return f"{kind} {ix.name}{method} ({keys}){extra}{where}"


def table_facts(table: Table, catalog: Catalog, size: str) -> list[str]:
    facts: list[str] = []
    kind = {"table": "table", "view": "view", "matview": "materialized view"}.get(
        str(table.kind), str(table.kind))
    cols = ", ".join(f"{c.name} {c.type}" for c in table.columns[:12])
    more = f", … ({len(table.columns)} columns)" if len(table.columns) > 12 else ""
    origin = f" (defined at {table.origin.path}:{table.origin.line})" if table.origin.path else ""
    facts.append(f"{kind} {table.display}{origin}: {cols}{more}")
    facts.append(f"{table.display} is assumed {size}" + (
        " (configured small: exempt from scan rules)" if size == "small" else
        " (no size hint in [tool.sqllint.tables])"))
    if table.partition_by:
        facts.append(f"{table.display} is partitioned by {table.partition_by}")
    elif table.kind == "table":
        facts.append(f"{table.display} is not partitioned")
    indexes = catalog.indexes_on(table.qualified)
    if indexes:
        facts.extend(f"{table.display} has {_index_text(ix)}" for ix in indexes)
    else:
        facts.append(f"{table.display} has no index")
    for fk in table.foreign_keys:
        facts.append(f"{table.display} foreign key {fk.name} ({', '.join(fk.columns)}) → "
                     f"{fk.ref_table} ({', '.join(fk.ref_columns)})")
    return facts


def _table_name(key: str) -> str:
    return key[len("public."):] if key.startswith("public.") else key


# -- building ------------------------------------------------------------------------------


def build_audit(result: CheckResult, projects: Sequence[Project], title: str = "") -> Audit:
    lookup = _Statements(projects)
    config = projects[0].config if projects else None
    items: list[Item] = []
    for f, fp in zip(result.findings, fingerprints(result.findings), strict=True):
        items.append(_item(f, fp, lookup, config))
    by_table_map: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        for table in item.tables[:1] or (NO_TABLE,):
            by_table_map[table].append(item)
    risks = _risks(items, result.indexes)
    order = {r.table: i for i, r in enumerate(risks)}
    by_table = tuple(
        (t, tuple(sorted(v, key=_severity_first)))
        for t, v in sorted(by_table_map.items(),
                           key=lambda kv: (kv[0] == NO_TABLE, order.get(kv[0], 10**6), kv[0]))
    )
    by_rule_map: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_rule_map[item.finding.rule].append(item)
    by_rule = []
    for code, group in by_rule_map.items():
        spec = rule_by_code(code)
        first = group[0].finding
        by_rule.append(RuleGroup(code, first.name, first.severity,
                                 plain(spec.summary) if spec else "", tuple(group)))
    by_rule.sort(key=lambda g: (-SEVERITY_RANK[g.severity], -len(g.items), g.code))
    plan = _plan(result.indexes, items, lookup)
    tables = {t for p in projects for t in p.catalog.tables}
    indexes = {i for p in projects for i in p.catalog.indexes}
    return Audit(result, tuple(items), by_table, tuple(by_rule), tuple(risks), tuple(plan),
                 len(tables), len(indexes), title or "sqllint audit")


def _severity_first(item: Item) -> tuple[int, str, int, int]:
    loc = item.finding.location
    return (-SEVERITY_RANK[item.finding.severity], loc.path, loc.line, loc.column)


def _item(f: Finding, fp: str, lookup: _Statements, config: Any) -> Item:
    loc = f.location
    stmt = lookup.at(loc.path, loc.line, loc.column)
    catalog = lookup.catalog(loc.path)
    tables: list[str] = []
    for candidate in (f.table, getattr(f.index, "table", None)):
        if candidate:
            tables.append(_table_name(str(candidate)))
    resolved: list[Table] = []
    if catalog is not None:
        names: list[tuple[str | None, str]] = [(None, t) for t in tables]
        if stmt is not None and stmt.node is not None:
            names += list(_relations(stmt.node))
        for schema, name in names:
            if "." in name and schema is None:
                schema, name = name.split(".", 1)
            table = catalog.table(name, schema)
            if table is not None and table not in resolved:
                resolved.append(table)
    for table in resolved:
        if table.display not in tables:
            tables.append(table.display)
    facts: list[str] = []
    for table in resolved[:3]:
        size = config.table_size(table.display) if config is not None else "large"
        facts.extend(table_facts(table, catalog or Catalog(), size))
    if catalog is not None and catalog.empty:
        facts.append("no schema was found: checks that need the catalog did not run")
    spec = rule_by_code(f.rule)
    doc = spec.doc if spec else ""
    impact = plain(doc_section(doc, "Why is this bad?")) or f.message
    if f.suggestion:
        fix, is_ddl = f.suggestion, True
    else:
        fix, is_ddl = _strip_fences(use_instead(doc)), False
    statement = ""
    if stmt is not None:
        lines = stmt.sql.strip("\n").rstrip().splitlines()
        statement = "\n".join(lines[:MAX_STATEMENT_LINES])
        if len(lines) > MAX_STATEMENT_LINES:
            statement += f"\n… ({len(lines) - MAX_STATEMENT_LINES} more lines)"
    return Item(f, f"f-{fp[:12]}" + (f"-{fp.split(':')[1]}" if ":" in fp else ""),
                tuple(tables), _dedent(statement), tuple(facts), impact, fix, is_ddl,
                _excerpt(lookup.texts.get(loc.path, ""), loc.line, loc.end_line))


def _strip_fences(markdown: str) -> str:
    return re.sub(r"^```\w*\n?|^```$", "", markdown, flags=re.M).strip()


def _dedent(sql: str) -> str:
    lines = sql.splitlines()
    if len(lines) < 2:
        return sql.strip()
    rest = [ln for ln in lines[1:] if ln.strip()]
    indent = min((len(ln) - len(ln.lstrip()) for ln in rest), default=0)
    return "\n".join([lines[0].strip(), *(ln[indent:] for ln in lines[1:])])


def _excerpt(text: str, line: int, end_line: int) -> tuple[tuple[int, str, bool], ...]:
    if not text:
        return ()
    lines = text.splitlines()
    end_line = max(line, min(end_line, line + MAX_EXCERPT - 2 * EXCERPT_CONTEXT - 1))
    first = max(1, line - EXCERPT_CONTEXT)
    last = min(len(lines), end_line + EXCERPT_CONTEXT)
    return tuple((n, lines[n - 1].rstrip(), line <= n <= end_line)
                 for n in range(first, last + 1))


def _risks(items: list[Item], plan: Sequence[PlannedIndex]) -> list[TableRisk]:
    scores: Counter[str] = Counter()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    rules: dict[str, set[str]] = defaultdict(set)
    for item in items:
        if not item.tables:
            continue
        table = item.tables[0]
        scores[table] += RISK_WEIGHT[item.finding.severity]
        counts[table][item.finding.severity] += 1
        rules[table].add(item.finding.rule)
    planned = Counter(_table_name(p.table) for p in plan)
    return [TableRisk(t, s, {k: counts[t][k] for k in ("error", "warning", "info")},
                      tuple(sorted(rules[t])), planned[t])
            for t, s in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]


_INDEX_NAME = re.compile(r"\bINDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"
                         r"(\"[^\"]+\"|[\w.$]+)\s+ON\b", re.I)


def index_name(ddl: str) -> str:
    m = _INDEX_NAME.search(ddl)
    return m.group(1).strip('"') if m else ""


def _plan(plan: Sequence[PlannedIndex], items: list[Item], lookup: _Statements
          ) -> list[PlanEntry]:
    """The plan, most severe first; an index the schema already has is not a plan item
    (its finding asks to rebuild it differently, and says how)."""
    at: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        at[f"{item.finding.location.path}:{item.finding.location.line}"].append(item)
    existing = {name for p in lookup.projects for key in p.catalog.indexes
                for name in (key, key.rpartition(".")[2])}
    entries = []
    for p in plan:
        name = p.name or index_name(p.ddl)
        if name and name in existing:
            continue
        served = [i for where in p.serves for i in at.get(where, [])
                  if i.finding.suggestion == p.ddl or _table_name(p.table) in i.tables]
        severity = max((i.finding.severity for i in served), key=SEVERITY_RANK.__getitem__,
                       default="info")
        queries = []
        for where in p.serves:
            path, _, line = where.rpartition(":")
            stmt = lookup.at(path, int(line)) if line.isdigit() else None
            if stmt is not None and stmt.kind == "query":
                one = " ".join(stmt.sql.split())
                one = one if len(one) <= 200 else one[:197] + "…"
            else:  # a foreign key, a view: what the finding says it is for
                one = "; ".join(i.finding.message for i in at.get(where, []) if i in served)
            queries.append((where, one))
        entries.append(PlanEntry(p, severity, tuple(dict.fromkeys(served)), tuple(queries),
                                 name))
    entries.sort(key=lambda e: (-SEVERITY_RANK[e.severity], -len(e.index.serves),
                                e.index.table, e.index.ddl))
    return entries


# -- rendering -----------------------------------------------------------------------------


def render_html(audit: Audit) -> str:
    from sqllint.report.audit_html import render

    return render(audit)


def render_markdown(audit: Audit) -> str:
    from sqllint.report.audit_markdown import render

    return render(audit)


def summary_sentence(audit: Audit) -> str:
    r = audit.result
    n = len(r.findings)
    counts = audit.counts()
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 else ''}"
             for s in ("error", "warning", "info") if counts[s]]
    head = (f"sqllint reviewed {r.files} files ({r.statements} statements) against a schema "
            f"of {audit.tables_in_schema} relations and {audit.indexes_in_schema} indexes")
    if not n:
        return head + ", and found nothing to report."
    text = f"{head}, and reports {n} finding{'s' if n != 1 else ''} ({', '.join(parts)})."
    top = [r.table for r in audit.risks[:3]]
    if top:
        text += f" The tables most at risk are {', '.join(top)}."
    if audit.plan:
        fixed = len({i.finding for e in audit.plan for i in e.items})
        text += (f" {len(audit.plan)} index{'es' if len(audit.plan) != 1 else ''} in the "
                 f"consolidated plan fix {fixed} finding{'s' if fixed != 1 else ''}.")
    return text
