"""docs/rules/ is generated from the rule modules and must be current; links point at it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sqllint.ruledocs import DOCS_DIR, generated, rule_url
from sqllint.rules import all_rules

ROOT = Path(__file__).resolve().parent.parent


def test_rule_docs_are_current() -> None:
    stale = [name for name, text in generated().items()
             if not (ROOT / DOCS_DIR / name).is_file()
             or (ROOT / DOCS_DIR / name).read_text(encoding="utf-8") != text]
    assert not stale, f"run python scripts/gen_rule_docs.py: stale {stale}"
    on_disk = {p.name for p in (ROOT / DOCS_DIR).glob("*.md")}
    assert on_disk == set(generated())


def test_the_check_script_passes_on_current_docs() -> None:
    script = ROOT / "scripts" / "gen_rule_docs.py"
    ok = subprocess.run([sys.executable, str(script), "--check"], capture_output=True,
                        text=True, check=False)
    assert ok.returncode == 0, ok.stdout


def test_every_rule_has_a_page_with_its_doc() -> None:
    pages = generated()
    for spec in all_rules():
        page = pages[f"{spec.code}.md"]
        assert page.startswith(f"# {spec.code} {spec.name}\n")
        assert "## What it does" in page and "## Why is this bad?" in page


def test_links(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQLLINT_DOCS_URL", "https://example.org/sqllint/docs/rules/")
    assert rule_url("SL101") == "https://example.org/sqllint/docs/rules/SL101.md"
    monkeypatch.delenv("SQLLINT_DOCS_URL")
    local = rule_url("SL101")
    assert local == (ROOT / DOCS_DIR / "SL101.md").as_uri()
