"""Query facts: resolution through aliases, CTEs, subqueries; predicates; PL/pgSQL bodies."""

from __future__ import annotations

from pathlib import Path

from sqllint import analysis
from sqllint.analysis.facts import EQ, IN, JSONB_CONTAINS, LIKE_INFIX, RANGE, query_facts
from sqllint.check import make_context
from sqllint.config import Config
from sqllint.project import load_project
from sqllint.sources.sqlfile import parse

SCHEMA = """
CREATE SCHEMA app;
CREATE TABLE vms (id bigint PRIMARY KEY, name text, state text, owner_id bigint,
                  config jsonb, created_at timestamptz);
CREATE TABLE users (id bigint PRIMARY KEY, email text UNIQUE, organization_id bigint);
CREATE TABLE app."Jobs" (id bigint PRIMARY KEY, "Queue" text);
"""


def _facts(tmp_path: Path, sql: str):  # type: ignore[no-untyped-def]
    (tmp_path / "schema.sql").write_text(SCHEMA)
    project = load_project([tmp_path], Config(root=tmp_path))
    node, error, _ = parse(sql)
    assert error is None, error
    return query_facts(node, project.catalog)


def test_aliases_resolve_to_catalog_tables(tmp_path: Path) -> None:
    f = _facts(tmp_path, "SELECT v.name FROM vms v JOIN users u ON v.owner_id = u.id "
                         "WHERE u.organization_id = $1 AND v.state = 'running'")
    assert [(t.alias, t.table.qualified if t.table else None) for t in f.tables] == [
        ("v", "public.vms"), ("u", "public.users")]
    preds = {(f.tables[p.ref].alias, p.column, p.op, p.value) for p in f.predicates}
    assert preds == {("u", "organization_id", EQ, "param"), ("v", "state", EQ, "const")}
    assert [(j.left_column, j.right_column) for j in f.joins] == [("owner_id", "id")]


def test_cte_subquery_and_lateral_scopes(tmp_path: Path) -> None:
    f = _facts(tmp_path, """
        WITH r AS (SELECT id, name AS label FROM vms WHERE created_at > now() - interval '1 h')
        SELECT r.label, l.n FROM r, LATERAL (SELECT count(*) AS n FROM users u
                                             WHERE u.id = r.id) l
        ORDER BY r.label LIMIT 5""")
    kinds = [(t.kind, t.name) for t in f.tables]
    assert ("cte", "r") in kinds and ("subquery", "l") in kinds
    assert f.root is not None and f.root.limit
    assert not f.problems
    created = [p for p in f.predicates if p.column == "created_at"]
    assert created and created[0].op == RANGE and created[0].value == "runtime"


def test_predicate_kinds(tmp_path: Path) -> None:
    f = _facts(tmp_path, "SELECT id FROM vms WHERE state IN ('a', 'b') AND name LIKE '%x%' "
                         "AND config @> '{\"k\": 1}' AND lower(name) = $1")
    by_op = {p.op: p for p in f.predicates}
    assert by_op[IN].consts == ("'a'", "'b'")
    assert LIKE_INFIX in by_op and JSONB_CONTAINS in by_op
    lowered = [p for p in f.predicates if p.expr is not None]
    assert lowered and lowered[0].columns == ("name",) and lowered[0].immutable


def test_unknown_columns_and_qualifiers(tmp_path: Path) -> None:
    f = _facts(tmp_path, 'SELECT v.nme, o.name, "Queue" FROM vms v, app."Jobs" j')
    assert {(p.kind, p.qualifier, p.column) for p in f.problems} == {
        ("unknown-column", "v", "nme"), ("unknown-qualifier", "o", "name")}


def test_queries_inside_plpgsql_bodies_are_located_in_the_file(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text(SCHEMA + """
CREATE FUNCTION stop(p bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE vms SET state = 'stopped' WHERE owner_id = p;
END;
$$;
""")
    project = load_project([tmp_path], Config(root=tmp_path))
    ctx = make_context(project)
    func = next(s for s in project.statements if s.node_type == "CreateFunctionStmt")
    (query,) = analysis.queries(ctx, func)
    assert query.sql.startswith("UPDATE vms") and query.origin == "function stop"
    assert query.location(0).line == func.line + 2
    facts = analysis.facts(ctx, query)
    assert facts.embedded and facts.predicates[0].column == "owner_id"


def test_odd_nodes_never_crash(tmp_path: Path) -> None:
    for sql in ("SELECT * FROM ROWS FROM (generate_series(1, 2)) AS g(x)",
                "SELECT (jsonb_each(config)).key FROM vms",
                "SELECT * FROM XMLTABLE('/a' PASSING '<a/>' COLUMNS x int)",
                "MERGE INTO vms v USING users u ON v.owner_id = u.id "
                "WHEN MATCHED THEN UPDATE SET name = u.email",
                "VALUES (1), (2)"):
        _facts(tmp_path, sql)


def test_data_flows_one_way() -> None:
    """Nothing in the analysis imports the advisor or the rules; nothing in the advisor
    (or the rule context) imports the rules: sources → catalog → facts → advisor → rules."""
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent / "sqllint"
    forbidden = {
        "analysis": ("sqllint.advisor", "sqllint.rules", "sqllint.report", "sqllint.check"),
        "advisor": ("sqllint.rules", "sqllint.report", "sqllint.check"),
        "context.py": ("sqllint.analysis", "sqllint.advisor", "sqllint.rules"),
    }
    for part, banned in forbidden.items():
        files = [package / part] if part.endswith(".py") else sorted((package / part).glob("*.py"))
        assert files
        for path in files:
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                         else [a.name for a in node.names] if isinstance(node, ast.Import)
                         else [])
                for name in names:
                    assert not name.startswith(banned), f"{path.name} imports {name}"


