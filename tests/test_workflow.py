"""Workflow features: fingerprints, baselines, --diff, --stdin-filename, github/markdown."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sqllint.cli import main

FIXTURE = Path(__file__).parents[1] / "fixtures" / "novacron"

SCHEMA = """\
CREATE TABLE accounts (
    id bigint PRIMARY KEY,
    email text NOT NULL,
    created_at timestamptz NOT NULL
);
"""
STAR = "SELECT * FROM accounts WHERE id = $1;\n"
OTHER_STAR = "SELECT * FROM accounts WHERE email = $1;\n"
GOOD = "SELECT id, email FROM accounts WHERE id = $1;\n"


def run(argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str | None = None
        ) -> tuple[int, str, str]:
    old = sys.stdin
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        code = main(argv)
    finally:
        sys.stdin = old
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "schema.sql").write_text(SCHEMA)
    (tmp_path / "queries.sql").write_text("-- queries\n" + STAR)
    (tmp_path / "sqllint.toml").write_text("# the project root\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SQLLINT_CACHE", "0")
    return tmp_path


def sarif_results(capsys: pytest.CaptureFixture[str], *paths: str) -> list[dict[str, object]]:
    code, out, _ = run(["check", "--format", "sarif", *paths], capsys)
    assert code in (0, 1)
    results: list[dict[str, object]] = json.loads(out)["runs"][0]["results"]
    return results


def _line(result: dict[str, object]) -> int:
    loc: Any = result["locations"]
    return int(loc[0]["physicalLocation"]["region"]["startLine"])


def test_fingerprints_survive_lines_inserted_above(repo: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    before = sarif_results(capsys, "queries.sql")
    assert [r["ruleId"] for r in before] == ["SL101"]
    (repo / "queries.sql").write_text("-- queries\n-- a comment\n\n" + GOOD + "\n" + STAR)
    after = sarif_results(capsys, "queries.sql")
    assert [r["ruleId"] for r in after] == ["SL101"]
    assert _line(after[0]) == _line(before[0]) + 4
    assert after[0]["partialFingerprints"] == before[0]["partialFingerprints"]


def test_fingerprint_changes_with_the_statement(repo: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    before = sarif_results(capsys, "queries.sql")
    (repo / "queries.sql").write_text("-- queries\n" + OTHER_STAR)
    after = sarif_results(capsys, "queries.sql")
    assert after[0]["partialFingerprints"] != before[0]["partialFingerprints"]


def test_baseline_reports_only_new_findings(repo: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check", "--write-baseline", "baseline.json", "."], capsys)
    assert code == 0
    recorded = json.loads((repo / "baseline.json").read_text())["findings"]
    assert [e["rule"] for e in recorded] == ["SL101"]

    code, out, _ = run(["check", "--baseline", "baseline.json", "."], capsys)
    assert code == 0, out
    assert "SL101" not in out

    # Moving the old finding down and adding a new one: only the new one is reported.
    (repo / "queries.sql").write_text("-- queries\n\n\n" + STAR + OTHER_STAR)
    code, out, _ = run(["check", "--baseline", "baseline.json", "."], capsys)
    assert code == 1
    assert re.findall(r"^queries\.sql:(\d+):\d+: SL101", out, re.M) == ["5"]


def test_a_baseline_recorded_by_an_earlier_version_still_matches(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Users keep baselines for months: a finding's fingerprint never changes with how
    # sqllint stores findings. This one was recorded by sqllint 0.1.0.
    (repo / "baseline.json").write_text(json.dumps({"sqllint": "0.1.0", "format": 1,
                                                    "findings": [{
        "fingerprint": "6ef40d23bae608f93e145d0858003db8", "rule": "SL101",
        "path": "queries.sql", "line": 2, "message": "SELECT * from accounts ..."}]}))
    code, out, _ = run(["check", "--baseline", "baseline.json", "."], capsys)
    assert code == 0, out
    assert "SL101" not in out


def test_baseline_tells_duplicates_apart(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(["check", "--write-baseline", "baseline.json", "."], capsys)
    (repo / "queries.sql").write_text("-- queries\n" + STAR + STAR)
    code, out, _ = run(["check", "--baseline", "baseline.json", "."], capsys)
    assert code == 1
    assert re.findall(r"^queries\.sql:(\d+):\d+: SL101", out, re.M) == ["3"]


def test_missing_or_invalid_baseline_is_a_usage_error(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["check", "--baseline", "nope.json", "."], capsys)
    assert code == 2
    assert "nope.json does not exist" in err
    (repo / "bad.json").write_text("[1, 2]")
    code, _, err = run(["check", "--baseline", "bad.json", "."], capsys)
    assert code == 2
    assert "not a sqllint baseline" in err


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_reports_only_changed_lines(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "base")
    (repo / "queries.sql").write_text("-- queries\n" + STAR + GOOD + OTHER_STAR)
    (repo / "new.sql").write_text(STAR)  # untracked: every line is new

    code, out, _ = run(["check", "--format", "json", "--select", "SL101", "--diff", "HEAD", "."],
                       capsys)
    assert code == 1
    found = sorted((f["path"], f["line"]) for f in json.loads(out)["findings"])
    assert found == [("new.sql", 1), ("queries.sql", 4)]

    code, out, _ = run(["check", "--format", "json", "--select", "SL101", "."], capsys)
    assert len(json.loads(out)["findings"]) == 3

    code, _, err = run(["check", "--diff", "no-such-ref", "."], capsys)
    assert code == 2
    assert "unknown git revision 'no-such-ref'" in err


def test_diff_outside_git_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    if subprocess.run(["git", "rev-parse"], cwd=repo, capture_output=True).returncode == 0:
        pytest.skip("the temporary directory is inside a git work tree")
    code, _, err = run(["check", "--diff", "HEAD", "."], capsys)
    assert code == 2
    assert "not inside a git repository" in err


def test_stdin_buffer_gives_the_same_findings_as_the_saved_file(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(FIXTURE)
    monkeypatch.setenv("SQLLINT_CACHE", "0")
    target = "queries/report_04_multi_tenant_vms.sql"
    saved_code, saved, _ = run(["check", target], capsys)
    text = (FIXTURE / target).read_text()
    piped_code, piped, _ = run(["check", "--stdin-filename", target, "-"], capsys, stdin=text)
    assert saved_code == piped_code == 1
    assert piped == saved
    assert f"{target}:2:8: SL101" in piped  # gcc style: path:line:col: CODE message

    # The unsaved buffer is what is linted, with the schema from the repository.
    edited = text.replace("SELECT v.*", "SELECT v.id, v.name")
    code, out, _ = run(["check", "--select", "SL101", "--stdin-filename", target, "-"], capsys,
                       stdin=edited)
    assert "SL101" not in out
    assert code == 0


def test_stdin_python_buffer(monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(FIXTURE)
    monkeypatch.setenv("SQLLINT_CACHE", "0")
    target = "app/repository.py"
    _, saved, _ = run(["check", "--format", "json", target], capsys)
    _, piped, _ = run(["check", "--format", "json", "--stdin-filename", target, "-"], capsys,
                      stdin=(FIXTURE / target).read_text())
    assert json.loads(piped)["findings"] == json.loads(saved)["findings"]
    assert json.loads(piped)["findings"]


def test_github_annotations(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check", "--format", "github", "."], capsys)
    assert code == 1
    lines = out.splitlines()
    assert re.fullmatch(
        r"::warning file=queries\.sql,line=2,col=8,endLine=2,endColumn=9,"
        r"title=SL101 select-star::SELECT \* from accounts expands to 3 columns.*", lines[0])
    assert lines[-1].startswith("Found 1 finding")


def test_github_escapes_newlines_and_separators() -> None:
    from sqllint.model import Finding, Location
    from sqllint.report.github import annotation

    f = Finding("SL103", "unindexed-filter", "error", Location("a,b:c.sql", 3, 1, 4, 2),
                "50% of rows\nscanned", suggestion="CREATE INDEX x ON t (a);")
    assert annotation(f) == ("::error file=a%2Cb%3Ac.sql,line=3,col=1,endLine=4,endColumn=2,"
                             "title=SL103 unindexed-filter::50%25 of rows%0Ascanned%0A"
                             "CREATE INDEX x ON t (a);")


def test_markdown_for_pull_requests(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["check", "--format", "markdown", "."], capsys)
    assert code == 1
    assert out.startswith("## sqllint\n")
    assert "| 🟠 | `queries.sql:2:8` | SL101 select-star | SELECT \\* from accounts" in out
    (repo / "queries.sql").write_text(GOOD)
    code, out, _ = run(["check", "--format", "markdown", "."], capsys)
    assert code == 0
    assert "No findings" in out
