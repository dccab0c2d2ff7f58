"""Bad inputs give a located finding or a one-line error with exit code 2: never a
traceback, never a hang.

Every case runs through ``sqllint.cli.main`` in-process; one run also goes through a
real subprocess to prove nothing reaches stderr but sqllint's own line. Tests run as
root in CI, where ``chmod 000`` does not stop a read: the unreadable inputs here are
ones that fail for root too (a dangling symlink, a FIFO, a directory named like a file).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sqllint.cli import main

NESTED = "SELECT " + "(" * 10_000 + "1" + ")" * 10_000 + ";\n"


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQLLINT_CACHE", "0")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["check", "--format", "json", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    assert "internal error" not in err
    report = json.loads(out) if out.strip() else {}
    return code, report, err


def findings(report: dict[str, Any], path: str) -> list[tuple[str, int, int, str]]:
    return [(f["rule"], f["line"], f["column"], f["message"])
            for f in report.get("findings", []) if f["path"] == path]


def test_binary_file(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "blob.sql").write_bytes(b"SELECT 1;\x00\x01\x02\xff\xfe binary")
    code, report, _ = run(capsys, "blob.sql")
    assert code == 1
    assert findings(report, "blob.sql") == [
        ("SL001", 1, 1, "binary file (NUL bytes), not SQL")]


def test_non_utf8_file_is_read_and_located(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "latin.sql").write_bytes(b"SELECT 'caf\xe9' AS x;\nSELECT FROM WHERE;\n")
    code, report, _ = run(capsys, "latin.sql")
    assert code == 1
    assert findings(report, "latin.sql") == [
        ("SL001", 2, 13, 'syntax error at or near "WHERE"')]


def test_empty_file(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "empty.sql").write_bytes(b"")
    code, report, _ = run(capsys, "empty.sql")
    assert code == 0
    assert report["findings"] == []


def test_only_comments_and_whitespace(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "c.sql").write_text("-- nothing here\n/* nor here */\n\n   \n", encoding="utf-8")
    code, report, _ = run(capsys, "c.sql")
    assert code == 0
    assert report["findings"] == []


def test_ten_thousand_nested_parentheses(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "deep.sql").write_text("SELECT 1;\n" + NESTED + "SELECT 2 FROM;\n", encoding="utf-8")
    code, report, _ = run(capsys, "deep.sql")
    assert code == 1
    found = findings(report, "deep.sql")
    # The deep statement is one located SL001 on line 2; the file goes on being read.
    assert [(rule, line) for rule, line, _, _ in found] == [("SL001", 2), ("SL001", 3)]


def test_deep_nesting_that_parses(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Deep enough to defeat naive recursion in Python, shallow enough for PostgreSQL."""
    sql = "SELECT " + "(" * 900 + "1" + ")" * 900 + " FROM t WHERE " + "(" * 900 + "a = 1" \
          + ")" * 900 + ";\n"
    (repo / "deepok.sql").write_text(sql, encoding="utf-8")
    code, report, _ = run(capsys, "deepok.sql")
    assert code in (0, 1)
    assert all(rule != "SL001" for rule, *_ in findings(report, "deepok.sql"))


def test_dangling_symlink(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "ok.sql").write_text("SELECT 1;\n", encoding="utf-8")
    (repo / "broken.sql").symlink_to(repo / "nowhere" / "gone.sql")
    code, report, err = run(capsys, ".")
    assert code in (1, 2)
    if code == 2:
        assert err.count("\n") == 1 and err.startswith("sqllint: ")
    else:
        assert [f for f in report["findings"] if f["rule"] == "SL001"
                and "cannot read file" in f["message"]]


def test_fifo_does_not_hang(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo(repo / "pipe.sql")
    (repo / "ok.sql").write_text("SELECT 1;\n", encoding="utf-8")
    code, report, _ = run(capsys, ".")
    assert code == 1
    assert findings(report, "pipe.sql") == [
        ("SL001", 1, 1, "cannot read file: not a regular file")]


def test_missing_path_is_one_line_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "missing.sql")
    assert code == 2
    assert err.startswith("sqllint: ") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("pyproject.toml", b"[tool.sqllint\nselect = ["),  # not TOML
        ("pyproject.toml", b'[tool.sqllint]\nfail-on = "bogus"\n'),  # bad value
        ("pyproject.toml", b"[tool.sqllint]\nper-file-ignores = 3\n"),  # bad type
        ("sqllint.toml", b"select = \xff\xfe\n"),  # not UTF-8
    ],
)
def test_malformed_config(repo: Path, capsys: pytest.CaptureFixture[str], name: str,
                          content: bytes) -> None:
    (repo / "a.sql").write_text("SELECT 1;\n", encoding="utf-8")
    (repo / name).write_bytes(content)
    code, report, err = run(capsys, "a.sql")
    assert code == 2
    assert report == {}
    assert err.startswith("sqllint: ") and err.count("\n") == 1, err


def test_config_path_is_a_directory(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "a.sql").write_text("SELECT 1;\n", encoding="utf-8")
    (repo / "conf.toml").mkdir()
    code, _, err = run(capsys, "--config", "conf.toml", "a.sql")
    assert code == 2
    assert err.startswith("sqllint: ") and err.count("\n") == 1, err


def test_directory_named_like_a_sql_file(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "x.sql").mkdir()
    (repo / "x.sql" / "inner.sql").write_text("SELECT FROM;\n", encoding="utf-8")
    code, report, _ = run(capsys, "x.sql")
    assert code == 1
    assert [f["rule"] for f in report["findings"]] == ["SL001"]


def test_subprocess_has_no_traceback(repo: Path) -> None:
    (repo / "blob.sql").write_bytes(b"\x00\x00binary")
    (repo / "deep.sql").write_text(NESTED, encoding="utf-8")
    (repo / "latin.sql").write_bytes(b"SELECT '\xe9' FROM;\n")
    (repo / "empty.sql").write_bytes(b"")
    env = {**os.environ, "SQLLINT_CACHE": "0"}
    proc = subprocess.run([sys.executable, "-m", "sqllint.cli", "check", "."], cwd=repo,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    assert "blob.sql:1:1: SL001" in proc.stdout
    assert "deep.sql:1:" in proc.stdout
    assert "latin.sql:1:" in proc.stdout
    (repo / "pyproject.toml").write_text("[tool.sqllint\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "sqllint.cli", "check", "."], cwd=repo,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith("sqllint: ") and proc.stderr.count("\n") == 1