def _on(f, table: str):  # type: ignore[no-untyped-def]
    """(column, op, value) of the predicates on the catalog table ``table``."""
    return {(p.column, p.op, p.value) for p in f.predicates
            if f.tables[p.ref].table is not None and f.tables[p.ref].table.name == table}


def test_views_ctes_and_union_all_are_inlined(tmp_path: Path) -> None:
    schema = SCHEMA + """
CREATE VIEW running AS SELECT id, name, owner_id FROM vms WHERE state = 'running';
CREATE TABLE archived_vms (id bigint PRIMARY KEY, name text, owner_id bigint);
"""
    (tmp_path / "schema.sql").write_text(schema)
    project = load_project([tmp_path], Config(root=tmp_path))

    def facts(sql: str):  # type: ignore[no-untyped-def]
        node, error, _ = parse(sql)
        assert error is None, error
        return query_facts(node, project.catalog)

    # a view: the outer filter reaches vms; the view's own filter is marked as the view's
    f = facts("SELECT r.name FROM running r WHERE r.owner_id = $1")
    assert ("owner_id", EQ, "param") in _on(f, "vms")
    assert {p.source for p in f.predicates if p.column == "state"} == {"view"}
    # a join key on a pulled-up subquery reaches its table
    f = facts("SELECT u.email FROM users u JOIN (SELECT id, owner_id FROM vms) v "
              "ON v.owner_id = u.id WHERE u.id = $1")
    assert [(f.tables[j.left].name, j.left_column, f.tables[j.right].name, j.right_column)
            for j in f.joins] == [("vms", "owner_id", "users", "id")]
    # UNION ALL: every branch
    f = facts("SELECT x.id FROM (SELECT id, owner_id FROM vms UNION ALL "
              "SELECT id, owner_id FROM archived_vms) x WHERE x.owner_id = $1")
    assert ("owner_id", EQ, "param") in _on(f, "vms") & _on(f, "archived_vms")
    # a CTE used twice, or MATERIALIZED, is not inlined; LIMIT stops predicates too
    for sql in ("WITH c AS (SELECT id, owner_id FROM vms) "
                "SELECT a.id FROM c a JOIN c b ON a.id = b.id WHERE a.owner_id = $1",
                "WITH c AS MATERIALIZED (SELECT id, owner_id FROM vms) "
                "SELECT id FROM c WHERE owner_id = $1",
                "SELECT id FROM (SELECT id, owner_id FROM vms LIMIT 10) s WHERE owner_id = $1"):
        assert ("owner_id", EQ, "param") not in _on(facts(sql), "vms"), sql
    # GROUP BY keeps its key columns whole: the filter on them is pushed, not others
    f = facts("SELECT * FROM (SELECT owner_id, count(*) AS n FROM vms GROUP BY owner_id) g "
              "WHERE g.owner_id = $1")
    assert ("owner_id", EQ, "param") in _on(f, "vms")


def test_whole_row_functions_and_unreadable_conjuncts(tmp_path: Path) -> None:
    f = _facts(tmp_path, "SELECT id FROM vms v WHERE funding(v) >= v.owner_id")
    assert not any(p.column == "owner_id" for p in f.predicates)  # v against itself
    f = _facts(tmp_path, "SELECT id FROM vms WHERE NOT name LIKE '~%' AND (state = 'a' "
                         "OR owner_id = 1) AND id IN (SELECT unnest($1::bigint[]))")
    others = [p for p in f.predicates if p.op == "other"]
    assert len(others) == 3 and all(p.column is None and not p.immutable for p in others)


def test_records_made_without_init_are_whole(tmp_path: Path) -> None:
    """Scopes, table references, facts, reviews and migration steps are made without their
    dataclass ``__init__`` (sqllint.model.build): each has every field, and equals the
    record its ``__init__`` makes from the same values."""
    import dataclasses

    from sqllint.advisor.review import review
    from sqllint.migrations.steps import steps

    (tmp_path / "schema.sql").write_text(SCHEMA + """
        CREATE INDEX vms_state ON vms (state);
        CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ SELECT 1 $$;
        DO $$ BEGIN PERFORM 1; END $$;
    """)
    (tmp_path / "q.sql").write_text(
        "WITH r AS (SELECT id FROM vms WHERE state = $1) "
        "SELECT * FROM r JOIN users u ON u.id = r.id WHERE u.email = $2;\n")
    project = load_project([tmp_path], Config(root=tmp_path))
    ctx = make_context(project)
    records: list[object] = list(steps(ctx))
    for stmt in ctx.statements:
        for query in analysis.queries(ctx, stmt):
            facts = analysis.facts(ctx, query)
            qr = review(ctx, query)
            records += [facts, *facts.scopes, *facts.tables, qr, *qr.refs]
    kinds = {type(r).__name__ for r in records}
    assert {"Step", "QueryFacts", "Scope", "TableRef", "QueryReview", "RefReview"} <= kinds
    for record in records:
        assert dataclasses.replace(record) == record  # type: ignore[type-var]
