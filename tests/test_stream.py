"""A check run goes file by file (sqllint.stream) yet reports what a run holding every
statement at once reports; a file too big to analyse is still checked for syntax and
migration safety."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sqllint.check import check_project
from sqllint.cli import main
from sqllint.config import load_config
from sqllint.project import load_project
from sqllint.report.json_report import render
from sqllint.stream import check_stream

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", ["pyapp", "novacron", "catalog_edge"])
def test_file_by_file_reports_what_the_whole_project_reports(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "fixtures" / name, tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SQLLINT_CACHE", "0")
    config = load_config(None, start=tmp_path)
    whole = check_project(load_project([Path(".")], config))
    streamed = check_stream([Path(".")], config, jobs=1)
    assert whole.findings  # the fixture has something to say
    assert render(streamed) == render(whole)


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
        + "SELEC 1;\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SQLLINT_CACHE", "0")
    monkeypatch.setenv("SQLLINT_MAX_FILE_MB", "0.05")
    main(["check", "--format", "json", "."])
    out = capsys.readouterr()
    rules = {f["rule"] for f in json.loads(out.out)["findings"]}
    assert "SL303" in rules  # CONCURRENTLY inside BEGIN: a migration rule
    assert "SL001" in rules  # SELEC: a syntax error
    assert "SL101" not in rules  # its queries were not analysed
    assert "big.sql" in out.err and "syntax and migration rules only" in out.err
    monkeypatch.delenv("SQLLINT_MAX_FILE_MB")
    main(["check", "--format", "json", "."])
    out = capsys.readouterr()
    rules = {f["rule"] for f in json.loads(out.out)["findings"]}
    assert {"SL303", "SL001", "SL101"} <= rules
    assert out.err == ""
