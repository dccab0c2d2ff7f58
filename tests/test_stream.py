"""A check run goes file by file (sqllint.stream) yet reports what a run holding every
statement at once reports; a file too big to analyse is still checked for syntax and
migration safety."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sqllint.check import check_project
from sqllint.cli import main
from sqllint.config import Config, load_config
from sqllint.model import Edit, Finding, Fix, Location
from sqllint.project import load_project
from sqllint.report.json_report import as_dict, pieces, render
from sqllint.result import CheckResult
from sqllint.sources import sqlfile
from sqllint.stream import _Spacing, check_stream

ROOT = Path(__file__).resolve().parent.parent


def _fixture(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    """A copy of ``fixtures/name`` as the working directory, no cache: its config."""
    shutil.copytree(ROOT / "fixtures" / name, tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SQLLINT_CACHE", "0")
    return load_config(None, start=tmp_path)


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize(
    "name", ["pyapp", "novacron", "catalog_edge", "catalog_fk_partial", "pydual"])
def test_file_by_file_reports_what_the_whole_project_reports(
    name: str, jobs: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A checkpoint every few characters: each file's catalog snapshots are replayed
    # from a different starting point, in one process or two.
    monkeypatch.setattr(_Spacing, "STEP", 64)
    config = _fixture(name, tmp_path, monkeypatch)
    whole = check_project(load_project([Path(".")], config))
    streamed = check_stream([Path(".")], config, jobs=jobs)
    assert whole.findings  # the fixture has something to say
    assert render(streamed) == render(whole)


def test_files_read_ahead_where_no_process_can_start_are_read_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A sandbox that forbids new processes: the schema pass reads every file itself and
    # the rule pass runs in-process, with the same findings.
    import concurrent.futures

    config = _fixture("novacron", tmp_path, monkeypatch)
    alone = render(check_stream([Path(".")], config, jobs=1))

    def forbidden(*args: object, **kwargs: object) -> None:
        raise OSError("no processes here")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", forbidden)
    assert render(check_stream([Path(".")], config, jobs=2)) == alone


def test_a_subset_of_the_files_reports_what_the_whole_project_reports_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Targets after files that are read for their schema only: the replay starts again
    # at each run of targets.
    config = _fixture("novacron", tmp_path, monkeypatch)
    sql = sorted(p for p in Path(".").rglob("*.sql"))
    chosen = sql[1::2]
    whole = check_project(load_project(chosen, config))
    for jobs in (1, 2):
        assert render(check_stream(chosen, config, jobs=jobs)) == render(whole)


def test_the_json_report_is_written_as_json_dumps_writes_it() -> None:
    where = Location("q.sql", 3, 1, 3, 9)
    fix = Fix("quote it", (Edit(3, 1, 3, 9, 'é"\\\n\t\u2028'),), safe=False)
    findings = (Finding("SL101", "select-star", "warning", where, "naïve \"msg\"", "CREATE"),
                Finding("SL102", "x", "error", where, "m", None, "s", "t", None, fix))
    for result in (CheckResult(findings=findings, indexes=(), files=1, statements=2,
                               schema_found=False, schema_tables=0),
                   CheckResult(findings=(), indexes=(), files=0, statements=0,
                               schema_found=True, schema_tables=3)):
        assert "".join(pieces(result)) == json.dumps(as_dict(result), indent=2,
                                                     ensure_ascii=False) + "\n"


def test_queries_see_the_schema_of_files_read_after_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Discovery reads a_queries.sql first; its query sees the schema of every file (the
    # table of z_schema.sql, without the column the migration drops), and that
    # migration's finding names the query read before it.
    (tmp_path / "a_queries.sql").write_text("SELECT id, note FROM jobs WHERE id = $1;\n")
    (tmp_path / "z_schema.sql").write_text("CREATE TABLE jobs (id bigint PRIMARY KEY, "
                                           "note text);\n")
    mig = tmp_path / "migrations"
    mig.mkdir()
    (mig / "000001_drop_note.up.sql").write_text("ALTER TABLE jobs DROP COLUMN note;\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SQLLINT_CACHE", "0")
    main(["check", "--format", "json", "--select", "SL002,SL003,SL318", "."])
    found = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule"], f["path"]) for f in found] == [
        ("SL003", "a_queries.sql"), ("SL318", "migrations/000001_drop_note.up.sql")], found
    assert "a_queries.sql:1:" in found[1]["message"]


def test_a_file_over_the_size_limit_gets_syntax_and_migration_rules_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = "".join(f"INSERT INTO vms VALUES ({i}, 'x');\n" for i in range(3000))
    (tmp_path / "big.sql").write_text(
        "CREATE TABLE vms (id bigint PRIMARY KEY, state text);\n" + rows
        + "SELECT * FROM vms;\n"
        + "BEGIN;\nCREATE INDEX CONCURRENTLY vms_state ON vms (state);\nCOMMIT;\n"
        + "SELEC 1;\n" + "INSERT INTO vms VALUES (9999, 'x',);\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SQLLINT_CACHE", "0")
    monkeypatch.setenv("SQLLINT_MAX_FILE_MB", "0.05")
    main(["check", "--format", "json", "."])
    out = capsys.readouterr()
    found = json.loads(out.out)["findings"]
    rules = {f["rule"] for f in found}
    assert "SL303" in rules  # CONCURRENTLY inside BEGIN: a migration rule
    # SELEC, and an INSERT (a query, whose tree is never built here): syntax errors
    assert [f["line"] for f in found if f["rule"] == "SL001"] == [3006, 3007]
    assert "SL101" not in rules  # its queries were not analysed
    assert "big.sql" in out.err and "syntax and migration rules only" in out.err
    monkeypatch.delenv("SQLLINT_MAX_FILE_MB")
    main(["check", "--format", "json", "."])
    out = capsys.readouterr()
    rules = {f["rule"] for f in json.loads(out.out)["findings"]}
    assert {"SL303", "SL001", "SL101"} <= rules
    assert out.err == ""


# Six statements whose semicolons a cut can fall after without ending a statement.
_CUT_HERE = ("CREATE TABLE t (a text);\n"
             "INSERT INTO t VALUES ('x;\ny');\n"
             "/* a comment;\n still */ SELECT 1;\n"
             "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC\n"
             "  SELECT 1;\n  SELECT 2;\nEND;\n"
             "DO $$ BEGIN PERFORM 1;\n END $$;\n"
             "-- a line comment;\nSELECT 2;\n")


def test_a_long_file_is_split_where_the_parser_splits_it_whole() -> None:
    # Cut in pieces of a few characters: cuts fall inside quotes, comments, dollar
    # quotes and BEGIN ATOMIC bodies, and each is mended by taking in the next piece.
    text = _CUT_HERE * 20
    whole = sqlfile.split(text, piece=len(text) + 1)
    assert len(whole) == 6 * 20
    for piece in (1, 7, 30, 200):
        assert sqlfile.split(text, piece=piece) == whole
    broken = text + "SELECT FROM WHERE;\n" + text  # no parse: the scanner's split
    assert sqlfile.split(broken, piece=30) == sqlfile.split(broken, piece=len(broken) + 1)


def test_a_long_file_that_does_not_parse_is_scanned_window_by_window() -> None:
    # Scanning a whole file at once takes 40 times its size in tokens: it is scanned a
    # window at a time, with the spans of one scan of the whole, whatever the cuts hit
    # (quotes, comments, dollar quotes, BEGIN ATOMIC bodies, lexical errors).
    text = (_CUT_HERE + "SELECT FROM WHERE;\nSELECT 123abc;\nSELECT 2;\n") * 20
    whole = sqlfile._scan_split(text, window=len(text) + 1)
    assert len(whole) == 9 * 20
    for tail in ("", "SELECT 'unterminated;\n SELECT 3;\n", "SELECT (1;\n"):
        once = sqlfile._scan_split(text + tail, window=len(text) + len(tail) + 1)
        for window in (1, 7, 30, 200):
            assert sqlfile._scan_split(text + tail, window=window) == once, (tail, window)
        # and the split of a long text with a syntax error is that scan
        assert sqlfile.split(text + tail, piece=30) == once


@pytest.mark.parametrize("fmt", ["json", "text", "sarif", "github"])
def test_many_findings_are_stored_compressed_and_reported_the_same(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A large repository's findings are held compressed (sqllint.result.Findings): here
    # past a handful. Reports, the result cache, baselines see the same findings.
    from sqllint.result import FindingsWriter

    shutil.copytree(ROOT / "fixtures" / "novacron", tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SQLLINT_CACHE", "1")
    monkeypatch.setenv("SQLLINT_CACHE_DIR", str(tmp_path / "cache"))

    def outputs() -> list[str]:
        got = []
        for argv in (["--no-cache"], [], [], ["--write-baseline", "base.json"],
                     ["--baseline", "base.json"]):
            if argv[:1] == ["--baseline"]:  # half of the recorded findings are new
                base = json.loads(Path("base.json").read_text())
                base["findings"] = base["findings"][::2]
                Path("base.json").write_text(json.dumps(base))
            main(["check", "--format", fmt, "--jobs", "1", *argv, "."])
            out, _ = capsys.readouterr()
            got.append(out + Path("base.json").read_text() if argv[:1] == ["--write-baseline"]
                       else out)
        return got

    held = outputs()
    shutil.rmtree(tmp_path / "cache")  # the second and third runs: cold, then warm
    monkeypatch.setattr(FindingsWriter, "LIMIT", 3)
    monkeypatch.setattr(FindingsWriter, "PIECE", 4)
    compressed = outputs()
    assert len(held[0]) > 2000  # something to say
    assert compressed == held


def test_compressed_findings_read_back_as_they_were_written() -> None:
    from sqllint.result import Findings, findings_of

    where = Location("q.sql", 3, 1, 3, 9)
    fix = Fix("quote it", (Edit(3, 1, 3, 9, 'é"\\\n\t'),), safe=False, adds=("IndexStmt",))
    findings = [Finding("SL101", "select-star", "warning", replace_line(where, n), f"m{n}",
                        "CREATE INDEX", "select *", "t", None, fix if n % 2 else None)
                for n in range(1, 12)]
    import pickle

    from sqllint.result import FindingsWriter
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(FindingsWriter, "LIMIT", 2)
        mp.setattr(FindingsWriter, "PIECE", 3)
        stored = findings_of(findings)
    assert isinstance(stored, Findings)
    assert list(stored) == findings and len(stored) == 11
    assert [stored[i] for i in (0, 4, -1)] == [findings[0], findings[4], findings[-1]]
    assert pickle.loads(pickle.dumps(stored)) == findings


def replace_line(where: Location, line: int) -> Location:
    return Location(where.path, line, where.column, line, where.end_column)


def _children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process pools: Linux")
def test_ctrl_c_while_worker_processes_check_stops_without_a_traceback(
    tmp_path: Path
) -> None:
    # A terminal's Ctrl-C reaches every process of the group: the workers leave it to
    # the parent, which cancels what is left and says it stopped.
    for i in range(24):
        (tmp_path / f"f{i:03d}.sql").write_text(
            f"CREATE TABLE t{i} (id int PRIMARY KEY, a text, b int);\n"
            + f"SELECT a, b FROM t{i} WHERE b = 1 ORDER BY a;\n" * 800)
    run = subprocess.Popen(
        [sys.executable, "-m", "sqllint.cli", "check", "--no-cache", "--jobs", "2", "."],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,  # a group of its own, as a terminal's job is
        # as from a terminal, whatever this test runs under (a CI job may ignore it)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while len(_children(run.pid)) < 2 and run.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.005)
    assert len(_children(run.pid)) >= 2, "the rule pass's two workers never ran"
    os.killpg(run.pid, signal.SIGINT)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 2
    assert err.decode().strip().splitlines() == ["sqllint: aborted"]
