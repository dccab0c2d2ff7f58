"""Large inputs finish, in bounded memory, without hitting the recursion limit.

Each case runs sqllint in a child process (its peak RSS read with ``os.wait4``) with a
generous timeout: these are not timing tests, a timeout means a hang. Bounds:

* a 50 MB SQL dump (DDL, a 50 MB ``COPY … FROM stdin`` block, a query): peak RSS under
  1 GB. The file's text is held a few times over (text, psql-blanked copy, line index),
  so about 10x the file size is expected, and a leak per data line would exceed it.
* 100,000 statements in one file and 10,000 nested parentheses: they finish, with no
  traceback and no internal error.

``SQLLINT_HEAVY_TESTS=1`` adds a 50 MB file of 800,000 small statements (under 1 GB since
the run streams; minutes of CPU), not run in CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

MB = 1024 * 1024


def lint(folder: Path, *args: str, timeout: float = 300) -> tuple[int, str, str, float]:
    """(exit code, stdout, stderr, peak RSS in MB) of ``sqllint check`` in ``folder``."""
    env = {**os.environ, "SQLLINT_CACHE": "0"}
    out_path, err_path = folder.parent / "out.txt", folder.parent / "err.txt"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "sqllint.cli", "check", *args],
                                cwd=folder, env=env, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                pytest.fail(f"sqllint did not finish within {timeout} s")
            time.sleep(0.05)
    code = os.waitstatus_to_exitcode(status)
    return (code, out_path.read_text(errors="replace"), err_path.read_text(errors="replace"),
            usage.ru_maxrss / 1024)


def write_rows(path: Path, size: int, head: str, row: Callable[[int], str],
               tail: str = "") -> None:
    """``head``, then ``row(0)``, ``row(1)``, … up to ``size`` characters, then ``tail``."""
    with path.open("w", encoding="utf-8") as f:
        f.write(head)
        written, n = 0, 0
        while written < size:
            line = row(n)
            f.write(line)
            written += len(line)
            n += 1
        f.write(tail)


def assert_clean(code: int, stderr: str) -> None:
    assert code in (0, 1), stderr[-2000:]
    assert "Traceback" not in stderr
    assert "internal error" not in stderr, stderr[-2000:]


def test_fifty_megabyte_dump(tmp_path: Path) -> None:
    folder = tmp_path / "repo"
    folder.mkdir()
    target = folder / "dump.sql"
    with target.open("w", encoding="utf-8") as f:
        f.write("CREATE TABLE t (id bigint PRIMARY KEY, a text, b int);\n"
                "CREATE INDEX t_b ON t (b);\n"
                "COPY t (id, a, b) FROM stdin;\n")
        size, i = 0, 0
        while size < 50 * MB:
            chunk = "".join(f"{n}\tsome value number {n} with text\t{n % 97}\n"
                            for n in range(i, i + 10_000))
            f.write(chunk)
            size += len(chunk)
            i += 10_000
        f.write("\\.\n\nSELECT a FROM t WHERE b = 3 ORDER BY id LIMIT 10;\nSELECT FROM;\n")
    lines = i + 7  # 3 header lines, the rows, "\\.", a blank line, the query
    code, out, err, peak = lint(folder, "--format", "text", "dump.sql")
    assert_clean(code, err)
    # The statements after the data block are found, at their real lines.
    assert f"dump.sql:{lines}:12: SL001" in out, out[-500:]
    assert peak < 1024, f"peak RSS {peak:.0f} MB"


def test_hundred_thousand_statements(tmp_path: Path) -> None:
    folder = tmp_path / "repo"
    folder.mkdir()
    body = ["CREATE TABLE t (id bigint PRIMARY KEY, a text, b int);\n"]
    for n in range(100_000):
        body.append(f"INSERT INTO t VALUES ({n}, 'v{n}', {n % 7});\n" if n % 2 else
                    f"SELECT a FROM t WHERE id = {n};\n")
    body.append("SELECT FROM;\n")
    (folder / "many.sql").write_text("".join(body), encoding="utf-8")
    code, out, err, _ = lint(folder, "many.sql")
    assert_clean(code, err)
    assert "many.sql:100002:12: SL001" in out
    assert "(100002 statements)" in out


def test_ten_thousand_nested_parentheses(tmp_path: Path) -> None:
    folder = tmp_path / "repo"
    folder.mkdir()
    deep = "SELECT " + "(" * 10_000 + "1" + ")" * 10_000 + ";\n"
    parses = ("SELECT " + "(" * 3_000 + "a" + ")" * 3_000 + " FROM t WHERE "
              + "(" * 3_000 + "a = 1" + ")" * 3_000 + ";\n")
    (folder / "deep.sql").write_text(deep + parses + "SELECT 1 FROM;\n", encoding="utf-8")
    code, out, err, _ = lint(folder, "deep.sql", timeout=120)
    assert_clean(code, err)
    assert "deep.sql:1:" in out  # the 10,000-deep statement: a located SL001
    assert "deep.sql:2:" not in out  # 3,000 deep parses, and is analysed without a crash
    assert "deep.sql:3:" in out


def test_a_single_insert_of_twenty_five_megabytes(tmp_path: Path) -> None:
    # Over the 20 MB limit: checked for syntax only; its tree (gigabytes as Python
    # objects) is never built.
    folder = tmp_path / "repo"
    folder.mkdir()
    write_rows(folder / "load.sql", 25 * MB,
               "CREATE TABLE t (id bigint PRIMARY KEY, a text, b int);\n"
               "INSERT INTO t (id, a, b) VALUES\n",
               lambda n: f"{',' if n else ' '}({n}, 'value {n}', {n % 97})\n",
               ";\nCREATE INDEX t_b ON t (b);\n")  # no syntax error anywhere
    code, out, err, peak = lint(folder, "load.sql")
    assert_clean(code, err)
    assert "in 1 file (3 statements)" in out, out[-500:]
    assert "syntax and migration rules only" in err
    assert peak < 1024, f"peak RSS {peak:.0f} MB"


@pytest.mark.skipif(os.environ.get("SQLLINT_HEAVY_TESTS") != "1",
                    reason="SQLLINT_HEAVY_TESTS=1 runs it (minutes)")
def test_fifty_megabytes_of_statements(tmp_path: Path) -> None:
    folder = tmp_path / "repo"
    folder.mkdir()
    write_rows(folder / "big.sql", 50 * MB,
               "CREATE TABLE t (id bigint PRIMARY KEY, a text, b int);\n",
               lambda n: f"INSERT INTO t (id, a, b) VALUES ({n}, 'value {n}', {n % 97});\n")
    code, _, err, peak = lint(folder, "big.sql", timeout=1800)
    assert_clean(code, err)
    assert peak < 1024, f"peak RSS {peak:.0f} MB"
