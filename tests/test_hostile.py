"""A hostile pull request gets nothing through (issue 16): one test per defect found.

Each test is named after the defect it guards against and drives the CLI the way CI
does, on a repository written by someone else.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from pglast import parser as pg

from sqllint.cli import main

INJECTED = "status ASC); DROP TABLE users; --"


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQLLINT_CACHE", "0")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    (tmp_path / "pyproject.toml").write_text("[tool.sqllint]\n")
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, out, err


def statements_of(sql: str) -> list[tuple[str, dict[str, Any]]]:
    tree = json.loads(pg.parse_sql_json(sql))
    return [(next(iter(s["stmt"])), next(iter(s["stmt"].values()))) for s in tree["stmts"]]


# -- 1. generated SQL ----------------------------------------------------------------


def test_ddl_injection_in_index_plan(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "schema.sql").write_text(
        f'CREATE TABLE orders (id int PRIMARY KEY, "{INJECTED}" text, created_at timestamptz);\n')
    (repo / "q.sql").write_text(
        f'SELECT id FROM orders WHERE "{INJECTED}" = $1 ORDER BY created_at DESC LIMIT 10;\n')
    code, _, err = run(capsys, "indexes", "--out", "0042_indexes.sql", ".")
    assert code == 0, err
    plan = (repo / "0042_indexes.sql").read_text()
    stmts = statements_of(plan)
    assert [kind for kind, _ in stmts] == ["IndexStmt"]
    columns = [p["IndexElem"].get("name") for p in stmts[0][1]["indexParams"]]
    assert columns[0] == INJECTED  # the whole name is one quoted column


def test_sl205_suggestion_leaves_identifiers_unquoted(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "views.sql").write_text(
        'CREATE TABLE t (id int);\n'
        'CREATE MATERIALIZED VIEW "mv); DROP TABLE t; --" AS '
        'SELECT id AS "k); DROP TABLE u; --" FROM t;\n')
    code, out, _ = run(capsys, "check", "--format", "json", "--select", "SL205", ".")
    assert code == 1
    suggestion = json.loads(out)["findings"][0]["suggestion"]
    [(kind, node)] = statements_of(suggestion)
    assert kind == "IndexStmt" and node["unique"]
    assert node["relation"]["relname"] == "mv); DROP TABLE t; --"


def test_index_plan_comment_cannot_end_in_a_statement(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A table or file name with a newline would end the '-- serves …' comment line.
    table = "t\nDROP TABLE users; --"
    (repo / "schema.sql").write_text(f'CREATE TABLE "{table}" (id int, a int);\n')
    (repo / "q\nDROP TABLE x;.sql").write_text(f'SELECT id FROM "{table}" WHERE a = $1;\n')
    code, out, _ = run(capsys, "indexes", ".")
    assert code == 0
    assert [kind for kind, _ in statements_of(out)] == ["IndexStmt"]


HOSTILE_SCHEMA = """
CREATE TABLE "ev); DROP TABLE x; --" (id bigint PRIMARY KEY, account_id bigint, kind text,
                                     created_at timestamptz);
CREATE INDEX "old); DROP TABLE y; --" ON "ev); DROP TABLE x; --" (kind);
CREATE TABLE app_item (id int PRIMARY KEY, "status ASC); DROP TABLE users; --" text,
                       "we""ird`" text);
