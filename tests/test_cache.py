"""The persistent cache (.sqllint_cache/) and the optional process pool."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

import sqllint.parallel
from sqllint.cache import Cache
from sqllint.cli import main
from sqllint.config import Config
from sqllint.project import Project, load_project

FIXTURE = Path(__file__).parents[1] / "fixtures" / "novacron"


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import shutil

    shutil.copytree(FIXTURE, tmp_path / "repo",
                    ignore=shutil.ignore_patterns(".sqllint_cache"))
    monkeypatch.chdir(tmp_path / "repo")
    monkeypatch.setenv("SQLLINT_CACHE", "1")
    monkeypatch.delenv("SQLLINT_CACHE_DIR", raising=False)
    monkeypatch.delenv("SQLLINT_WORKERS", raising=False)
    return tmp_path / "repo"


def load(root: Path) -> Project:
    return load_project([Path(".")], Config(root=root))


def snapshot(project: Project) -> list[tuple[object, ...]]:
    return [(s.path, s.sql, s.seq, *s.position(0), s.kind, s.node) for s in project.statements]


def check_json(capsys: pytest.CaptureFixture[str]) -> object:
    main(["check", "--format", "json", "."])
    return json.loads(capsys.readouterr().out)


def test_warm_run_reuses_parsed_files(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cold = load(repo)
    assert (repo / ".sqllint_cache" / ".gitignore").read_text().strip().endswith("*")

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed again although cached")

    monkeypatch.setattr(sqllint.parallel, "parse_source", fail)
    warm = load(repo)
    assert snapshot(warm) == snapshot(cold)
    assert sorted(warm.catalog.tables) == sorted(cold.catalog.tables)
    assert sorted(warm.catalog.indexes) == sorted(cold.catalog.indexes)


def test_same_findings_cold_and_warm(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cold = check_json(capsys)
    warm = check_json(capsys)
    assert cold == warm


def test_a_changed_file_is_parsed_again(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    check_json(capsys)
    query = repo / "queries" / "app_vms_by_state.sql"
    query.write_text("SELECT * FROM vms WHERE state = $1;\n")
    findings = check_json(capsys)["findings"]  # type: ignore[index]
    assert any(f["path"] == "queries/app_vms_by_state.sql" and f["rule"] == "SL101"
               for f in findings)
    # A migration edit changes the catalog: the cached one must not be reused.
    mig = repo / "migrations" / "000003_compute.up.sql"
    mig.write_text(mig.read_text() + "\nCREATE INDEX idx_vms_owner ON vms (owner_id);\n")
    findings = check_json(capsys)["findings"]  # type: ignore[index]
    assert not any(f["rule"] == "SL201" and "vms (owner_id)" in f["message"]
                   for f in findings)


def test_foreign_pickles_are_never_loaded(tmp_path: Path) -> None:
    import os

    cache = Cache(tmp_path / "c")
    cache.put("files", "ab" * 32, [])
    target = next((tmp_path / "c").rglob("*.pickle"))
    target.write_bytes(pickle.dumps(os.system))  # what an attacker would commit
    assert cache.get("files", "ab" * 32) is None
    target.write_bytes(b"not a pickle")
    assert cache.get_statements("ab" * 32) is None


def test_cache_can_be_turned_off(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQLLINT_CACHE", "0")
    load(repo)
    assert not (repo / ".sqllint_cache").exists()


def test_unwritable_cache_is_ignored(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "blocker").write_text("a file where the cache folder would go")
    monkeypatch.setenv("SQLLINT_CACHE_DIR", str(repo / "blocker" / "cache"))
    assert load(repo).statements


def test_process_pool_gives_the_same_statements(repo: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQLLINT_CACHE", "0")
    serial = load(repo)
    monkeypatch.setenv("SQLLINT_WORKERS", "2")
    pooled = load(repo)
    assert snapshot(pooled) == snapshot(serial)
