"""Hypothesis fuzzing of the readers: random text, truncations and random bytes must never
let an exception escape the SQL splitter, the placeholder rewriter or the Python extractor.

Example counts are bounded so the whole module stays well under a minute in CI.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pglast import parser as pg

from sqllint.config import Config, SqlFunction
from sqllint.model import Statement
from sqllint.sources import python as pysource
from sqllint.sources import sqlfile
from sqllint.sources.python_literals import Atom, Interp
from sqllint.sources.python_placeholders import rewrite
from sqllint.sources.text import decode

REPO = Path(__file__).resolve().parent.parent
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Pieces that stress quoting, comments, psql and nesting: fragments of SQL more often
# than not, glued at random.
SQL_PIECES = [
    "SELECT ", "FROM t", " WHERE a = ", "1", ";", "'", "''", '"', "$$", "$f$", "--", "/*",
    "*/", "\n", "(", ")", "\\", "\\copy t from stdin", "\\.\n", "COPY t FROM stdin;\n",
    ":var", ":'v'", "%s", "%(x)s", "?", "$1", "E'\\''", "U&'d\\0061t'", "é", "😀", "\x00",
    "BEGIN ATOMIC ", " END", "CREATE TABLE x (id int);", "\\gset\n", "123abc", "0x",
    "\r\n", "\t", " ", "::", ",", "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;",
]
sql_text = st.one_of(
    st.lists(st.sampled_from(SQL_PIECES), max_size=40).map("".join),
    st.text(max_size=400),
    st.text(alphabet="();'\"$-/*\\:%?\n abc", max_size=400),
)


def _fixture_texts(suffix: str) -> list[str]:
    folder = REPO / "fixtures"
    return [p.read_text(encoding="utf-8") for p in sorted(folder.rglob(f"*{suffix}"))][:40]


SQL_SAMPLES = _fixture_texts(".sql") or ["SELECT 1;"]
PY_SAMPLES = _fixture_texts(".py") or ["x = 1\n"]


def _check_sql(text: str) -> None:
    stmts = list(sqlfile.statements("f.sql", text))
    lines = text.count("\n") + 1
    for stmt in stmts:
        assert isinstance(stmt, Statement)
        loc = stmt.location()
        assert 1 <= loc.line <= lines + 1
        assert stmt.node is not None or stmt.error is not None


@FUZZ
@given(sql_text)
def test_sql_splitter_random_text(text: str) -> None:
    _check_sql(text)


@FUZZ
@given(st.sampled_from(SQL_SAMPLES), st.integers(min_value=0), st.integers(min_value=0))
def test_sql_splitter_truncations(text: str, a: int, b: int) -> None:
    a, b = sorted((a % (len(text) + 1), b % (len(text) + 1)))
    _check_sql(text[a:b])
    _check_sql(text[:a] + text[b:])


@FUZZ
@given(st.binary(max_size=600))
def test_sql_splitter_random_bytes(data: bytes) -> None:
    content = decode(data)
    if content.problem is None:
        _check_sql(content.text)


atoms = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(list("%s()?:'\"$-/*\nabc1_ é")), st.integers(1, 50),
                  st.integers(1, 80), st.booleans()),
        st.builds(Interp, st.sampled_from(["x", "table", "a.b", ""]), st.integers(1, 50),
                  st.integers(1, 80)),
    ),
    max_size=120,
)


@FUZZ
@given(atoms, st.booleans(), st.booleans())
def test_placeholder_rewriter(items: list[Atom], qmark: bool, identifiers: bool) -> None:
    out = rewrite(items, qmark=qmark, identifiers=identifiers)
    assert len(out.positions) == len(out.sql)


CONFIG = Config(root=REPO, sql_functions=(SqlFunction("*.fetch_one"), SqlFunction("db.q", 1)))
PY_PIECES = [
    "cur.execute(", ")", '"', "'", '"""', "f'", "{x}", "%s", "%(n)s", "SELECT * FROM t",
    " WHERE id = ", "\n", "    ", "def f(conn):\n", "query = ", "+", "#", "\\", ",",
    "conn.fetch_one(", "db.q(conn, ", "sql = f\"\"\"", "import psycopg\n", "é", "\x00",
]
py_text = st.one_of(
    st.lists(st.sampled_from(PY_PIECES), max_size=40).map("".join),
    st.text(max_size=400),
)


def _check_python(text: str) -> None:
    for stmt in pysource.statements("m.py", text, CONFIG):
        assert isinstance(stmt, Statement)
        stmt.location()


@FUZZ
@given(py_text)
def test_python_extractor_random_text(text: str) -> None:
    _check_python(text)


@FUZZ
@given(st.sampled_from(PY_SAMPLES), st.integers(min_value=0), st.integers(min_value=0))
def test_python_extractor_truncations(text: str, a: int, b: int) -> None:
    a, b = sorted((a % (len(text) + 1), b % (len(text) + 1)))
    _check_python(text[:b])
    _check_python(text[:a] + text[b:])


@FUZZ
@given(st.binary(max_size=600))
def test_python_extractor_random_bytes(data: bytes) -> None:
    content = decode(data)
    if content.problem is None:
        _check_python("import psycopg\ncur.execute('" + content.text + "')\n" + content.text)


# -- the whole CLI on generated projects ---------------------------------------------
#
# Projects built from real SQL (short statements of PostgreSQL's regression tests,
# tests/data/pg_regress_fragments.json, written by scripts/pg_regress_fragments.py from
# the corpus so that CI has them too), wrapped in Python calls, interleaved with psql
# meta-commands and hostile names. Every command must answer without an internal error,
# the cache must not change an answer, and neither may the hash seed.

