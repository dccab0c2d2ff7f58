"""Every case of rules/*.yml: given these files, exactly these findings of the rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sqllint.cli import main
from tests.rule_cases import Case, load_cases, write_case

CASES = load_cases()


def run_case(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> list[dict[str, object]]:
    write_case(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    code = main(["check", "--format", "json", "--select", case.select, "."])
    out = capsys.readouterr()
    assert code in (0, 1), out.err
    report = json.loads(out.out)
    return [f for f in report["findings"] if f["rule"] == case.rule]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_case(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    found = run_case(case, tmp_path, monkeypatch, capsys)
    expected = case.data.get("expect") or []
    shown = [(f["path"], f["line"], f["column"], f["message"]) for f in found]
    assert len(found) == len(expected), f"expected {len(expected)} findings, got {shown}"
    for want, got in zip(
        sorted(expected, key=lambda e: (e.get("path", ""), e["line"], e.get("column", 0))),
        sorted(found, key=lambda f: (f["path"], f["line"], f["column"])),
        strict=True,
    ):
        assert got["path"] == want.get("path", case.default_path()), shown
        assert got["line"] == want["line"], shown
        if "column" in want:
            assert got["column"] == want["column"], shown
        if "message" in want:
            assert want["message"] in got["message"], got["message"]
        if "suggestion" in want:
            assert got.get("suggestion") == want["suggestion"], got.get("suggestion")
        if "fix" in want:
            fix = got.get("fix")
            assert (fix["applicability"] if isinstance(fix, dict) else "none") == want["fix"]


def test_every_rule_has_cases() -> None:
    from sqllint.rules import all_rules

    have = {c.rule for c in CASES}
    missing = [r.code for r in all_rules() if r.code not in have]
    assert not missing, f"rules without case files: {missing}"
