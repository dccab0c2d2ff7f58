"""--fix on every rule case that has a fixable finding: the expected text, idempotent,
the finding gone, every other statement unchanged (pglast fingerprints)."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from pglast import parser as pg

from sqllint.cli import main
from sqllint.sources import sqlfile
from tests.rule_cases import Case, load_cases, write_case

CASES = load_cases()
FIXED = [c for c in CASES if "fixed" in c.data]


def _lint(case: Case, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    rule = case.rule
    code = main(["check", "--format", "json", "--select", case.select, "."])
    out = capsys.readouterr()
    assert code in (0, 1), out.err
    return [f for f in json.loads(out.out)["findings"] if f["rule"] == rule]


def _fingerprints(path: str, text: str) -> list[tuple[int, int, str]]:
    """(first line, last line, fingerprint) of each statement that parses."""
    out = []
    for stmt in sqlfile.statements(path, text):
        if stmt.node is not None:
            out.append((stmt.line, stmt.position(len(stmt.sql))[0], pg.fingerprint(stmt.sql)))
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_fixable_case_has_its_fixed_text(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_case(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    fixable = [f for f in _lint(case, capsys) if "fix" in f]
    assert bool(fixable) == ("fixed" in case.data), \
        f"fixable findings {[(f['path'], f['line']) for f in fixable]}: give `fixed:` texts"


@pytest.mark.parametrize("case", FIXED, ids=[c.id for c in FIXED])
def test_fix_gives_the_expected_text(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_case(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    before = {rel: (tmp_path / rel).read_text(encoding="utf-8") for rel in case.files()}
    found = _lint(case, capsys)
    fixed_lines = {(f["path"], f["line"]) for f in found if "fix" in f}

    code = main(["check", "--fix", "--unsafe-fixes", "--select", case.select, "."])
    err = capsys.readouterr().err
    assert code in (0, 1), err
    assert "fixed" in err
    after = {rel: (tmp_path / rel).read_text(encoding="utf-8") for rel in case.files()}
    changed = {rel: text for rel, text in after.items() if text != before[rel]}
    assert changed == case.data["fixed"]

    # The fixed findings are gone, and a second --fix changes nothing (idempotent).
    left = {(f["path"], f["line"]) for f in _lint(case, capsys) if "fix" in f}
    assert not left, left
    remaining = _lint(case, capsys)
    assert len(remaining) == len(found) - sum(1 for f in found if "fix" in f)
    main(["check", "--fix", "--unsafe-fixes", "--select", case.select, "."])
    capsys.readouterr()
    assert {rel: (tmp_path / rel).read_text(encoding="utf-8") for rel in case.files()} == after

    # Every statement the fixes did not touch is the same statement.
    for rel in changed:
        touched = {line for path, line in fixed_lines if path == rel}
        untouched = Counter(fp for first, last, fp in _fingerprints(rel, before[rel])
                            if not any(first <= line <= last for line in touched))
        assert not untouched - Counter(fp for *_, fp in _fingerprints(rel, after[rel]))


def test_show_fixes_prints_a_diff_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_init.sql").write_text(
        "CREATE TABLE vms (id bigint PRIMARY KEY, state text);\n", encoding="utf-8")
    target = tmp_path / "migrations" / "002_state.sql"
    target.write_text("CREATE INDEX vms_state ON vms (state);\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code = main(["check", "--show-fixes", "."])
    out = capsys.readouterr().out
    assert code == 1
    assert "-CREATE INDEX vms_state ON vms (state);" in out
    assert "+CREATE INDEX CONCURRENTLY vms_state ON vms (state);" in out
    assert target.read_text(encoding="utf-8") == "CREATE INDEX vms_state ON vms (state);\n"


def test_unsafe_fixes_wait_for_the_flag(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "schema.sql").write_text("CREATE TABLE vms (id bigint PRIMARY KEY, name text);\n",
                                         encoding="utf-8")
    query = tmp_path / "query.sql"
    query.write_text("SELECT * FROM vms WHERE id = $1;\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--fix", "."]) == 1
    assert "1 more fix(es) available with --unsafe-fixes" in capsys.readouterr().err
    assert query.read_text(encoding="utf-8") == "SELECT * FROM vms WHERE id = $1;\n"
    assert main(["check", "--fix", "--unsafe-fixes", "."]) == 0
    assert query.read_text(encoding="utf-8") == "SELECT id, name FROM vms WHERE id = $1;\n"


def test_fix_writes_through_a_rename(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "schema.sql").write_text("CREATE TABLE vms (id bigint PRIMARY KEY);\n",
                                         encoding="utf-8")
    query = tmp_path / "query.sql"
    query.write_text("SELECT id FROM vms WHERE id = $1;  -- noqa: SL101\n", encoding="utf-8")
    query.chmod(0o640)
    inode = query.stat().st_ino
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--fix", "."]) == 0
    assert query.read_text(encoding="utf-8") == "SELECT id FROM vms WHERE id = $1;\n"
    assert query.stat().st_ino != inode  # a new file renamed over the old one
    assert query.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir() if "sqllint-tmp" in p.name] == []
    assert os.access(query, os.R_OK)
