"""The flags ruff users reach for: exit-zero, statistics, no-cache, exclude, postgres
version, quiet, colour, code frames, ``python -m sqllint``, a warning for a path with no SQL."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from sqllint.cli import main

SCHEMA = "CREATE TABLE vms (id bigint PRIMARY KEY, name text, state text);\n"
QUERIES = "SELECT * FROM vms WHERE id = 1;\nSELECT name FROM vms WHERE state = 'x';\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "sqllint.toml").write_text("")
    (tmp_path / "schema.sql").write_text(SCHEMA)
    (tmp_path / "q.sql").write_text(QUERIES)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_exit_zero_reports_findings_but_exits_0(repo: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["check", "--exit-zero", "."], capsys)
    assert code == 0
    assert "SL101" in out


def test_statistics_counts_per_rule_most_frequent_first(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "more.sql").write_text("SELECT * FROM vms;\nSELECT * FROM vms v WHERE v.id = 2;\n")
    code, out, _ = _run(["check", "--statistics", "."], capsys)
    rows = [line.split("\t") for line in out.splitlines()]
    assert rows[0] == ["3", "SL101", "select-star"]
    assert all(len(r) == 3 and r[0].strip().isdigit() for r in rows)
    assert [int(r[0]) for r in rows] == sorted((int(r[0]) for r in rows), reverse=True)
    assert "q.sql:" not in out  # the counts replace the listing, as in ruff
    assert code == 1


def test_quiet_prints_findings_without_the_summary(repo: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(["check", "-q", "."], capsys)
    assert out.splitlines()[0].startswith("q.sql:1:8: SL101")
    assert "Found" not in out


def test_exclude_replaces_and_extend_exclude_adds(repo: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["check", "--exclude", "q.sql", "."], capsys)[0] == 0
    (repo / "sqllint.toml").write_text('exclude = ["q.sql"]\n')
    assert _run(["check", "--no-cache", "."], capsys)[0] == 0
    code, out, _ = _run(["check", "--no-cache", "--exclude", "nothing.sql", "."], capsys)
    assert code == 1 and "q.sql:1:8" in out
    assert _run(["check", "--no-cache", "--extend-exclude", "other.sql", "."], capsys)[0] == 0


def test_no_cache_writes_no_cache_directory(repo: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    _run(["check", "--no-cache", "."], capsys)
    assert not (repo / ".sqllint_cache").exists()
    _run(["check", "."], capsys)
    assert (repo / ".sqllint_cache").exists()


def test_postgres_version_flag_reaches_the_migration_rules(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # ADD COLUMN with a constant default rewrites the table before PostgreSQL 11 only.
    (tmp_path / "sqllint.toml").write_text('migrations = ["migrations/*.sql"]\n')
    mig = tmp_path / "migrations"
    mig.mkdir()
    (mig / "001_init.sql").write_text(SCHEMA)
    (mig / "002_flag.sql").write_text(
        "ALTER TABLE vms ADD COLUMN flagged boolean NOT NULL DEFAULT false;\n")
    monkeypatch.chdir(tmp_path)
    old = _run(["check", "--no-cache", "--select", "SL308", "--postgres-version", "10", "."],
               capsys)
    new = _run(["check", "--no-cache", "--select", "SL308", "--postgres-version", "15", "."],
               capsys)
    assert "SL308" in old[1] and old[0] == 1
    assert "SL308" not in new[1] and new[0] == 0


def test_show_source_draws_the_line_and_a_caret_under_the_span(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(["check", "--show-source", "--select", "SL101", "."], capsys)
    lines = out.splitlines()
    assert lines[0].startswith("q.sql:1:8: SL101")
    assert lines[2] == "1 | SELECT * FROM vms WHERE id = 1;"
    assert lines[3] == "  |        ^"


def test_colour_only_on_a_terminal_and_never_with_no_color(repo: Path) -> None:
    piped = subprocess.run([sys.executable, "-m", "sqllint", "check", "."], cwd=repo,
                           capture_output=True, text=True, check=False)
    assert piped.returncode == 1 and "q.sql:1:8: SL101" in piped.stdout
    assert "\x1b[" not in piped.stdout
    assert "\x1b[" in _on_a_terminal(repo, {})
    assert "\x1b[" not in _on_a_terminal(repo, {"NO_COLOR": "1"})


def _on_a_terminal(repo: Path, env: dict[str, str]) -> str:
    """Run sqllint with its stdout on a pseudo-terminal, as in a user's shell."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "sqllint", "check", "--no-cache", "."],
                            cwd=repo, stdout=follower, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, env={**os.environ, **env})
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", errors="replace")


def test_a_path_with_no_sql_prints_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "sqllint.toml").write_text("")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "README.md").write_text("# nothing here\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(["check", "docs"], capsys)
    assert code == 0
    assert "warning: no SQL" in err and "docs" in err
