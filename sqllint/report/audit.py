"""The batch audit: what a reviewer reads, computed from the check result and the project.

A reviewer wants to know what to do first, not to read the same finding forty times.
``build_audit`` therefore groups findings into one item per rule and table (its locations
listed), gives each group a priority tier (fix now, this week, this month), keeps only the
evidence that rule needs (the table's indexes for an index rule, nothing for a migration
rule, whose message carries the recipe), and shows as its fix only the findings' own fix,
never a rule's documentation example. The index plan lists, for each index, exactly the
findings it removes. ``render_html`` (one self-contained page) and ``render_markdown``
(sized for a pull-request comment) present it.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqllint.catalog.model import Catalog, Index, Table
from sqllint.model import SEVERITY_RANK, Finding, Statement
from sqllint.project import Project
from sqllint.report.sarif import doc_section, plain
from sqllint.result import CheckResult, PlannedIndex
from sqllint.rules import rule_by_code
from sqllint.workflow import fingerprints

Tier = Literal["now", "week", "month"]
TIERS: tuple[Tier, ...] = ("now", "week", "month")
TIER_TITLES = {"now": "Fix now", "week": "Fix this week", "month": "Fix this month"}
TIER_REASONS = {
    "now": "errors (fails or locks production) and unsafe steps in the newest migration, "
           "which is about to run",
    "week": "slow queries an index fixes, and warnings repeated across the code",
    "month": "the rest: single warnings and information",
}
RISK_WEIGHT = {"error": 10, "warning": 3, "info": 1}
EXCERPT_CONTEXT = 2
MAX_EXCERPT = 12
MAX_STATEMENT_LINES = 20
NO_TABLE = "(no table)"
REPEATED = 3  # a warning this many times over is worth this week's attention
# Rules whose verdict rests on the table's indexes: their evidence lists them.
INDEX_RULES = frozenset({"SL103", "SL104", "SL105", "SL106", "SL107", "SL108", "SL201"})


@dataclass(frozen=True)
class Item:
    """One finding, located."""

    finding: Finding
    anchor: str
    statement: str  # the statement's SQL as written ("" when none was found)
    excerpt: tuple[tuple[int, str, bool], ...]  # (line number, text, is the finding's line)

    @property
    def where(self) -> str:
        loc = self.finding.location
        return f"{loc.path}:{loc.line}:{loc.column}"


@dataclass(frozen=True)
class Group:
    """The findings of one rule on one table: one item for the reviewer."""

    rule: str
    name: str
    severity: str
    table: str
    tier: Tier
    items: tuple[Item, ...]
    evidence: tuple[str, ...]  # only what this rule's verdict rests on
    impact: str  # the rule's "why", one sentence
    fixes: tuple[str, ...]  # the findings' own fixes (DDL), distinct; () when none
    anchor: str

    @property
    def message(self) -> str:
        return self.items[0].finding.message

    @property
    def same_message(self) -> bool:
        return len({i.finding.message for i in self.items}) == 1


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
    items: tuple[Item, ...]  # exactly the findings it removes
    queries: tuple[tuple[str, str], ...]  # (path:line, the query on one line, or why)
    name: str = ""


@dataclass(frozen=True)
class Audit:
    result: CheckResult
    items: tuple[Item, ...]
    groups: tuple[Group, ...]  # tier, then severity, then size
    risks: tuple[TableRisk, ...]
    plan: tuple[PlanEntry, ...]
    tables_in_schema: int
    indexes_in_schema: int
    title: str

    def counts(self) -> dict[str, int]:
        found = Counter(f.severity for f in self.result.findings)
        return {s: found[s] for s in ("error", "warning", "info")}

    def tier(self, tier: Tier) -> tuple[Group, ...]:
        return tuple(g for g in self.groups if g.tier == tier)


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
        for start, _, stmt in spans:  # a finding on the line a statement starts
            if start[0] == line:
                return stmt
        return None

    def catalog(self, path: str) -> Catalog | None:
        if path in self.catalogs:
            return self.catalogs[path]
        return self.projects[0].catalog if self.projects else None


# -- schema evidence -----------------------------------------------------------------------


def index_text(ix: Index) -> str:
    kind = "PRIMARY KEY " if ix.primary else ("UNIQUE " if ix.unique else "")
    method = f" USING {ix.method}" if ix.method and ix.method != "btree" else ""
    keys = ", ".join(k.text for k in ix.keys)
    extra = f" INCLUDE ({', '.join(ix.include)})" if ix.include else ""
    where = f" WHERE {ix.predicate}" if ix.predicate else ""
    return f"{kind}{ix.name}{method} ({keys}){extra}{where}"


def _evidence(rule: str, table: Table | None, catalog: Catalog | None, size: str) -> list[str]:
    if table is None or catalog is None:
        return []
    out: list[str] = []
    if rule in INDEX_RULES:
        indexes = catalog.indexes_on(table.qualified)
        out.append(f"{table.display} indexes: " + ("; ".join(index_text(ix) for ix in indexes)
                                                   if indexes else "none"))
        if size == "small":
            out.append(f"{table.display} is configured small")
    if rule == "SL202" or (rule in INDEX_RULES and table.partition_by):
        out.append(f"{table.display} is " + (f"partitioned by {table.partition_by}"
                                             if table.partition_by else "not partitioned"))
    return out


def _table_of(f: Finding) -> str:
    """The table a finding is about: its own, else that of the index that fixes it."""
    return _table_name(str(f.table or getattr(f.index, "table", "") or ""))


def _table_name(key: str) -> str:
    return key[len("public."):] if key.startswith("public.") else key


# -- building ------------------------------------------------------------------------------


def build_audit(result: CheckResult, projects: Sequence[Project], title: str = "") -> Audit:
    lookup = _Statements(projects)
    config = projects[0].config if projects else None
    items = [_item(f, fp, lookup)
             for f, fp in zip(result.findings, fingerprints(result.findings), strict=True)]
    newest = _newest_migrations(projects)
    planned = {ddl for p in result.indexes for ddl in (p.ddl, *p.requests)}
    buckets: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for item in items:
        buckets[(item.finding.rule, _table_of(item.finding) or NO_TABLE)].append(item)
    groups = []
    for (rule, table_key), members in buckets.items():
        first = members[0].finding
        catalog = lookup.catalog(first.location.path)
        table = catalog.table(table_key) if catalog and table_key != NO_TABLE else None
        size = config.table_size(table.display) if config and table else "large"
        spec = rule_by_code(rule)
        why = plain(doc_section(spec.doc, "Why is this bad?")) if spec else ""
        fixes = tuple(dict.fromkeys(i.finding.suggestion for i in members
                                    if i.finding.suggestion))
        groups.append(Group(
            rule, first.name, max((i.finding.severity for i in members),
                                  key=SEVERITY_RANK.__getitem__),
            table_key, _tier(members, newest, planned), tuple(members),
            tuple(_evidence(rule, table, catalog, size)), _first_sentence(why), fixes,
            f"g-{rule}-{re.sub(r'[^a-zA-Z0-9_-]', '_', table_key)}"))
    groups.sort(key=lambda g: (TIERS.index(g.tier), -SEVERITY_RANK[g.severity],
                               -len(g.items), g.rule, g.table))
    tables = {t for p in projects for t in p.catalog.tables}
    indexes = {i for p in projects for i in p.catalog.indexes}
    return Audit(result, tuple(items), tuple(groups), tuple(_risks(items, result.indexes)),
                 tuple(_plan(result.indexes, items, lookup)), len(tables), len(indexes),
                 title or "sqllint audit")


def _tier(members: list[Item], newest: frozenset[str], planned: set[str]) -> Tier:
    findings = [i.finding for i in members]
    if any(f.severity == "error" for f in findings):
        return "now"
    if any(f.rule.startswith("SL3") and f.location.path in newest for f in findings):
        return "now"  # an unsafe step in the migration about to run
    warnings = [f for f in findings if f.severity == "warning"]
    if any(f.suggestion in planned for f in warnings) or len(warnings) >= REPEATED:
        return "week"
    return "month"


def _newest_migrations(projects: Sequence[Project]) -> frozenset[str]:
    """Each project's last migration in application order: the one about to run."""
    newest: set[str] = set()
    for project in projects:
        migrations = [f for f in project.files if f.role == "migration"]
        if migrations:
            newest.add(migrations[-1].display)
    return frozenset(newest)


