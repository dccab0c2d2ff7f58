"""PostgreSQL confirms sqllint's index advice.

For every rule case (``rules/*.yml``, and ``tests/advice_cases.yml``) whose expected
findings carry a ``CREATE … INDEX`` suggestion: run sqllint on the case, take the
suggestion it prints (it must equal the case's), build the case's schema in a fresh
database, fill the tables with ``pg_data.ROWS`` synthetic rows, and EXPLAIN the query
as a generic plan (``PREPARE`` + ``plan_cache_mode = force_generic_plan``). Then apply
the suggested DDL and EXPLAIN again: the DDL must apply, the plan must use the new
index and its estimated cost must drop by 5 % or more. A foreign key suggestion
(SL201) is checked against the query PostgreSQL runs for each row deleted from the
parent table.

Cases where sqllint says an existing index serves the query ("served" in the case
name, or ``served: true``) check the other direction: the plan already uses an index.
Cases with ``unused: [DDL, …]`` check that sqllint's silence is right: built, those
indexes are not used by the planner.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pglast
import pytest
import yaml
from pglast import parser as pg_parser
from pglast.parser import parse_sql_json

from sqllint.analysis.queries import embedded_statements
from sqllint.cli import main
from sqllint.config import load_config
from sqllint.project import load_project
from tests import pg_data
from tests.rule_cases import ROOT, Case, load_cases, write_case

if TYPE_CHECKING:
    import psycopg

ADVICE_CASES = ROOT / "tests" / "advice_cases.yml"
NOVACRON = ROOT / "fixtures" / "novacron"
# Rules whose suggestion is an index for queries (SL201: for the parent's deletes).
ADVICE_RULES = frozenset({"SL103", "SL104", "SL105", "SL106", "SL107", "SL108", "SL201"})
MIN_DISTINCT_SUGGESTIONS = 30
# A suggested index must cut the estimated cost by at least this much (else: noise).
MIN_COST_DROP = 0.05


def load_advice_cases() -> list[Case]:
    """Extra cases, same format as a rule case file, with the rule named per case."""
    if not ADVICE_CASES.exists():
        return []
    doc = yaml.safe_load(ADVICE_CASES.read_text(encoding="utf-8")) or {}
    return [Case(item["rule"], item["name"], item) for item in doc.get("cases", [])]


def _suggestions(case: Case) -> list[str]:
    return [str(e["suggestion"]) for e in case.data.get("expect") or []
            if str(e.get("suggestion", "")).startswith("CREATE")]


def _is_served(case: Case) -> bool:
    if case.data.get("expect") or case.data.get("config"):
        return False
    return bool(case.data.get("served")) or bool(re.search(r"\bserved\b", case.name))


def _params(cases: list[Case]) -> list[Any]:
    """One pytest param per case; a case's ``xfail: reason`` marks a known bug (strict)."""
    params = []
    for case in cases:
        reason = case.data.get("xfail")
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        params.append(pytest.param(case, id=case.id, marks=marks))
    return params


ALL_CASES = [c for c in [*load_cases(), *load_advice_cases()] if c.rule in ADVICE_RULES]
SUGGESTING = [c for c in ALL_CASES if _suggestions(c)]
SERVED = [c for c in ALL_CASES if _is_served(c)]
# Suggestions known to be wrong count for nothing.
VERIFIED = [c for c in SUGGESTING if not c.data.get("xfail")]


# --- sqllint's side ------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    path: str
    line: int
    sql: str


@dataclass(frozen=True)
class Lint:
    findings: list[dict[str, Any]]  # what `sqllint check --format json` prints
    schema: list[str]  # the DDL statements sqllint applies, in its order
    queries: list[Statement]

    def query_at(self, path: str, line: int) -> str:
        """The query statement a finding at ``path:line`` points into."""
        candidates = [q for q in self.queries if q.path == path and q.line <= line]
        assert candidates, f"no query statement at {path}:{line}"
        return max(candidates, key=lambda q: q.line).sql