FRAGMENTS = json.loads((REPO / "tests" / "data" / "pg_regress_fragments.json").read_text(
    encoding="utf-8"))["fragments"]
PSQL = ["\\set v 1", "SELECT :v, :'v';", "\\i schema.sql", "\\ir missing.sql",
        "COPY t FROM stdin;\n1\tx;y\n\\.", "\\copy t from stdin\n2\n\\.", "SELECT 1 \\gset",
        "\\if :v\nSELECT 2;\n\\endif", "BEGIN;", "COMMIT;"]
HOSTILE = ["CREATE TABLE \"a`````b\" (\"@x [y](z) <i>\" int, \"c\nd\" text);",
           "SELECT \"@x [y](z) <i>\" FROM \"a`````b\" WHERE \"c\nd\" = 'e';",
           "CREATE TABLE t (id int, \"s ASC); DROP TABLE u; --\" text);",
           "SELECT id FROM t WHERE \"s ASC); DROP TABLE u; --\" = $1 ORDER BY id LIMIT 5;",
           "CREATE MATERIALIZED VIEW \"m); --\" AS SELECT 1 AS \"k\x1b[2J\";"]
NAMES = ["q.sql", "my queries.sql", "we`ird.sql", "ü.sql", "x\u202e.sql"]
statement_lists = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(PSQL),
                                     st.sampled_from(HOSTILE)), min_size=1, max_size=12)


def _python(stmts: list[str]) -> str:
    lines = ["import psycopg\n", "def f(cur, table):\n"]
    for i, sql in enumerate(stmts):
        if i % 3 == 2:
            lines.append("    cur.execute(f'SELECT * FROM {table} WHERE a = %s', (1,))\n")
        lines.append(f"    cur.execute({sql!r})\n")
    lines.append('    cur.execute("SELECT \\ud800 FROM t")\n')
    return "".join(lines)


def _project(root: Path, schema: list[str], queries: list[str], python: list[str],
             name: str) -> None:
    (root / ".git").mkdir()  # the project root
    (root / "schema.sql").write_text("\n".join(schema) + "\n", encoding="utf-8")
    (root / name).write_text("\n".join(queries) + "\n", encoding="utf-8")
    (root / "app.py").write_text(_python(python), encoding="utf-8")


def _cli(argv: list[str]) -> tuple[int, str]:
    import contextlib
    import io

    from sqllint.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    assert "internal error" not in err.getvalue() and "Traceback" not in err.getvalue(), (
        argv, err.getvalue())
    return code, out.getvalue()


sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))  # what main() sets
# Every format a run is compared in: cache on and off, two hash seeds.
SEEDED = [["check", "--format", "json", "."], ["check", "--format", "sarif", "."],
          ["audit", "--format", "markdown", "."], ["statements", "--format", "json", "."],
          ["indexes", "."]]
SEEDED_RUN = """
import contextlib, io, json, sys
from sqllint.cli import main
outputs = []
for argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    outputs.append([code, out.getvalue(), err.getvalue()])
print(json.dumps(outputs))
"""
CLI_FUZZ = settings(max_examples=8, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


@CLI_FUZZ
@given(statement_lists, statement_lists, statement_lists, st.sampled_from(NAMES))
def test_whole_cli_on_generated_projects(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
    schema: list[str], queries: list[str], python: list[str], name: str,
) -> None:
    root = tmp_path_factory.mktemp("project")
    _project(root, schema, queries, python, name)
    monkeypatch.chdir(root)
    monkeypatch.delenv("SQLLINT_CACHE_DIR", raising=False)
    runs: dict[str, list[tuple[str, ...]]] = {}
    for cache in ("0", "1", "1"):  # off, cold, warm: the same answers
        monkeypatch.setenv("SQLLINT_CACHE", cache)
        outputs = []
        for argv in SEEDED:
            code, out = _cli(argv)
            assert code in (0, 1) and out, argv
            outputs.append(out)
        runs.setdefault(cache, []).append(tuple(outputs))
    assert runs["0"][0] == runs["1"][0] == runs["1"][1]
    report = json.loads(runs["0"][0][0])
    for argv in (["audit", "."], ["statements", "."], ["schema", "."]):
        code, _ = _cli(argv)
        assert code in (0, 1)
    code, plan = _cli(["indexes", "."])
    assert code == 0
    kinds = [next(iter(s["stmt"])) for s in json.loads(pg.parse_sql_json(plan))["stmts"]]
    # One CREATE INDEX per planned index (and the DROP of what it replaces), nothing else.
    assert kinds.count("IndexStmt") == len(report["indexes"])
    assert set(kinds) <= {"IndexStmt", "DropStmt"}


@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(statement_lists, statement_lists, statement_lists)
def test_same_output_under_two_hash_seeds(
    tmp_path_factory: pytest.TempPathFactory, schema: list[str], queries: list[str],
    python: list[str],
) -> None:
    import os
    import subprocess

    root = tmp_path_factory.mktemp("seeds")
    _project(root, schema, queries, python, "q.sql")
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "SQLLINT_CACHE": "0",
               "PYTHONPATH": os.pathsep.join(sys.path)}
        proc = subprocess.run([sys.executable, "-c", SEEDED_RUN, json.dumps(SEEDED)],
                              cwd=root, env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        runs = json.loads(proc.stdout)
        for code, _, err in runs:
            assert code in (0, 1) and "internal error" not in err and "Traceback" not in err
        outputs.append(runs)
    assert outputs[0] == outputs[1]
