"""An unchanged tree gets its findings back from .sqllint_cache without being read again."""

from __future__ import annotations

from pathlib import Path

import pytest

from sqllint import project as project_module
from sqllint.cli import main

FILES = {
    "schema.sql": "CREATE TABLE vms (id bigint PRIMARY KEY, state text);\n",
    "q.sql": "SELECT * FROM vms WHERE id = 1;\n",
}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    (tmp_path / ".git").mkdir()  # a project root: the cache lives there
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SQLLINT_CACHE", "1")
    monkeypatch.delenv("SQLLINT_CACHE_DIR", raising=False)
    return tmp_path


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError("the project was loaded again")


def test_second_run_of_an_unchanged_tree_loads_nothing(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--format", "json", "."]) == 1
    first = capsys.readouterr().out
    monkeypatch.setattr(project_module, "load_project", _refuse)
    assert main(["check", "--format", "json", "."]) == 1
    assert capsys.readouterr().out == first


def test_a_changed_file_or_option_is_a_new_run(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["check", "--select", "SL101", "--format", "json", "."])
    assert "SL101" in capsys.readouterr().out
    (repo / "q.sql").write_text("SELECT id FROM vms WHERE id = 1;\n")
    main(["check", "--select", "SL101", "--format", "json", "."])
    assert "SL101" not in capsys.readouterr().out
    main(["check", "--select", "SL2", "--format", "json", "."])
    assert '"findings": []' in capsys.readouterr().out
