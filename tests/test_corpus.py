"""sqllint over PostgreSQL's own regression SQL (../shared/corpus/pg_regress, ~100k lines).

The run must finish with no traceback and no internal error, report what does not parse
as SL001 at the right line, and report SL001 only for statements PostgreSQL rejects
(cross-checked against a real server when one is available).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sqllint.cli import main

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "pg_regress"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS}")


@contextlib.contextmanager
def _env(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One in-process ``sqllint check --format json`` of the whole corpus."""
    cache = tmp_path_factory.mktemp("cache")
    out, err = io.StringIO(), io.StringIO()
    cwd = Path.cwd()
    os.chdir(REPO)
    try:
        with _env(SQLLINT_CACHE_DIR=str(cache)), contextlib.redirect_stdout(out), \
                contextlib.redirect_stderr(err):
            code = main(["check", "--format", "json", str(CORPUS)])
    finally:
        os.chdir(cwd)
    report = json.loads(out.getvalue()) if out.getvalue().strip() else {}
    return {"code": code, "stderr": err.getvalue(), "report": report}


def _sl001(run: dict[str, Any]) -> dict[tuple[str, int], dict[str, Any]]:
    return {(Path(f["path"]).name, f["line"]): f
            for f in run["report"]["findings"] if f["rule"] == "SL001"}


def test_runs_to_the_end(run: dict[str, Any]) -> None:
    assert run["code"] in (0, 1), run["stderr"][-2000:]
    assert "Traceback" not in run["stderr"]
    assert "internal error" not in run["stderr"], run["stderr"][-2000:]
    summary = run["report"]["summary"]
    assert summary["files"] >= len(list(CORPUS.glob("*.sql")))
    assert summary["statements"] > 30_000


@pytest.mark.parametrize(
    ("file", "line", "column", "message"),
    [
        # A plain syntax error, located at the offending token.
        ("errors.sql", 29, 17, 'syntax error at or near "from"'),
        # A default expression with an empty list element.
        ("constraints.sql", 43, 45, 'syntax error at or near ")"'),
        # Lexical errors: each bad literal is its own SL001, and the statements that
        # follow one are still read (line 47 comes after the error on line 46).
        ("numerology.sql", 46, 8, 'trailing junk after numeric literal at or near "123abc"'),
        ("numerology.sql", 47, 8, 'trailing junk after numeric literal at or near "0x0o"'),
        # The Windows-1252 file squawk aborts on is read (and located) like the others.
        ("collate.windows.win1252.sql", 218, 26, 'syntax error at or near "COLLATE"'),
    ],
)
def test_sl001_at_the_statement_postgres_rejects(
    run: dict[str, Any], file: str, line: int, column: int, message: str
) -> None:
    found = _sl001(run).get((file, line))
    assert found is not None, f"no SL001 at {file}:{line}"
    assert (found["column"], found["message"]) == (column, message)


@pytest.mark.parametrize(
    ("file", "line"),
    [
        ("errors.sql", 28),  # the comment line above the bad statement
        ("numerology.sql", 45),  # "-- error cases"
        ("collate.windows.win1252.sql", 60),  # INSERT with cp1252 'äbc'
        ("collate.windows.win1252.sql", 104),
        ("numerology.sql", 40),  # SELECT -0o1000000000000000000000;
    ],
)
def test_no_sl001_on_valid_statements(run: dict[str, Any], file: str, line: int) -> None:
    assert (file, line) not in _sl001(run)


def test_sl001_lines_exist_in_their_files(run: dict[str, Any]) -> None:
    for (name, line), finding in _sl001(run).items():
        path = CORPUS / name
        if not path.exists():  # a file problem (a missing \i include) names its own path
            continue
        assert 1 <= line <= path.read_bytes().count(b"\n") + 1, finding
        assert finding["message"]


def _rejected_statements() -> list[Any]:
    from sqllint.config import load_config
    from sqllint.project import load_project

    with _env(SQLLINT_CACHE="0"):
        project = load_project([CORPUS], load_config(None, start=CORPUS))
    return [s for s in project.statements if s.error is not None and s.path in project.targets]


def test_every_sl001_statement_is_rejected_by_postgres(pg_db: Any) -> None:
    """Run each statement sqllint says does not parse on a real server: it must fail there.

    Each runs inside a transaction that is rolled back, in a throwaway database, with a
    statement timeout. The server may be older than pglast's grammar, so its message can
    differ; then it must be a syntax error (42601). Nearly all messages are identical:
    both come from PostgreSQL's grammar.
    """
    import psycopg

    rejected = _rejected_statements()
    assert len(rejected) > 150
    accepted: list[str] = []
    other: list[str] = []
    same = 0
    for stmt in rejected:
        pg_db.execute("BEGIN")
        pg_db.execute("SET LOCAL statement_timeout = '2s'")
        try:
            pg_db.execute(stmt.sql, prepare=False)
            accepted.append(f"{stmt.path}:{stmt.line}: {stmt.sql[:80]}")
        except psycopg.Error as exc:
            if exc.diag.message_primary == stmt.error:
                same += 1
            elif exc.sqlstate != "42601":
                other.append(f"{stmt.path}:{stmt.line}: {exc.sqlstate} {exc.diag.message_primary}"
                             f" (sqllint: {stmt.error})")
        finally:
            pg_db.execute("ROLLBACK")
    assert accepted == [], "PostgreSQL accepts statements sqllint reports as SL001"
    assert other == []
    assert same >= 0.95 * len(rejected)