def lint(case: Case, root: Path, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str]) -> Lint:
    write_case(case, root)
    monkeypatch.chdir(root)
    code = main(["check", "--format", "json", "--select", case.rule, "."])
    out = capsys.readouterr()
    assert code in (0, 1), out.err
    findings = [f for f in json.loads(out.out)["findings"] if f["rule"] == case.rule]
    project = load_project([Path(".")], load_config(None, start=root))
    applies = {f.display: f.applies for f in project.files}
    schema, queries = [], []
    for stmt in project.statements:
        if stmt.kind == "query":
            queries.append(Statement(stmt.path, stmt.position(0)[0], stmt.sql.strip()))
            continue
        if applies.get(stmt.path, True):
            schema.append(stmt.sql)
        variables = _plpgsql_variables(stmt.sql)
        for inner in embedded_statements(stmt):  # queries in function bodies
            sql = _bind_variables(inner.sql.strip(), variables)
            queries.append(Statement(inner.path, inner.position(0)[0], sql))
    return Lint(findings, schema, queries)


def _plpgsql_variables(sql: str) -> dict[str, str]:
    """name -> type of the parameters and variables of a PL/pgSQL function or DO block."""
    try:
        tree = json.loads(pg_parser.parse_plpgsql_json(sql))
    except Exception:  # not PL/pgSQL
        return {}
    found: dict[str, str] = {}
    for function in tree:
        for datum in function.get("PLpgSQL_function", {}).get("datums", []):
            var = datum.get("PLpgSQL_var")
            if var and var["refname"] != "found":
                found[var["refname"]] = var["datatype"]["PLpgSQL_type"]["typname"]
    return found


def _bind_variables(sql: str, variables: dict[str, str]) -> str:
    """Turn PL/pgSQL variables into typed parameters, as PL/pgSQL itself does."""
    numbers: dict[str, int] = {}  # in order of first use: PREPARE wants no gaps
    pattern = re.compile(r"'(?:[^']|'')*'|\b(" + "|".join(map(re.escape, variables)) + r")\b")

    def bind(m: re.Match[str]) -> str:
        name = m.group(1)
        if name is None:  # a string literal
            return m.group(0)
        number = numbers.setdefault(name, len(numbers) + 1)
        return f"${number}::{variables[name]}"

    return pattern.sub(bind, sql) if variables else sql


