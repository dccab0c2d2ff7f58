"""`sqllint audit`: the HTML report is self-contained, correct, and renders in Chromium.

The browser test needs the Debian package `chromium`; it is skipped when that is absent,
unless SQLLINT_REQUIRE_CHROMIUM=1 (as in CI), where it fails instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sqllint.cli import main

FIXTURE = Path(__file__).parents[1] / "fixtures" / "novacron"


@pytest.fixture()
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> Path:
    monkeypatch.chdir(FIXTURE)
    monkeypatch.setenv("SQLLINT_CACHE", "0")
    out = tmp_path / "report.html"
    assert main(["audit", ".", "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().err
    return out


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []
        self.ids: set[str] = set()
        self.anchors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("src", "href") and value:
                if value.startswith("#"):
                    self.anchors.append(value[1:])
                else:
                    self.external.append(value)
        if tag == "link":
            self.external.append(str(dict(attrs)))


def test_audit_html_is_self_contained_and_complete(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    links = _Links()
    links.feed(html)
    assert links.external == []  # nothing to fetch: no CDN, no fonts, no images
    assert not re.search(r"url\(|@import|https?://", html)
    assert set(links.anchors) <= links.ids  # every internal link lands somewhere
    # Executive summary with counts by severity and the tables most at risk.
    assert "Executive summary" in html and "Tables most at risk" in html
    assert re.search(r'<div class="card error"><b>5</b><span>errors</span>', html)
    # A finding with evidence, schema facts, impact, fix and code excerpt.
    assert "SL201 fk-without-index" in html
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS vms_owner_id_idx ON vms (owner_id);" in html
    assert "vms has PRIMARY KEY vms_pkey (id)" in html
    assert "<dt>Impact</dt>" in html and "<dt>Code</dt>" in html
    # The index plan: most severe first, with what each index serves; an index the schema
    # already has (idx_migrations_status after 000009) is no plan item.
    plan = html[html.index('id="plan"'):html.index('id="by-table"')]
    assert "vms_owner_id_idx" in plan
    assert "migrations/000003_compute.up.sql:41" in plan
    assert "CREATE INDEX CONCURRENTLY idx_migrations_status" not in plan
    assert "Findings by table" in html and "Findings by rule" in html


def test_audit_markdown(monkeypatch: pytest.MonkeyPatch,
                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(FIXTURE)
    monkeypatch.setenv("SQLLINT_CACHE", "0")
    assert main(["audit", ".", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# sqllint audit\n")
    for heading in ("## Tables most at risk", "## Index plan", "## Findings by rule",
                    "## Findings by table"):
        assert f"\n{heading}\n" in out
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS vms_owner_id_idx ON vms (owner_id);" in out


# -- headless Chromium ---------------------------------------------------------------------


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("SQLLINT_REQUIRE_CHROMIUM") == "1":
        pytest.fail("chromium is required (SQLLINT_REQUIRE_CHROMIUM=1) but not installed")
    pytest.skip("chromium is not installed (Debian package 'chromium')")


def _run_chromium(page: Path, tmp_path: Path, *mode: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    args = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", f"--user-data-dir={profile}",
            "--enable-logging=stderr", "--v=0", "--window-size=1280,2000", *mode,
            page.resolve().as_uri()]
    return subprocess.run(args, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)


def _console(stderr: str) -> list[str]:
    """Messages the page wrote to its console (errors, CSP refusals, exceptions)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


def test_console_check_sees_page_errors(tmp_path: Path) -> None:
    """The check below would notice a broken page: it is not vacuous."""
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><p>x</p><script>undefinedFunction();</script>")
    proc = _run_chromium(bad, tmp_path, f"--screenshot={tmp_path / 'bad.png'}")
    assert any("undefinedFunction" in line for line in _console(proc.stderr)), proc.stderr


def test_audit_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "audit.png"
    proc = _run_chromium(report, tmp_path, f"--screenshot={shot}")
    assert shot.is_file() and shot.stat().st_size > 20_000, proc.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _console(proc.stderr) == []

    # The DOM after the page's script ran: the index plan is there and not hidden.
    proc = _run_chromium(report, tmp_path, "--dump-dom")
    dom = proc.stdout
    assert '<section id="plan"><h2>Index plan</h2>' in dom, proc.stderr[-2000:]
    plan = dom[dom.index('id="plan"'):dom.index('id="by-table"')]
    assert "vms_owner_id_idx" in plan
    assert not re.search(r'class="plan[^"]*hidden', plan)
    assert _console(proc.stderr) == []