"""
HOSTILE_QUERIES = """
SELECT id FROM "ev); DROP TABLE x; --" WHERE kind = $1 ORDER BY created_at DESC LIMIT 5;
SELECT id FROM app_item WHERE "status ASC); DROP TABLE users; --" = $1;
SELECT id FROM app_item WHERE "we""ird`" = $1;
"""


def _python_sql(text: str) -> tuple[list[str], list[str], list[str]]:
    """(SQL run going up, SQL run going down, names of the AddIndexConcurrently
    operations) of an Alembic or Django migration the plan wrote."""
    import ast

    up: list[str] = []
    down: list[str] = []
    added: list[str] = []
    tree = ast.parse(text)
    parts = [(f, down if f.name == "downgrade" else up) for f in ast.walk(tree)
             if isinstance(f, ast.FunctionDef)] or [(tree, up)]
    for part, direction in parts:
        for call in (n for n in ast.walk(part) if isinstance(n, ast.Call)):
            name = getattr(call.func, "attr", getattr(call.func, "id", ""))
            keywords = {k.arg: k.value for k in call.keywords}
            if name == "AddIndexConcurrently":
                index = keywords["index"]
                assert isinstance(index, ast.Call)
                added.extend(ast.literal_eval(k.value) for k in index.keywords
                             if k.arg == "name")
            elif name in ("execute", "RunSQL"):
                for arg, where in [*((a, direction) for a in call.args),
                                   (keywords.get("sql"), direction),
                                   (keywords.get("reverse_sql"), down)]:
                    if arg is not None:
                        value = ast.literal_eval(arg) if isinstance(arg, ast.Constant) else None
                        if isinstance(value, str):
                            where.append(value)
    return up, down, added


@pytest.mark.parametrize("out", ["-", "plan.sql", "plain/", "golang-migrate", "flyway",
                                 "alembic", "django"])
def test_index_plan_writes_one_statement_per_suggested_index(
    repo: Path, capsys: pytest.CaptureFixture[str], out: str
) -> None:
    """Whatever the identifiers hold, each suggested index is written as its one CREATE
    INDEX, and the only other statements are the DROP INDEX of an existing index it makes
    redundant (going up) and the DROP of the index itself (going down)."""
    (repo / "schema.sql").write_text(HOSTILE_SCHEMA)
    (repo / "q.sql").write_text(HOSTILE_QUERIES)
    _, report, _ = run(capsys, "check", "--format", "json", ".")
    suggested = [statements_of(p["ddl"])[0][1]["idxname"] for p in json.loads(report)["indexes"]]
    existing = {"old); DROP TABLE y; --"}
    assert len(suggested) == 3
    up: list[str] = []
    down: list[str] = []
    added: list[str] = []
    if out == "-":
        code, text, _ = run(capsys, "indexes", ".")
        up.append(text)
    elif out == "plan.sql":
        code, _, _ = run(capsys, "indexes", "--out", out, ".")
        up.append((repo / out).read_text())
    else:
        folder = repo / "app" / "migrations"
        folder.mkdir(parents=True)
        tool = [] if out == "plain/" else ["--tool", out]
        code, _, _ = run(capsys, "indexes", "--out", f"{folder}/", *tool, ".")
        for path in sorted(folder.iterdir()):
            text = path.read_text()
            if path.suffix == ".py":
                ups, downs, operations = _python_sql(text)
                up += ups
                down += downs
                added += operations
            elif path.name.endswith(".down.sql"):
                down.append(text)
            elif path.suffix == ".sql":
                up.append(text)
            else:
                assert path.name.endswith(".sql.conf")  # Flyway: outside a transaction
    assert code == 0
    ups = [s for text in up for s in statements_of(text)]
    downs = [s for text in down for s in statements_of(text)]
    created = [node["idxname"] for kind, node in ups if kind == "IndexStmt"]
    assert sorted(created + added) == sorted(suggested)  # one CREATE INDEX per suggestion
    dropped_up = [_dropped(node) for kind, node in ups if kind != "IndexStmt"]
    assert all(kind in ("IndexStmt", "DropStmt") for kind, _ in ups)
    assert sorted(dropped_up) == sorted(existing)  # each redundant index once
    assert all(kind == "DropStmt" for kind, _ in downs)
    assert len(downs) <= len(suggested)
    assert {_dropped(node) for _, node in downs} <= set(suggested)


def _dropped(node: dict[str, Any]) -> str:
    assert node["removeType"] == "OBJECT_INDEX"
    [[*_, name]] = [[n["String"]["sval"] for n in obj["List"]["items"]]
                    for obj in node["objects"]]
    return str(name)


def test_fix_output_is_not_reparsed_as_the_expected_statements() -> None:
    """--fix rewrites SQL in place: like generated SQL, the result must re-parse as
    exactly the statements expected (each edited one of its own kind, plus those the fix
    says it adds), or nothing is written."""
    from sqllint.fixes import apply_fixes
    from sqllint.model import Edit, Finding, Fix, Location

    text = "SELECT a FROM t;\nSELECT b FROM t;\n"

    def fixed(replacement: str, adds: tuple[str, ...] = ()) -> str | None:
        fix = Fix("x", (Edit(1, 1, 1, 16, replacement),), True, adds)
        finding = Finding("SL101", "select-star", "warning", Location("q.sql", 1, 1, 1, 16),
                          "m", fix=fix)
        applied = apply_fixes("q.sql", text, [finding])
        return applied.text if applied.fixes else None

    assert fixed("SELECT c FROM t") == "SELECT c FROM t;\nSELECT b FROM t;\n"
    assert fixed("DELETE FROM t") is None  # another kind of statement in its place
    assert fixed("SELECT c FROM t; DROP TABLE t") is None  # a statement smuggled in
    assert fixed("SELECT c FROM t; DROP TABLE t", adds=("AlterTableStmt",)) is None
    assert fixed("SELECT c FROM t; DROP TABLE t", adds=("DropStmt",)) is not None


def test_fix_with_hostile_names_rewrites_only_the_statements_it_fixes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "migrations").mkdir()
    (repo / "migrations" / "001_init.sql").write_text(
        'CREATE TABLE t (id int, "a; DROP TABLE t; --" text, "b""); --" int);\n')
    (repo / "migrations" / "002_check.sql").write_text(
        'ALTER TABLE t ADD CONSTRAINT "c); DROP TABLE t; --" CHECK ("b""); --" > 0);\n'
        'ALTER TABLE t ADD CHECK ("b""); --" < 10);\n')
    (repo / "q.sql").write_text("SELECT * FROM t;\n")
    code, _, err = run(capsys, "check", "--fix", "--unsafe-fixes", ".")
    assert code == 1 and "fixed 3 finding(s) in 2 file(s)" in err  # SL102 remains
    stmts = statements_of((repo / "q.sql").read_text())
    assert [kind for kind, _ in stmts] == ["SelectStmt"]
    targets = [[f["String"]["sval"] for f in t["ResTarget"]["val"]["ColumnRef"]["fields"]]
               for t in stmts[0][1]["targetList"]]
    assert targets == [["id"], ["a; DROP TABLE t; --"], ['b"); --']]
    # NOT VALID, then VALIDATE CONSTRAINT of the very name (PostgreSQL's, when unnamed).
    checks = statements_of((repo / "migrations" / "002_check.sql").read_text())
    assert [kind for kind, _ in checks] == ["AlterTableStmt"] * 4
    commands = [node["cmds"][0]["AlterTableCmd"] for _, node in checks]
    assert [(c["subtype"], c.get("name") or c["def"]["Constraint"]["conname"])
            for c in commands] == [
        ("AT_AddConstraint", "c); DROP TABLE t; --"),
        ("AT_ValidateConstraint", "c); DROP TABLE t; --"),
        ("AT_AddConstraint", 't_b"); --_check'),
        ("AT_ValidateConstraint", 't_b"); --_check')]


HOSTILE_MIGRATIONS = {
    "001_init.sql": """
CREATE TABLE "t; DROP TABLE users; --" (id int PRIMARY KEY, "c; DROP TABLE u1; --" int,
                                        "d; DROP TABLE u2; --" text);
CREATE TABLE "p; DROP TABLE u3; --" (id int, k int) PARTITION BY RANGE (k);
CREATE TABLE "q; DROP TABLE u4; --" PARTITION OF "p; DROP TABLE u3; --"
    FOR VALUES FROM (0) TO (10);
CREATE MATERIALIZED VIEW "m; DROP TABLE u5; --" AS SELECT id FROM "t; DROP TABLE users; --";
CREATE UNIQUE INDEX "mi; DROP TABLE u6; --" ON "m; DROP TABLE u5; --" (id);
CREATE INDEX "ix; DROP TABLE u7; --" ON "t; DROP TABLE users; --" ("c; DROP TABLE u1; --");
""",
    "002_change.sql": """
ALTER TABLE "t; DROP TABLE users; --" ALTER COLUMN "c; DROP TABLE u1; --" TYPE bigint;
ALTER TABLE "t; DROP TABLE users; --" ADD CONSTRAINT "uq; DROP TABLE u8; --"
    UNIQUE ("d; DROP TABLE u2; --");
ALTER TABLE "t; DROP TABLE users; --" ADD CONSTRAINT "ck; DROP TABLE u9; --"
    CHECK ("c; DROP TABLE u1; --" > 0);