# --- the database's side --------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    tree: dict[str, Any]

    @property
    def cost(self) -> float:
        return float(self.tree["Total Cost"])

    def nodes(self, node: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        node = node or self.tree
        yield node
        for child in node.get("Plans", []):
            yield from self.nodes(child)

    @property
    def indexes(self) -> set[str]:
        return {str(n["Index Name"]) for n in self.nodes() if "Index Name" in n}

    def __str__(self) -> str:
        lines: list[str] = []

        def show(node: dict[str, Any], depth: int) -> None:
            what = node["Node Type"]
            if "Index Name" in node:
                what += f" using {node['Index Name']}"
            if "Relation Name" in node:
                what += f" on {node['Relation Name']}"
            lines.append(f"{'  ' * depth}{what}  (cost={node['Total Cost']} "
                         f"rows={node['Plan Rows']})")
            for child in node.get("Plans", []):
                show(child, depth + 1)

        show(self.tree, 0)
        return "\n".join(lines)


SAMPLE_VALUES = {
    "smallint": "1", "integer": "1", "bigint": "1", "numeric": "1", "real": "1",
    "double precision": "1", "text": "v1", "character varying": "v1", "uuid":
    "00000000-0000-4000-8000-000000000001", "boolean": "true", "jsonb": "{}", "json": "{}",
    "timestamp with time zone": pg_data.EPOCH, "timestamp without time zone": "2023-01-01",
    "date": "2023-01-01", "interval": "1 day",
}


def _sample(param_type: str) -> str:
    """A literal of the parameter's type; a generic plan does not depend on it."""
    if param_type.endswith("[]"):
        return f"'{{}}'::{param_type}"
    value = SAMPLE_VALUES.get(param_type.split("(")[0])
    if value is None:
        return f"NULL::{param_type}"
    return "'" + value.replace("'", "''") + f"'::{param_type}"


def explain(conn: psycopg.Connection, query: str, *, index_scans: bool = True) -> Plan:
    """The generic plan of ``query`` (``$n`` parameters allowed)."""
    conn.execute("DEALLOCATE ALL")
    conn.execute("SET plan_cache_mode = force_generic_plan")
    for setting in ("enable_indexscan", "enable_indexonlyscan", "enable_bitmapscan"):
        conn.execute(f"SET {setting} = {'on' if index_scans else 'off'}")
    conn.execute(f"PREPARE sqllint_q AS {query}")
    row = conn.execute(
        "SELECT parameter_types::text[] FROM pg_prepared_statements WHERE name = 'sqllint_q'"
    ).fetchone()
    assert row is not None
    args = ", ".join(_sample(t) for t in row[0])
    out = conn.execute(
        f"EXPLAIN (FORMAT JSON) EXECUTE sqllint_q{f'({args})' if args else ''}"
    ).fetchone()
    assert out is not None
    return Plan(out[0][0]["Plan"])


def apply_statements(conn: psycopg.Connection, statements: list[str]) -> None:
    for sql in statements:
        try:
            conn.execute(sql)
        except Exception as exc:
            raise AssertionError(f"{sql}\n  failed on PostgreSQL: {exc}") from exc


@dataclass(frozen=True)
class IndexDDL:
    ddl: str
    name: str
    table: str  # quoted, schema-qualified when the DDL qualifies it
    columns: tuple[str, ...]  # plain column keys, in order
    expressions: bool  # some key is an expression

    @classmethod
    def parse(cls, ddl: str) -> IndexDDL:
        stmt = json.loads(parse_sql_json(ddl))["stmts"][0]["stmt"]["IndexStmt"]
        rel = stmt["relation"]
        table = ".".join(pg_data.quote_ident(part) for part in
                         filter(None, [rel.get("schemaname"), rel["relname"]]))
        columns = tuple(str(p["IndexElem"]["name"]) for p in stmt["indexParams"]
                        if "name" in p["IndexElem"])
        expressions = any("expr" in p["IndexElem"] for p in stmt["indexParams"])
        return cls(ddl, str(stmt.get("idxname", "")), table, columns, expressions)


def fk_check_query(table: str, columns: tuple[str, ...], partitioned: bool = False) -> str:
    """What PostgreSQL runs on the child table for each parent row deleted (ri_triggers.c:
    ``FROM ONLY`` unless the child is partitioned)."""
    where = " AND ".join(f"{pg_data.quote_ident(c)} = ${n}" for n, c in enumerate(columns, 1))
    only = "" if partitioned else "ONLY "
    return f"SELECT 1 FROM {only}{table} x WHERE {where} FOR KEY SHARE OF x"


def is_partitioned(conn: psycopg.Connection, table: str) -> bool:
    row = conn.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass",
                       (table,)).fetchone()
    return bool(row and row[0] == "p")


