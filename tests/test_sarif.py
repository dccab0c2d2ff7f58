"""SARIF 2.1.0 output: valid against the OASIS schema, complete rules, stable fingerprints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

import pytest

from sqllint.cli import main
from sqllint.rules import all_rules

ROOT = Path(__file__).parents[1]
SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
FIXTURES = sorted(p for p in (ROOT / "fixtures").iterdir() if p.is_dir())


def sarif(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code = main(["check", "--format", "sarif", *args])
    out, err = capsys.readouterr()
    assert code in (0, 1), err
    doc: dict[str, Any] = json.loads(out)
    return doc


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.name for p in FIXTURES])
def test_sarif_validates_against_the_schema(fixture: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    if not SCHEMA.is_file():
        pytest.skip(f"SARIF schema not found at {SCHEMA} (../shared/schemas in CI)")
    import jsonschema

    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SQLLINT_CACHE", "0")
    doc = sarif([str(fixture.relative_to(ROOT))], capsys)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema)
    if fixture.name == "novacron":
        assert len(doc["runs"][0]["results"]) >= 20


def test_sarif_rules_results_and_locations(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "fixtures" / "novacron")
    monkeypatch.setenv("SQLLINT_CACHE", "0")
    doc = sarif(["."], capsys)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [s.code for s in all_rules()]
    for rule in rules:
        assert rule["name"] and rule["shortDescription"]["text"]
        assert rule["fullDescription"]["text"]
        assert "## What it does" in rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        # The rule's page in docs/rules (a file:// link without SQLLINT_DOCS_URL).
        page = Path(url2pathname(urlparse(rule["helpUri"]).path))
        assert page == ROOT / "docs" / "rules" / f"{rule['id']}.md"
        assert page.read_text(encoding="utf-8").startswith(f"# {rule['id']} {rule['name']}")
    assert run["columnKind"] == "unicodeCodePoints"
    by_rule = {r["id"]: i for i, r in enumerate(rules)}
    star = next(r for r in run["results"] if r["ruleId"] == "SL101"
                and "report_04" in r["locations"][0]["physicalLocation"]["artifactLocation"]
                ["uri"])
    assert star["ruleIndex"] == by_rule["SL101"]
    assert star["level"] == "warning"
    assert star["message"]["text"].startswith("SELECT * from vms expands to 15 columns")
    location = star["locations"][0]["physicalLocation"]
    # Relative to the repository root, which %SRCROOT% names.
    assert location["artifactLocation"] == {
        "uri": "fixtures/novacron/queries/report_04_multi_tenant_vms.sql",
        "uriBaseId": "%SRCROOT%"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == ROOT.resolve().as_uri() + "/"
    assert location["region"] == {"startLine": 2, "startColumn": 8, "endLine": 2,
                                  "endColumn": 9}
    assert len(star["partialFingerprints"]["sqllint/v1"]) == 32
    fingerprints = [r["partialFingerprints"]["sqllint/v1"] for r in run["results"]]
    assert len(set(fingerprints)) == len(fingerprints)
    fk = next(r for r in run["results"] if r["ruleId"] == "SL201")
    assert "CREATE INDEX CONCURRENTLY" in fk["message"]["text"]
    assert fk["properties"]["suggestion"].startswith("CREATE INDEX CONCURRENTLY")