def _first_sentence(text: str) -> str:
    m = re.match(r"(.+?[.!?])(\s|$)", text)
    return m.group(1) if m else text


def _item(f: Finding, fp: str, lookup: _Statements) -> Item:
    loc = f.location
    stmt = lookup.at(loc.path, loc.line, loc.column)
    statement = ""
    if stmt is not None:
        lines = stmt.sql.strip("\n").rstrip().splitlines()
        statement = "\n".join(lines[:MAX_STATEMENT_LINES])
        if len(lines) > MAX_STATEMENT_LINES:
            statement += f"\n… ({len(lines) - MAX_STATEMENT_LINES} more lines)"
    return Item(f, f"f-{fp[:12]}" + (f"-{fp.split(':')[1]}" if ":" in fp else ""),
                _dedent(statement), _excerpt(lookup.texts.get(loc.path, ""), loc.line,
                                             loc.end_line))


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
        table = _table_of(item.finding)
        if not table:
            continue
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
    """The plan, most severe first. An index fixes exactly the findings whose own fix it
    is (or stands for); an index the schema already has is not a plan item."""
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
        asks = {p.ddl, *p.requests}
        served = [i for where in p.serves for i in at.get(where, [])
                  if i.finding.suggestion in asks]
        severity = max((i.finding.severity for i in served), key=SEVERITY_RANK.__getitem__,
                       default="info")
        queries = []
        for where in p.serves:
            path, _, line = where.rpartition(":")
            stmt = lookup.at(path, int(line)) if line.isdigit() else None
            if stmt is not None and stmt.kind == "query":
                one = " ".join(stmt.sql.split())
                one = one if len(one) <= 160 else one[:157] + "…"
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
    text = (f"{head}, and reports {n} finding{'s' if n != 1 else ''} ({', '.join(parts)}) "
            f"in {len(audit.groups)} item{'s' if len(audit.groups) != 1 else ''}.")
    tiers = [f"{len(audit.tier(t))} to {TIER_TITLES[t].lower()}" for t in TIERS
             if audit.tier(t)]
    text += " " + "; ".join(tiers).capitalize() + "."
    top = [r.table for r in audit.risks[:3]]
    if top:
        text += f" The tables most at risk are {', '.join(top)}."
    if audit.plan:
        fixed = len({i.finding for e in audit.plan for i in e.items})
        text += (f" {len(audit.plan)} index{'es' if len(audit.plan) != 1 else ''} in the "
                 f"consolidated plan fix {fixed} finding{'s' if fixed != 1 else ''}.")
    return text
