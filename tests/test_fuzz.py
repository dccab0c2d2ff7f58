"""Hypothesis fuzzing of the readers: random text, truncations and random bytes must never
let an exception escape the SQL splitter, the placeholder rewriter or the Python extractor.

Example counts are bounded so the whole module stays well under a minute in CI.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
