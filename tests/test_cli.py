"""The command line as a user meets it: exit codes, formats, config, suppression."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sqllint.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "CREATE TABLE vms (id bigint PRIMARY KEY, name text, state text);\n"


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _repo(tmp_path, {"schema.sql": SCHEMA, "q.sql": "SELECT * FROM vms WHERE id = 1;\n"})
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_text_output_is_gcc_style_and_exit_1(repo: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["check", "."], capsys)
    assert code == 1
    assert out.splitlines()[0].startswith("q.sql:1:8: SL101 SELECT * from vms expands to 3 columns")


def test_json_contract(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["check", "--format", "json", "."], capsys)
    report = json.loads(out)
    assert set(report) == {"version", "findings", "indexes", "summary"}
    f = report["findings"][0]
    assert {k: f[k] for k in ("rule", "name", "severity", "path", "line", "column")} == {
        "rule": "SL101", "name": "select-star", "severity": "warning", "path": "q.sql",
        "line": 1, "column": 8}
    assert f["end_line"] == 1 and f["end_column"] == 9
    assert report["summary"] == {"files": 2, "statements": 2, "findings": len(report["findings"]),
                                 "schema": {"found": True, "tables": 1}}
    assert code == 1


def test_select_ignore_and_fail_on(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["check", "--ignore", "SL101", "."], capsys)[0] == 0
    assert _run(["check", "--select", "SL2", "."], capsys)[0] == 0
    assert _run(["check", "--fail-on", "error", "."], capsys)[0] == 0
    assert _run(["check", "--select", "SL101", "--fail-on", "warning", "."], capsys)[0] == 1


def test_inline_suppression(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:
    _repo(tmp_path, {
        "schema.sql": SCHEMA,
        "a.sql": "SELECT * FROM vms WHERE id = 1; -- sqllint: disable=SL101\n",
        "b.sql": "-- sqllint: disable=SL101\nSELECT * FROM vms WHERE id = 1;\n",
        "c.sql": "-- sqllint: disable-file=SL101\nSELECT 1;\n\nSELECT * FROM vms WHERE id = 1;\n",
        "d.sql": "SELECT * FROM vms WHERE id = 1; -- sqllint: disable=SL102\n",
    })
    monkeypatch.chdir(tmp_path)
    _, out, _ = _run(["check", "--select", "SL101", "--format", "json", "."], capsys)
    assert [f["path"] for f in json.loads(out)["findings"]] == ["d.sql"]


def test_config_in_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    _repo(tmp_path, {
        "schema.sql": SCHEMA, "q.sql": "SELECT * FROM vms WHERE id = 1;\n",
        "pyproject.toml": '[tool.sqllint]\nignore = ["SL101"]\n'
                          '[tool.sqllint.per-file-ignores]\n"legacy/*" = ["SL1"]\n',
        "legacy/old.sql": "SELECT * FROM vms;\n",
    })
    monkeypatch.chdir(tmp_path)
    _, out, _ = _run(["check", "--format", "json", "."], capsys)
    assert [f for f in json.loads(out)["findings"] if f["rule"].startswith("SL1")] == []


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[tool.sqllint\nselect = 1", "invalid TOML"),
        ('[tool.sqllint]\nselct = ["SL1"]\n', "unknown key"),
        ('[tool.sqllint]\nfail-on = "sometimes"\n', "fail-on"),
        ('[tool.sqllint]\nselect = "SL1"\nignore = 3\n', "'ignore' must be a list"),
    ],
)
def test_bad_config_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str], config: str,
                                          message: str) -> None:
    _repo(tmp_path, {"pyproject.toml": config, "q.sql": "SELECT 1;\n"})
    monkeypatch.chdir(tmp_path)
    code, _, err = _run(["check", "."], capsys)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_missing_path_and_unknown_option_exit_2(repo: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["check", "nope.sql"], capsys)
    assert code == 2 and "nope.sql" in err
    code, _, err = _run(["check", "--frobnicate"], capsys)
    assert code == 2 and "frobnicate" in err


def test_rules_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["rules"], capsys)
    assert code == 0 and "SL201  fk-without-index" in out
    code, out, _ = _run(["explain", "SL201"], capsys)
    assert code == 0
    for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:"):
        assert section in out
    assert _run(["explain", "SL999"], capsys)[0] == 2


def test_every_rule_doc_has_the_four_sections() -> None:
    from sqllint.rules import all_rules

    for rule in all_rules():
        for section in ("## What it does", "## Why is this bad?", "## Example", "Use instead:"):
            assert section in rule.doc, (rule.code, section)


def test_statements_json_lists_where_and_whether_parsed(repo: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "bad.sql").write_text("SELECT 1;\n\n  SELEC 2;\n")
    code, out, _ = _run(["statements", "--format", "json", "."], capsys)
    rows = json.loads(out)["statements"]
    bad = [r for r in rows if r["path"] == "bad.sql"]
    assert [(r["line"], r["column"], r["parsed"]) for r in bad] == [(1, 1, True), (3, 3, False)]
    assert {r["kind"] for r in rows} >= {"ddl", "query"}
    assert code == 0


def test_schema_json(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = _run(["schema", "--format", "json", "."], capsys)
    tables = json.loads(out)["tables"]
    assert [(t["name"], [c["name"] for c in t["columns"]]) for t in tables] == [
        ("vms", ["id", "name", "state"])]
    assert tables[0]["indexes"][0]["primary"] is True


def test_console_script_runs_on_the_bundled_example() -> None:
    proc = subprocess.run([sys.executable, "-m", "sqllint.cli", "check", "--format", "json",
                           "fixtures/novacron"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    rules = {f["rule"] for f in json.loads(proc.stdout)["findings"]}
    assert {"SL101", "SL201", "SL202", "SL204", "SL205"} <= rules


def test_each_folder_with_its_own_config_is_its_own_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Two sample repositories with a table of the same name but different columns.
    _repo(tmp_path, {
        "a/sqllint.toml": "",
        "a/schema.sql": "CREATE TABLE t (id int PRIMARY KEY, x int);\n",
        "a/q.sql": "SELECT * FROM t WHERE id = 1;\n",
        "b/sqllint.toml": "",
        "b/schema.sql": "CREATE TABLE t (id int PRIMARY KEY, y int, z int);\n",
        "b/q.sql": "SELECT * FROM t WHERE id = 1;\n",
    })
    monkeypatch.chdir(tmp_path)
    _, out, _ = _run(["check", "--select", "SL101", "--format", "json", "."], capsys)
    report = json.loads(out)
    messages = {f["path"]: f["message"] for f in report["findings"]}
    assert "expands to 2 columns" in messages["a/q.sql"]
    assert "expands to 3 columns" in messages["b/q.sql"]
    assert report["summary"]["files"] == 4


def test_stdin_buffer_of_a_file_not_yet_saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import io

    _repo(tmp_path, {"schema.sql": SCHEMA})
    (tmp_path / ".git").mkdir()  # the project root: the work tree
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO("SELECT * FROM vms WHERE id = 1;\n"))
    code, out, err = _run(["check", "--stdin-filename", "new/q.sql", "-"], capsys)
    assert code == 1, err
    assert out.startswith("new/q.sql:1:8: SL101 SELECT * from vms expands to 3 columns")
    assert not (tmp_path / "new").exists()