def index_family(conn: psycopg.Connection, name: str) -> set[str]:
    """An index and, on a partitioned table, the indexes of its partitions."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = (SELECT oid FROM pg_class WHERE relname = %s "
        "AND relkind IN ('i', 'I'))", (name,)).fetchall()
    return {name, *(str(r[0]) for r in rows)}


def foreign_keys(conn: psycopg.Connection) -> list[tuple[str, tuple[str, ...]]]:
    rows = conn.execute(
        "SELECT conrelid::regclass::text, array_agg(a.attname::text ORDER BY k.n)"
        " FROM pg_constraint c, unnest(c.conkey) WITH ORDINALITY k(attnum, n), pg_attribute a"
        " WHERE c.contype = 'f' AND a.attrelid = c.conrelid AND a.attnum = k.attnum"
        " GROUP BY c.oid, conrelid ORDER BY c.oid"
    ).fetchall()
    return [(table, tuple(cols)) for table, cols in rows]


def index_valid(conn: psycopg.Connection, name: str) -> bool | None:
    """None when no index of that name exists; else whether it is valid."""
    row = conn.execute(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE c.relname = %s", (name,)
    ).fetchone()
    return None if row is None else bool(row[0])


def populate(conn: psycopg.Connection, run: Lint, queries: list[str],
             extra_sql: list[str]) -> None:
    """Relax the schema and put ROWS rows in every table the queries touch."""
    index_sql = [s for s in run.schema if re.match(r"(?i)\s*CREATE\s+(UNIQUE\s+)?INDEX", s)]
    hints = pg_data.hints_from_sql(*(q.sql for q in run.queries), *queries, *extra_sql, *index_sql)
    pg_data.relax_schema(conn)
    touched = set().union(*(pg_data.relations_in(sql) for sql in [*queries, *extra_sql]))
    tables = {t.relname for t in pg_data.tables(conn)}
    # A view or materialized view: fill everything that could be under it.
    pg_data.fill(conn, hints, only=touched if touched and touched <= tables else None)


# --- the tests ------------------------------------------------------------------------


@pytest.mark.parametrize("case", _params(SUGGESTING))
def test_planner_uses_the_suggested_index(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], pg_db: psycopg.Connection,
) -> None:
    run = lint(case, tmp_path, monkeypatch, capsys)
    advice: dict[str, tuple[IndexDDL, list[str]]] = {}  # DDL -> (index, queries it serves)
    for want in case.data["expect"]:
        if not str(want.get("suggestion", "")).startswith("CREATE"):
            continue
        path = want.get("path", case.default_path())
        got = [f for f in run.findings if f["path"] == path and f["line"] == want["line"]]
        assert got, f"sqllint reports nothing at {path}:{want['line']}: {run.findings}"
        assert want["suggestion"] in [f.get("suggestion") for f in got], got
        index = IndexDDL.parse(want["suggestion"])
        if case.rule == "SL201":
            query = fk_check_query(index.table, index.columns)
        else:
            query = run.query_at(path, want["line"])
        advice.setdefault(index.ddl, (index, []))[1].append(query)

    apply_statements(pg_db, run.schema)
    if case.rule == "SL201":  # the check query depends on the kind of table
        for index, queries in advice.values():
            queries[:] = [fk_check_query(index.table, index.columns,
                                         is_partitioned(pg_db, index.table))] * len(queries)
    populate(pg_db, run, [q for _, qs in advice.values() for q in qs], list(advice))
    for index, queries in advice.values():
        before = [explain(pg_db, query) for query in queries]
        assert index_valid(pg_db, index.name) is None, f"{index.name} exists already"
        apply_statements(pg_db, [index.ddl])
        assert index_valid(pg_db, index.name), f"{index.name} was not built"
        pg_db.execute(f"ANALYZE {index.table}")
        for query, old in zip(queries, before, strict=True):
            new = explain(pg_db, query)
            shown = f"{query}\n-- before:\n{old}\n-- after {index.ddl}\n{new}"
            used = index_family(pg_db, index.name) & set(new.indexes)
            assert used, f"the planner does not use it:\n{shown}"
            if new.cost >= old.cost and index.expressions:
                # An expression index brings statistics of its own: the estimate before
                # was a default guess. Compare under the same statistics, no index scans.
                old = explain(pg_db, query, index_scans=False)
                shown += f"\n-- with the same statistics and no index scans:\n{old}"
            assert new.cost <= old.cost * (1 - MIN_COST_DROP), \
                f"the estimated cost did not drop by {MIN_COST_DROP:.0%}:\n{shown}"


@pytest.mark.parametrize("case", _params(SERVED))
def test_served_query_already_uses_an_index(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], pg_db: psycopg.Connection,
) -> None:
    run = lint(case, tmp_path, monkeypatch, capsys)
    assert run.findings == [], "sqllint should call this served"
    apply_statements(pg_db, run.schema)
    if case.rule == "SL201":
        queries = [fk_check_query(t, cols) for t, cols in foreign_keys(pg_db)]
    else:
        queries = [q.sql for q in run.queries]
    assert queries, "nothing to EXPLAIN"
    populate(pg_db, run, queries, [])
    for query in queries:
        plan = explain(pg_db, query)
        assert plan.indexes, f"served, says sqllint, but the plan uses no index:\n{query}\n{plan}"


UNUSED = [c for c in ALL_CASES if c.data.get("unused")]
ADVICE = load_advice_cases()


@pytest.mark.parametrize("case", _params(ADVICE))
def test_advice_case_findings_are_exact(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without a server: exactly the case's findings of its rule (line, message,
    suggestion), as for rules/*.yml."""
    run = lint(case, tmp_path, monkeypatch, capsys)
    expected = case.data.get("expect") or []
    left = list(run.findings)
    for want in expected:
        hit = next((f for f in left if f["line"] == want["line"]
                    and want.get("message", "") in f["message"]
                    and want.get("suggestion", f.get("suggestion")) == f.get("suggestion")),
                   None)
        assert hit is not None, f"missing {want}: {run.findings}"
        left.remove(hit)
    assert not left, f"unexpected: {left}"


