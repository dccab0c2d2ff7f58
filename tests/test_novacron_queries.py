"""The seed report's queries (fixtures/novacron): the right findings and DDL, none of
the report's mistakes. (That the plan applies on PostgreSQL after the fixture's
migrations is checked in test_advice_pg.py::test_novacron_index_plan_applies.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sqllint.cli import main

ROOT = Path(__file__).resolve().parent.parent
QUERY_RULES = ("SL101", "SL102", "SL103", "SL104", "SL105", "SL106", "SL107", "SL108",
               "SL109")


@pytest.fixture(scope="module")
def report() -> dict[str, object]:
    mp = pytest.MonkeyPatch()
    mp.chdir(ROOT)
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["check", "--format", "json", "fixtures/novacron"])
    mp.undo()
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def _findings(report: dict[str, object], name: str) -> list[tuple[str, str | None]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return sorted((f["rule"], f.get("suggestion")) for f in findings
                  if f["path"].endswith(f"queries/{name}.sql") and f["rule"] in QUERY_RULES)


def test_vm_metrics_time_range_is_served_by_the_existing_index(report: dict[str, object]) -> None:
    # (vm_id, timestamp DESC) serves the filter, the range and the order: no covering
    # index (SELECT * is never index-only, and it would duplicate the existing keys).
    # The filter bounds the result: no SL102.
    assert _findings(report, "report_01_vm_metrics_time_range") == [("SL101", None)]


def test_dashboard_aggregation_range_is_served(report: dict[str, object]) -> None:
    assert _findings(report, "report_02_dashboard_aggregation") == []


def test_ranked_metrics_window_reads_an_indexed_range(report: dict[str, object]) -> None:
    # The star reads a CTE (not reported); the range is served and bounds the result.
    assert _findings(report, "report_03_realtime_ranked_metrics") == []


def test_multi_tenant_vms_join_needs_the_owner_index(report: dict[str, object]) -> None:
    owner = "CREATE INDEX CONCURRENTLY IF NOT EXISTS vms_owner_id_idx ON vms (owner_id);"
    # One finding says it: vms is probed per users row; the index covers v.state too.
    assert _findings(report, "report_04_multi_tenant_vms") == [("SL101", None), ("SL104", owner)]


def test_migration_status_sort_gets_a_partial_index(report: dict[str, object]) -> None:
    assert _findings(report, "report_05_migration_status") == [
        ("SL101", None),
        ("SL108", "CREATE INDEX CONCURRENTLY IF NOT EXISTS "
                  "migrations_started_at_pending_in_progress_idx ON migrations "
                  "(started_at DESC) WHERE status IN ('pending', 'in_progress');")]


def test_app_queries(report: dict[str, object]) -> None:
    assert _findings(report, "app_session_by_token") == []
    assert _findings(report, "app_open_alerts") == []
    assert _findings(report, "app_alerts_by_label") == []
    assert _findings(report, "app_vms_by_state") == [
        ("SL103", "CREATE INDEX CONCURRENTLY IF NOT EXISTS vms_state_idx ON vms (state);")]
    assert _findings(report, "app_vm_list_page") == [("SL109", None)]
    assert ("SL106", "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_lower_email_idx ON users "
                     "(lower(email));") in _findings(report, "app_user_by_email")


def test_plan_consolidates_and_never_repeats_the_report_mistakes(
        report: dict[str, object]) -> None:
    indexes = report["indexes"]
    assert isinstance(indexes, list)
    ddls = [i["ddl"] for i in indexes]
    assert all(d.startswith("CREATE INDEX CONCURRENTLY IF NOT EXISTS ") for d in ddls)
    assert not any("now()" in d.lower() or "INCLUDE" in d for d in ddls)
    assert not any("vm_metrics" in d for d in ddls)
    owner = next(i for i in indexes if "vms_owner_id_idx" in i["ddl"])
    # One index for the foreign key and report_04's join.
    assert {s.rsplit("/", 1)[-1] for s in owner["serves"]} == {
        "000003_compute.up.sql:41", "report_04_multi_tenant_vms.sql:3"}
    assert len(ddls) == len(set(ddls))