ALTER TABLE "t; DROP TABLE users; --" ADD COLUMN "e; DROP TABLE u10; --" float
    DEFAULT random();
ALTER TABLE "t; DROP TABLE users; --" ALTER COLUMN "d; DROP TABLE u2; --" SET NOT NULL;
ALTER TABLE "p; DROP TABLE u3; --" DETACH PARTITION "q; DROP TABLE u4; --";
REFRESH MATERIALIZED VIEW "m; DROP TABLE u5; --";
REINDEX INDEX "ix; DROP TABLE u7; --";
CREATE INDEX "ix2; DROP TABLE u11; --" ON "t; DROP TABLE users; --" ("d; DROP TABLE u2; --");
DROP INDEX "ix; DROP TABLE u7; --";
""",
}


def test_migration_rule_suggestions_with_hostile_names_hold_an_injected_statement(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every migration rule's recipe names the objects of a hostile migration quoted:
    read token by token, no DROP TABLE appears outside a quoted name (SL307 cut its
    constraint's text at the first ';' inside a quoted name, and the rest of the name
    became SQL)."""
    (repo / "migrations").mkdir()
    for name, text in HOSTILE_MIGRATIONS.items():
        (repo / "migrations" / name).write_text(text)
    _, out, _ = run(capsys, "check", "--format", "json", ".")
    suggested = _suggestions_without_injection(out)
    assert {"SL204", "SL301", "SL302", "SL304", "SL307", "SL308", "SL309", "SL311", "SL312",
            "SL313"} <= set(suggested)
    assert [kind for kind, _ in statements_of(suggested["SL307"])] == ["AlterTableStmt"] * 2
    [(_, node), _] = statements_of(suggested["SL307"])
    constraint = node["cmds"][0]["AlterTableCmd"]["def"]["Constraint"]
    assert constraint["conname"] == "ck; DROP TABLE u9; --" and constraint["skip_validation"]


HOSTILE_QUERY_SCHEMA = """
CREATE TABLE "a; DROP TABLE u1; --" (id bigint PRIMARY KEY, "b; DROP TABLE u2; --" text,
    "c; DROP TABLE u3; --" timestamptz, "d; DROP TABLE u4; --" jsonb,
    "o; DROP TABLE u5; --" bigint REFERENCES "a; DROP TABLE u1; --" (id));
CREATE TABLE "z; DROP TABLE u6; --" (id bigint PRIMARY KEY,
    "f; DROP TABLE u7; --" bigint REFERENCES "a; DROP TABLE u1; --" (id));
CREATE MATERIALIZED VIEW "mv; DROP TABLE u8; --" AS
    SELECT id AS "k; DROP TABLE u9; --" FROM "a; DROP TABLE u1; --";
CREATE INDEX "i; DROP TABLE u10; --" ON "a; DROP TABLE u1; --" ("b; DROP TABLE u2; --");
CREATE INDEX "i2; DROP TABLE u11; --" ON "a; DROP TABLE u1; --"
    ("b; DROP TABLE u2; --", "c; DROP TABLE u3; --");
"""
HOSTILE_QUERY_FILE = """
SELECT id FROM "a; DROP TABLE u1; --" WHERE lower("b; DROP TABLE u2; --") = $1;
SELECT id FROM "a; DROP TABLE u1; --" WHERE "d; DROP TABLE u4; --" @> '{}';
SELECT id FROM "a; DROP TABLE u1; --" WHERE "c; DROP TABLE u3; --" > now()
    ORDER BY "c; DROP TABLE u3; --" DESC LIMIT 5;
SELECT id FROM "a; DROP TABLE u1; --" ORDER BY "o; DROP TABLE u5; --" LIMIT 10;
SELECT x.id FROM "z; DROP TABLE u6; --" x JOIN "a; DROP TABLE u1; --" y
    ON y.id = x."f; DROP TABLE u7; --" WHERE y."b; DROP TABLE u2; --" = $1;
REFRESH MATERIALIZED VIEW CONCURRENTLY "mv; DROP TABLE u8; --";
"""


def _suggestions_without_injection(out: str) -> dict[str, str]:
    """Each rule's suggestion in a JSON report, once checked: read token by token, no
    DROP TABLE appears outside a quoted name."""
    suggested = {}
    for f in json.loads(out)["findings"]:
        if f.get("suggestion"):
            suggested[f["rule"]] = f["suggestion"]
            text = f["suggestion"].replace("…", "x")  # a recipe's placeholder
            words = [text[t.start : t.end + 1].upper() for t in pg.scan(text)]
            assert ["DROP", "TABLE"] not in [words[i : i + 2] for i in range(len(words))], f
    return suggested


def test_query_rule_suggestions_with_hostile_names_hold_an_injected_statement(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "schema.sql").write_text(HOSTILE_QUERY_SCHEMA)
    (repo / "q.sql").write_text(HOSTILE_QUERY_FILE)
    _, out, _ = run(capsys, "check", "--format", "json", ".")
    suggested = _suggestions_without_injection(out)
    assert {"SL103", "SL104", "SL106", "SL107", "SL108", "SL201", "SL204", "SL205",
            "SL305"} <= set(suggested)
    for rule in ("SL103", "SL104", "SL106", "SL107", "SL108", "SL201", "SL205", "SL305"):
        assert [kind for kind, _ in statements_of(suggested[rule])] == ["IndexStmt"], rule


# -- 5. Markdown, terminals, gcc lines -----------------------------------------------


def _markdown_repo(repo: Path) -> None:
    (repo / "schema.sql").write_text(
        'CREATE TABLE "@octocat [x](https://evil.example) <a href=x>" (id int, a int);\n')
    (repo / "q.sql").write_text(
        'SELECT * FROM "@octocat [x](https://evil.example) <a href=x>" '
        "WHERE a = '`````\n# Owned\n[click](https://evil.example)';\n")


def _rendered(markdown: str) -> tuple[str, str]:
    """(HTML as a CommonMark renderer with tables makes it, its text outside code)."""
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    prose = re.sub(r"<code>.*?</code>|<pre>.*?</pre>", "", html, flags=re.S)
    return html, prose