@pytest.mark.parametrize("case", _params(UNUSED))
def test_silent_where_no_index_would_be_used(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], pg_db: psycopg.Connection,
) -> None:
    """A case's ``unused`` indexes (what sqllint once suggested there) are built: the
    planner uses none of them, so sqllint's silence is right."""
    run = lint(case, tmp_path, monkeypatch, capsys)
    unused = [IndexDDL.parse(ddl) for ddl in case.data["unused"]]
    suggested = {f.get("suggestion") for f in run.findings}
    assert not suggested & {i.ddl for i in unused}, "sqllint suggests it"
    apply_statements(pg_db, run.schema)
    queries = [q.sql for q in run.queries]
    populate(pg_db, run, queries, [i.ddl for i in unused])
    for index in unused:
        apply_statements(pg_db, [index.ddl])
        pg_db.execute(f"ANALYZE {index.table}")
        for query in queries:
            plan = explain(pg_db, query)
            assert not index_family(pg_db, index.name) & plan.indexes, \
                f"the planner uses {index.name}:\n{query}\n{plan}"


def test_enough_distinct_suggestions_are_checked() -> None:
    distinct = {s for case in VERIFIED for s in _suggestions(case)}
    by_rule: dict[str, int] = {}
    for case in VERIFIED:
        by_rule[case.rule] = by_rule.get(case.rule, 0) + len(_suggestions(case))
    assert len(distinct) >= MIN_DISTINCT_SUGGESTIONS, f"{len(distinct)} distinct: {by_rule}"


def _migration_version(path: Path) -> int:
    return int(path.name.split("_", 1)[0])


def test_novacron_index_plan_applies(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    pg_db: psycopg.Connection,
) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["indexes", "fixtures/novacron"]) == 0
    plan = capsys.readouterr().out
    for path in sorted((NOVACRON / "migrations").glob("*.up.sql"), key=_migration_version):
        pg_db.execute(path.read_text(encoding="utf-8"))
    statements = list(pglast.split(plan))
    creates = [IndexDDL.parse(s) for s in statements
               if re.match(r"(?i)CREATE\s+(UNIQUE\s+)?INDEX", s)]
    assert creates, plan
    apply_statements(pg_db, statements)
    for index in creates:
        assert index_valid(pg_db, index.name), f"{index.name} is not a valid index"