def test_markdown_injection_backticks_close_the_fence(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _markdown_repo(repo)
    for argv in (["audit", "--format", "markdown", "."], ["check", "--format", "markdown", "."]):
        _, out, _ = run(capsys, "--debug", *argv)
        html, prose = _rendered(out)
        assert "Owned" not in prose  # the statement's text stays inside its code block
        assert "<h1>Owned" not in html
        assert "<a href" not in html  # neither a Markdown link nor raw HTML


def test_markdown_injection_mentions_and_links_from_identifiers(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _markdown_repo(repo)
    for argv in (["audit", "--format", "markdown", "."], ["check", "--format", "markdown", "."]):
        _, out, _ = run(capsys, *argv)
        html, prose = _rendered(out)
        assert "@octocat" not in prose  # '@\u200boctocat' notifies nobody
        assert "@\u200boctocat" in prose  # …and the name is still there to read
        assert "<a href" not in html


def test_terminal_escape_and_newline_in_names_reach_text_output(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    osc52 = "\x1b]52;c;cm0gLXJmIH4=\x07"
    (repo / f"a{osc52}\nfake.sql:1:1: SL999 forged.sql").write_text(
        f'SELECT * FROM "t{osc52}\x1b[2J";\n')
    for fmt in ("text", "github"):
        _, out, _ = run(capsys, "check", "--format", fmt, ".")
        assert "\x1b" not in out and "\x07" not in out
        assert not any(line.startswith("fake.sql") for line in out.splitlines())
    _, out, _ = run(capsys, "statements", ".")
    assert "\x1b" not in out and len(out.splitlines()) == 1


# -- 6. one bad byte -----------------------------------------------------------------


FORMATS = ["text", "json", "sarif", "github", "markdown"]


def test_surrogate_in_python_string_crashes_every_format(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "schema.sql").write_text("CREATE TABLE t (id int, a int);\n")
    (repo / "app.py").write_text('def f(cur):\n    cur.execute("SELECT \\ud800 FROM t")\n')
    (repo / "q.sql").write_text("SELECT * FROM t;\n")
    for fmt in FORMATS:
        code, out, _ = run(capsys, "check", "--format", fmt, ".")
        assert code == 1 and out
    for argv in (["audit", "--format", "markdown", "."], ["audit", "."],
                 ["statements", "--format", "json", "."], ["indexes", "."]):
        code, out, _ = run(capsys, *argv)
        assert code == 0 and out


def test_non_utf8_file_name_crashes_reports_and_truncates_baseline(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = os.fsdecode(b"bad\xff.sql")
    (repo / "schema.sql").write_text("CREATE TABLE t (id int, a int);\n")
    (repo / name).write_text("SELECT * FROM t;\n")
    for fmt in FORMATS:
        code, out, _ = run(capsys, "check", "--format", fmt, ".")
        assert code == 1 and "xff.sql" in out
    code, out, _ = run(capsys, "audit", "--format", "markdown", ".")
    assert code == 0 and "xff.sql" in out
    assert run(capsys, "check", "--write-baseline", "base.json", ".")[0] == 0
    assert run(capsys, "check", "--baseline", "base.json", ".")[0] == 0
    assert "xff.sql" in (repo / "base.json").read_text()


def test_write_baseline_truncates_before_new_content_exists(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "q.sql").write_text("SELECT * FROM t;\n")
    assert run(capsys, "check", "--write-baseline", "base.json", ".")[0] == 0
    before = (repo / "base.json").read_bytes()
    (repo / "q2.sql").write_text("SELECT * FROM u;\n")

    def no_rename(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_rename)
    code, _, err = run(capsys, "check", "--write-baseline", "base.json", ".")
    assert code == 2 and "No space left on device" in err
    assert (repo / "base.json").read_bytes() == before
    assert [p.name for p in repo.iterdir() if p.name.startswith(".base")] == []


@pytest.mark.parametrize("argv", [
    pytest.param(["check", "-o", "{missing}/report.txt", "."], id="check-o-missing-directory"),
    pytest.param(["check", "-o", "/dev/full", "."], id="check-o-dev-full"),
    pytest.param(["indexes", "--out", "{missing}/plan.sql", "."],
                 id="indexes-out-missing-directory"),
    pytest.param(["indexes", "--out", "/dev/full", "."], id="indexes-out-dev-full"),
    pytest.param(["audit", "--out", "/dev/full", "."], id="audit-out-dev-full"),
])
def test_output_into_missing_directory_or_full_device(
    repo: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    (repo / "q.sql").write_text("SELECT * FROM t;\n")
    argv = [a.replace("{missing}", str(repo / "missing")) for a in argv]
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("sqllint: cannot write")


@pytest.mark.parametrize(("argv", "expected"), [
    pytest.param(["check", "."], 1, id="findings-keep-their-code"),
    pytest.param(["statements", "."], 0, id="a-clean-command-exits-0"),
])
def test_broken_pipe_exits_1_like_findings(
    repo: Path, argv: list[str], expected: int
) -> None:
    (repo / "schema.sql").write_text("CREATE TABLE t (id int, a int);\n")
    (repo / "q.sql").write_text("SELECT * FROM t;\n" * 3_000)  # far more than a pipe holds
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-m", "sqllint.cli", *argv], cwd=repo,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(100)
    proc.stdout.close()  # the reader goes away, like `| head`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == expected  # the command's own code, not 1 for the pipe
    assert err == ""


# -- 2. scanners (their time is measured by benchmarks/adversarial.py) ---------------


def _statements(text: str) -> list[tuple[str, bool]]:
    from sqllint.sources import sqlfile

    return [(" ".join(s.sql.split()), s.node is not None)
            for s in sqlfile.statements("f.sql", text)]


def test_small_files_that_hang_ci_copy_lines_with_a_backslash() -> None:
    # COPY words with no FROM stdin before their ';' start no data block.
    text = "copy t\n" * 50 + "\\\nCOPY t FROM stdin;\n1\n\\.\nSELECT 2;\n"
    stmts = _statements(text)
    assert stmts[-1] == ("SELECT 2", True)
    assert not any("1 " in sql for sql, _ in stmts)


def test_small_files_that_hang_ci_copy_blocks() -> None:
    text = "COPY t FROM stdin;\n1\tx;y\n\\.\n" * 200 + "\\copy t from stdin\nz\n\\.\nSELECT 3;\n"
    stmts = _statements(text)
    assert stmts.count(("COPY t FROM stdin", True)) == 200
    assert stmts[-1] == ("SELECT 3", True)  # the data ('x;y', 'z') is no statement


def test_copy_that_fails_on_the_server_has_no_data_block() -> None:
    # psql sends no data when the server rejects the COPY: the next COPY line says so.
    text = ("BEGIN;\nCOPY t FROM STDIN WITH (FORCE_NULL(b));\nROLLBACK;\n"
            "COPY t FROM stdin;\n1\n\\.\nSELECT 4;\n")
    assert [sql for sql, _ in _statements(text)] == [
        "BEGIN", "COPY t FROM STDIN WITH (FORCE_NULL(b))", "ROLLBACK", "COPY t FROM stdin",
        "SELECT 4"]


def test_small_files_that_hang_ci_psql_variables() -> None:
    text = "SELECT " + ":v, 'x:y', " * 500 + "1;\n"
    [(sql, parsed)] = _statements(text)
    assert parsed and "'x:y'" in sql  # variables outside strings only


def test_small_files_that_hang_ci_unterminated_begin_atomic() -> None:
    body = ("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; "
            "SELECT CASE WHEN true THEN 2 END; END;\n")
    # A syntax error elsewhere sends the file to the scanner-based splitter.
    stmts = _statements(body + "SELECT FROM WHERE;\n" + body
                        + "CREATE PROCEDURE p() BEGIN ATOMIC SELECT 1;\n")
    assert [p for _, p in stmts] == [True, False, True, False]
    assert stmts[0][0].endswith("END; END")
    assert stmts[3][0].startswith("CREATE PROCEDURE")  # unterminated: to the end


# -- 3. stale answers from the cache -------------------------------------------------


@pytest.fixture
def cached(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SQLLINT_CACHE", "1")
    monkeypatch.delenv("SQLLINT_CACHE_DIR", raising=False)
    return repo


def _rules(capsys: pytest.CaptureFixture[str], *argv: str) -> list[tuple[str, str, int]]:
    code, out, _ = run(capsys, "check", "--format", "json", *argv, ".")
    assert code in (0, 1)
    return [(f["rule"], f["path"], f["line"]) for f in json.loads(out)["findings"]]


def test_stale_answers_included_files_not_in_cache_key(
    cached: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (cached / "db").mkdir()
    (cached / "db" / "schema.psql").write_text("\\ir tables.inc\n")
    (cached / "db" / "tables.inc").write_text("CREATE TABLE t (id int, a int);\n")
    (cached / "q.sql").write_text("SELECT id FROM t WHERE a = $1;\n")
    assert ("SL103", "q.sql", 1) in _rules(capsys, "--select", "SL103")
    (cached / "db" / "tables.inc").write_text(
        "CREATE TABLE t (id int, a int);\nCREATE INDEX t_a ON t (a);\n")
    assert _rules(capsys, "--select", "SL103") == []


def test_stale_answers_file_rewritten_while_it_is_read(
    cached: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqllint.cache

    (cached / "schema.sql").write_text("CREATE TABLE t (id int, a int);\n")
    query = cached / "q.sql"
    clean, dirty = "SELECT id FROM t WHERE id = 1;\n", "SELECT * FROM t;\n"
    query.write_text(clean)
    real_key = sqllint.cache.result_key

    def key_then_save(*args: Any, **kwargs: Any) -> str:
        key = real_key(*args, **kwargs)
        query.write_text(dirty)  # an editor saves while sqllint reads
        return key

    monkeypatch.setattr(sqllint.cache, "result_key", key_then_save)
    code, out, err = run(capsys, "check", "--format", "json", ".")
    assert "q.sql changed while being read" in err
    assert code == 1 and '"SL101"' in out  # what the run parsed: the saved content
    monkeypatch.setattr(sqllint.cache, "result_key", real_key)
    # Nothing was stored under the key of the bytes first read: the clean content gets
    # its own answer, not the one of the content saved meanwhile.
    query.write_text(clean)
    assert not any(rule == "SL101" for rule, _, _ in _rules(capsys))
    query.write_text(dirty)
    assert ("SL101", "q.sql", 1) in _rules(capsys)
    query.write_text(clean)  # and now from the cache: still the right answer
    assert not any(rule == "SL101" for rule, _, _ in _rules(capsys))


@pytest.mark.parametrize("jobs", ["1", "2"])  # 2: the rule pass runs in worker processes
def test_stale_answers_file_rewritten_between_the_two_passes(
    cached: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    jobs: str,
) -> None:
    """The streaming check reads a file twice (schema pass, rule pass): a save between
    them is noticed, and the run's answer is not stored under the first content's key."""
    import sqllint.stream

    (cached / "schema.sql").write_text("CREATE TABLE t (id int, a int);\n")
    query = cached / "q.sql"
    clean, dirty = "SELECT id FROM t WHERE id = 1;\n", "SELECT * FROM t;\n"
    query.write_text(clean)
    real_finish = sqllint.stream.Replay.finish

    def finish_then_save(self: Any) -> Any:
        query.write_text(dirty)  # after the schema pass, before the rule pass
        return real_finish(self)

    monkeypatch.setattr(sqllint.stream.Replay, "finish", finish_then_save)
    _, _, err = run(capsys, "check", "--jobs", jobs, "--format", "json", ".")
    assert "q.sql changed while being read" in err
    monkeypatch.setattr(sqllint.stream.Replay, "finish", real_finish)
    query.write_text(clean)
    assert not any(rule == "SL101" for rule, _, _ in _rules(capsys))


def test_stale_answers_file_rewritten_while_read_ahead(
    cached: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With two processes, another process reads the schema pass's last files ahead: a
    file saved after the cache key was made and before that read is noticed there."""
    import sqllint.readahead
    import sqllint.stream

    (cached / "schema.sql").write_text("CREATE TABLE t (id int, a int);\n")
    query = cached / "zq.sql"
    clean, dirty = "SELECT id FROM t WHERE id = 1;\n", "SELECT * FROM t;\n"
    query.write_text(clean)
    real_ahead = sqllint.readahead.ahead
    started: list[int] = []

    def save_then_read(sizes: Any, job: Any) -> Any:
        query.write_text(dirty)  # after the key, before the other process reads it
        start, results = real_ahead(sizes, job)
        started.append(start)
        return start, results

    real_finish = sqllint.stream.Replay.finish

    def finish_then_restore(self: Any) -> Any:
        query.write_text(clean)  # the rule pass reads what the key was made of
        return real_finish(self)

    monkeypatch.setattr(sqllint.readahead, "ahead", save_then_read)
    monkeypatch.setattr(sqllint.stream.Replay, "finish", finish_then_restore)
    _, _, err = run(capsys, "check", "--jobs", "2", "--format", "json", ".")
    assert started == [1]  # zq.sql was read ahead
    assert "zq.sql changed while being read" in err
    monkeypatch.setattr(sqllint.readahead, "ahead", real_ahead)
    monkeypatch.setattr(sqllint.stream.Replay, "finish", real_finish)
    query.write_text(clean)
    assert not any(rule == "SL101" for rule, _, _ in _rules(capsys))


def test_flipped_byte_in_cached_parse_tree(
    cached: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (cached / "schema.sql").write_text("CREATE TABLE t (id int, a int);\n")
    (cached / "q.sql").write_text("SELECT * FROM t WHERE a = $1;\n")
    # Python files' statements are cached with their parse trees (SQL files are parsed).
    (cached / "app.py").write_text(
        "def f(cur):\n    cur.execute('SELECT * FROM t WHERE a = %s', (1,))\n")
    cold = _rules(capsys)
    assert ("SL101", "app.py", 2) in cold
    entries = [p for p in (cached / ".sqllint_cache").rglob("*.pickle")]
    assert entries
    damaged = 0
    for entry in entries:
        data = entry.read_bytes()
        if b'Stmt":' in data:  # one flipped byte inside a stored parse tree
            entry.write_bytes(data.replace(b'Stmt":', b'Stmt"\x3b', 1))
            damaged += 1
    assert damaged
    for result in (cached / ".sqllint_cache").rglob("r*.pickle"):
        result.unlink()  # so the run reads the damaged parse trees
    assert _rules(capsys) == cold  # every damaged entry is a miss
    for entry in entries:  # and the whole-run result: flipped, then truncated
        data = bytearray(entry.read_bytes())
        data[-1] ^= 0x01
        entry.write_bytes(bytes(data))
    assert _rules(capsys) == cold
    for entry in entries:
        entry.write_bytes(b"")
    assert _rules(capsys) == cold


# -- 4. reading and writing outside the repository -----------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path.parent / f"{tmp_path.name}-outside"
    folder.mkdir()
    (folder / "secret.sql").write_text("SELECT 'TOP-SECRET-TOKEN' FROM t;\n")
    return folder


def test_committed_symlink_to_a_secret_is_read_into_the_audit(
    repo: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "schema.sql").write_text("CREATE TABLE t (id int);\n")
    (repo / "leak.sql").symlink_to(outside / "secret.sql")
    (repo / "linked").symlink_to(outside, target_is_directory=True)
    for argv in (["audit", "--format", "markdown", "."], ["check", "--format", "json", "."],
                 ["check", "leak.sql"], ["check", "--show-source", "."], ["statements", "."]):
        _, out, _ = run(capsys, *argv)
        assert "TOP-SECRET" not in out
    _, out, _ = run(capsys, "check", "--format", "json", ".")
    problems = [(f["rule"], f["path"], f["message"]) for f in json.loads(out)["findings"]]
    assert ("SL001", "leak.sql", "leads outside the project root: not read") in problems


def test_include_of_etc_passwd_is_read_silently(
    repo: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "schema.sql").write_text(
        f"CREATE TABLE t (id int);\n\\i /etc/passwd\n\\ir ../{outside.name}/secret.sql\n")
    _, out, _ = run(capsys, "check", "--format", "json", ".")
    found = [(f["rule"], f["line"], f["message"]) for f in json.loads(out)["findings"]]
    assert ("SL001", 2, "\\i /etc/passwd: leads outside the project root: not read") in found
    assert any(rule == "SL001" and line == 3 for rule, line, _ in found)
    assert "root:x:0" not in out and "TOP-SECRET" not in out


def test_editor_scratch_file_outside_any_project_reads_the_whole_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The language server, given a file and no workspace, lints the file's folder as
    its project; with no project root there (an editor's scratch file in /tmp, or /),
    that was every SQL file below it. Now only the buffer is read."""
    from sqllint.lsp.session import Session

    scratch = tmp_path / "scratch"  # no config, no VCS: no project root
    (scratch / "deep").mkdir(parents=True)
    (scratch / "other.sql").write_text("SELEC broken;\n")
    (scratch / "deep" / "more.sql").write_text("CREATE TABLE t (id int);\n")
    monkeypatch.chdir(scratch)
    buffer = scratch / "x.sql"
    session = Session.for_scratch(buffer)
    findings = session.lint(buffer, "SELECT * FROM t;\n")
    assert session.project is not None
    assert [f.display for f in session.project.files] == ["x.sql"]
    assert {f.location.path for f in findings} <= {"x.sql"}
    assert not (scratch / ".sqllint_cache").exists()
    # Inside a project, the same call reads the project.
    (scratch / ".git").mkdir()
    session = Session.for_scratch(buffer)
    session.lint(buffer, "SELECT * FROM t;\n")
    assert session.project is not None
    assert sorted(f.display for f in session.project.files) == [
        "deep/more.sql", "other.sql", "x.sql"]


def test_committed_cache_symlink_writes_anywhere(
    cached: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = outside / "victim"
    target.mkdir()
    (cached / ".sqllint_cache").symlink_to(target, target_is_directory=True)
    (cached / "schema.sql").write_text("CREATE TABLE t (id int);\n")
    (cached / "q.sql").write_text("SELECT * FROM t;\n")
    assert _rules(capsys)  # the run works, without a cache
    assert list(target.iterdir()) == []
    (cached / ".sqllint_cache").unlink()
    (cached / ".sqllint_cache").mkdir()
    (cached / ".sqllint_cache" / "v2").symlink_to(target, target_is_directory=True)
    assert _rules(capsys)
    assert list(target.iterdir()) == []


NO_TRANSACTION = {"diesel": "run_in_transaction = false\n",
                  "flyway": "executeInTransaction=false\n"}


def _sidecar_of_an_index_migration(repo: Path, tool: str) -> Path:
    """A migration that builds an index CONCURRENTLY where its tool wraps it in a
    transaction (SL303), and where that tool's sidecar file goes (not written): the
    sidecar saying "no transaction" makes the finding go."""
    (repo / "schema.sql").write_text("CREATE TABLE t (id int, a int);\n")
    if tool == "diesel":
        folder = repo / "migrations" / "2020-01-02-000000_idx"
        folder.mkdir(parents=True)
        (folder / "up.sql").write_text("CREATE INDEX CONCURRENTLY t_a ON t (a);\n")
        return folder / "metadata.toml"
    folder = repo / "db" / "migration"
    folder.mkdir(parents=True)
    # Flyway wraps a script that also holds transactional statements.
    (folder / "V2__idx.sql").write_text(
        "CREATE TABLE u (id int);\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n")
    return folder / "V2__idx.sql.conf"


@pytest.mark.parametrize("tool", ["diesel", "flyway"])
def test_sidecar_file_symlinked_out_of_the_root_is_read(
    repo: Path, outside: Path, capsys: pytest.CaptureFixture[str], tool: str
) -> None:
    sidecar = _sidecar_of_an_index_migration(repo, tool)
    (outside / "conf").write_text(NO_TRANSACTION[tool])
    sidecar.symlink_to(outside / "conf")
    assert "SL303" in {rule for rule, _, _ in _rules(capsys)}  # the link was not followed
    sidecar.unlink()
    sidecar.write_text(NO_TRANSACTION[tool])  # the same text inside the root is read
    assert "SL303" not in {rule for rule, _, _ in _rules(capsys)}


@pytest.mark.parametrize("tool", ["diesel", "flyway"])
def test_sidecar_file_of_any_size_is_read_whole(
    repo: Path, capsys: pytest.CaptureFixture[str], tool: str
) -> None:
    sidecar = _sidecar_of_an_index_migration(repo, tool)
    with sidecar.open("w") as handle:  # 300 MB, sparse: a hostile file, not a config
        handle.write(NO_TRANSACTION[tool])
        handle.truncate(300 << 20)
    assert "SL303" in {rule for rule, _, _ in _rules(capsys)}  # not read: the default


@pytest.mark.parametrize("tool", ["diesel", "flyway"])
def test_stale_answers_sidecar_file_not_in_cache_key(
    cached: Path, capsys: pytest.CaptureFixture[str], tool: str
) -> None:
    sidecar = _sidecar_of_an_index_migration(cached, tool)
    assert "SL303" in {rule for rule, _, _ in _rules(capsys)}
    sidecar.write_text(NO_TRANSACTION[tool])
    assert "SL303" not in {rule for rule, _, _ in _rules(capsys)}


# -- 7. silent truncation; 9. encodings ----------------------------------------------


def test_nul_byte_after_the_first_8_kib_hides_sql(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "schema.sql").write_text("CREATE TABLE t (id int);\n")
    padding = "-- padding\n" * 1000  # > 8 KiB
    (repo / "q.sql").write_bytes((padding + "SELECT 1;\x00\nDELETE FROM t;\n").encode())
    code, out, _ = run(capsys, "check", "--format", "json", ".")
    assert code == 1  # never a silent pass
    assert [(f["rule"], f["path"]) for f in json.loads(out)["findings"]] == [("SL001", "q.sql")]


def test_utf16_files_with_a_bom_are_called_binary(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "schema.sql").write_bytes("CREATE TABLE t (id int, a int);\n".encode("utf-16"))
    (repo / "q.sql").write_bytes("SELECT * FROM t;\n".encode("utf-16-be").join(
        [b"\xfe\xff", b""]))
    _, out, _ = run(capsys, "check", "--format", "json", ".")
    rules = [(f["rule"], f["path"], f["line"]) for f in json.loads(out)["findings"]]
    assert ("SL101", "q.sql", 1) in rules
    assert not any(rule == "SL001" for rule, _, _ in rules)


# -- 8. config the validation missed -------------------------------------------------


@pytest.mark.parametrize("config", [
    pytest.param("tool = 5\n", id="tool-is-5"),
    pytest.param('[tool.sqllint]\nfail-on = ["error"]\n', id="fail-on-a-list"),
    pytest.param('[tool.sqllint]\nexclude = ["[z-a]"]\n', id="bad-glob-z-a-in-exclude"),
    pytest.param('[tool.sqllint]\nexclude = ["!"]\n', id="bad-glob-bang-in-exclude"),
    pytest.param('[tool.sqllint]\nschema = ["[z-a]"]\n', id="bad-glob-in-schema"),
    pytest.param('[tool.sqllint]\nmigrations = ["!"]\n', id="bad-glob-in-migrations"),
    pytest.param('[tool.sqllint]\nper-file-ignores = {"[z-a]" = ["SL101"]}\n',
                 id="bad-glob-in-per-file-ignores"),
    pytest.param("[tool.sqllint]\na = " + "[" * 5000 + "]" * 5000 + "\n",
                 id="deeply-nested-toml"),
])
def test_internal_errors_instead_of_a_message_for_bad_config(
    repo: Path, capsys: pytest.CaptureFixture[str], config: str
) -> None:
    (repo / "sqllint.toml").write_text(config)
    (repo / "q.sql").write_text("SELECT 1;\n")
    code = main(["check", "."])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("sqllint: ") and len(err.strip().splitlines()) == 1
    assert "internal error" not in err


@pytest.mark.parametrize("argv", [
    pytest.param(["check", "loop"], id="symlink-loop-named-on-the-command-line"),
    pytest.param(["check", "--config", "/dev/zero", "."],
                 id="config-dev-zero-read-until-memory-runs-out"),
    pytest.param(["check", "--exclude", "[z-a]", "."], id="bad-glob-in-exclude-option"),
])
def test_internal_errors_instead_of_a_message_for_bad_arguments(
    repo: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    (repo / "loop").symlink_to("loop2")
    (repo / "loop2").symlink_to("loop")
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "internal error" not in err


# -- 9. smaller defects --------------------------------------------------------------


def test_diff_drops_findings_in_files_whose_name_has_a_space(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                       env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"})

    (repo / "schema.sql").write_text("CREATE TABLE t (id int, a int);\n")
    (repo / "my queries.sql").write_text("SELECT id FROM t WHERE id = 1;\n")
    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "base")
    (repo / "my queries.sql").write_text("SELECT id FROM t WHERE id = 1;\nSELECT * FROM t;\n")
    _, out, _ = run(capsys, "check", "--format", "json", "--diff", "HEAD", ".")
    assert [(f["rule"], f["path"], f["line"]) for f in json.loads(out)["findings"]
            if f["rule"] == "SL101"] == [("SL101", "my queries.sql", 2)]


def test_per_file_ignores_matched_relative_to_the_current_directory(
    repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "pyproject.toml").write_text(
        '[tool.sqllint]\nper-file-ignores = {"db/legacy/*.sql" = ["SL101"]}\n')
    (repo / "db" / "legacy").mkdir(parents=True)
    (repo / "db" / "schema.sql").write_text("CREATE TABLE t (id int, a int);\n")
    (repo / "db" / "legacy" / "old.sql").write_text("SELECT * FROM t;\n")
    (repo / "db" / "new.sql").write_text("SELECT * FROM t;\n")
    monkeypatch.chdir(repo / "db")  # run from a subfolder: globs still from the root
    _, out, _ = run(capsys, "check", "--format", "json", ".")
    assert [(f["rule"], f["path"]) for f in json.loads(out)["findings"]
            if f["rule"] == "SL101"] == [("SL101", "new.sql")]


# -- acceptance: nothing outside the root is opened ----------------------------------
#
# A subprocess runs sqllint's commands one after another with an audit hook that records
# every file opened and every folder listed (sys.addaudithook: "open", "os.listdir",
# "os.scandir"). Allowed outside the project root, and nothing else: the Python
# installation (sys.prefix, sys.base_prefix, sys.exec_prefix: stdlib, site-packages),
# sqllint's own package, the folders on sys.path as the import system lists them (the
# folder itself, not what is below it), and the file the trace is written to.

TRACE = r"""
import json, os, sys
seen = []
def hook(event, args):
    if event in ("open", "os.listdir", "os.scandir") and args and \
            isinstance(args[0], (str, bytes, os.PathLike)):
        seen.append((event, os.fsdecode(args[0])))
sys.addaudithook(hook)
from sqllint.cli import main
codes = [main(argv) for argv in json.loads(sys.argv[2])]
with open(sys.argv[1], "w", encoding="utf-8", errors="backslashreplace") as out:
    json.dump({"codes": codes, "seen": seen}, out)
"""


def _traced(cwd: Path, runs: list[list[str]], stdin: str = "") -> tuple[list[int], set[str]]:
    """Exit codes of ``runs`` and the resolved paths they opened or listed that the
    allowlist above does not cover."""
    import sqllint

    trace = cwd.parent / f"{cwd.name}-trace.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "SQLLINT_CACHE": "1"}
    env.pop("SQLLINT_CACHE_DIR", None)
    proc = subprocess.run([sys.executable, "-c", TRACE, str(trace), json.dumps(runs)],
                          cwd=cwd, env=env, input=stdin, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    report = json.loads(trace.read_text(encoding="utf-8"))
    trace.unlink()
    assert any(event == "open" for event, _ in report["seen"]), "the hook saw nothing"
    below = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    below |= {Path(sqllint.__file__).resolve().parent, cwd.resolve()}
    listed = {Path(p).resolve() for p in sys.path if p and Path(p).is_dir()}
    stray = set()
    for event, raw in report["seen"]:
        path = Path(os.path.abspath(os.path.join(cwd, raw))).resolve()
        if path == trace.resolve() or any(path.is_relative_to(b) for b in below):
            continue
        if event != "open" and path in listed:
            continue
        stray.add(f"{event} {path}")
    return report["codes"], stray


def test_buffer_named_outside_any_project_reads_the_whole_disk(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"  # no config, no VCS: no project root
    scratch.mkdir()
    codes, stray = _traced(scratch, [["check", "--stdin-filename", "/x.sql", "-"]],
                           stdin="SELECT * FROM t;\n")
    assert codes == [0]
    assert stray == set()
    assert not (scratch / ".sqllint_cache").exists() and not Path("/.sqllint_cache").exists()


def test_no_run_reads_a_path_outside_the_project_root(repo: Path, outside: Path) -> None:
    (repo / ".git").mkdir()
    (repo / "db").mkdir()
    (repo / "db" / "schema.sql").write_text(
        f"CREATE TABLE t (id int, a int);\n\\i /etc/passwd\n\\ir ../../{outside.name}/x.sql\n"
        f"\\ir ../leak.sql\n")
    (repo / "leak.sql").symlink_to(outside / "secret.sql")
    (repo / "linked").symlink_to(outside, target_is_directory=True)
    (repo / ".sqllint_cache").symlink_to(outside, target_is_directory=True)
    (outside / "ignore").write_text("*.sql\n")
    (repo / "db" / ".gitignore").symlink_to(outside / "ignore")
    (outside / "metadata.toml").write_text("run_in_transaction = false\n")
    diesel = repo / "migrations" / "2020-01-01-000000_idx"
    diesel.mkdir(parents=True)
    (diesel / "up.sql").write_text("CREATE INDEX CONCURRENTLY t_a ON t (a);\n")
    (diesel / "metadata.toml").symlink_to(outside / "metadata.toml")
    flyway = repo / "flyway"
    flyway.mkdir()
    (flyway / "V1__idx.sql").write_text("CREATE INDEX CONCURRENTLY t_id ON t (id);\n")
    (flyway / "V1__idx.sql.conf").symlink_to(outside / "metadata.toml")
    (repo / "q.sql").write_text("SELECT * FROM t WHERE a = 1;\n")
    (repo / "app.py").write_text("def f(cur):\n    cur.execute('SELECT a FROM t')\n")
    runs = [["check", "."], ["check", "--format", "sarif", "."], ["check", "leak.sql"],
            ["check", "--show-source", "."], ["check", "--fix", "--unsafe-fixes", "."],
            ["audit", "--format", "markdown", "."], ["audit", "--out", "audit.html", "."],
            ["statements", "."], ["indexes", "."], ["indexes", "--out", "plan/", "."],
            ["schema", "."]]
    codes, stray = _traced(repo, runs)
    assert all(code in (0, 1) for code in codes), codes
    assert stray == set()
    assert sorted(p.name for p in outside.iterdir()) == [  # nothing written there
        "ignore", "metadata.toml", "secret.sql"]


def test_valid_toml_spellings_are_silently_ignored(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "pyproject.toml").write_text('[tool]\nsqllint = { select = ["SL101"] }\n')
    (repo / "schema.sql").write_text("CREATE TABLE t (id int, a int);\n")
    (repo / "q.sql").write_text("SELECT * FROM t;\n")
    _, out, _ = run(capsys, "check", "--format", "json", ".")
    assert {f["rule"] for f in json.loads(out)["findings"]} == {"SL101"}
