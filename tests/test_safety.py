"""sqllint never opens a network connection, never runs the code it reads, and never
writes outside its cache directory and the files the user names."""

from __future__ import annotations

import hashlib
import shutil
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from sqllint.cli import main

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))

from generate import generate_repo  # noqa: E402

TRAP = '''"""Importing or running this module leaves a mark: sqllint must only read it."""
from pathlib import Path

Path(__file__).with_name("EXECUTED").write_text("imported")
raise SystemExit("executed")


def get(cur, id):
    cur.execute("SELECT id, name FROM users WHERE id = %s", (id,))
    return eval("__import__('pathlib').Path('EVALUATED').write_text('x')")
'''


class NetworkUsed(AssertionError):
    pass


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Any attempt at a network socket is recorded and fails."""
    attempts: list[str] = []
    real_init = socket.socket.__init__

    def guarded_init(self: socket.socket, family: Any = -1, *args: Any, **kwargs: Any) -> None:
        if family in (socket.AF_INET, socket.AF_INET6, -1):
            attempts.append(f"socket({family})")
            raise NetworkUsed("sqllint opened a network socket")
        real_init(self, family, *args, **kwargs)

    def refuse(name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            attempts.append(name)
            raise NetworkUsed(f"sqllint called {name}")
        return fail

    monkeypatch.setattr(socket.socket, "__init__", guarded_init)
    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, name, refuse(f"socket.{name}"))
    for name in ("create_connection", "getaddrinfo", "gethostbyname"):
        monkeypatch.setattr(socket, name, refuse(name))
    return attempts


def tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` outside the cache, with a digest of its content."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(".sqllint_cache") or not path.is_file():
            continue
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "proj"
    shutil.copytree(REPO / "fixtures" / "novacron", root,
                    ignore=shutil.ignore_patterns(".sqllint_cache"))
    generate_repo(root / "generated", tables=20, queries=120)
    (root / "app" / "trap.py").write_text(TRAP, encoding="utf-8")
    (root / "pyproject.toml").write_text("[tool.sqllint]\n", encoding="utf-8")
    monkeypatch.chdir(root)
    monkeypatch.delenv("SQLLINT_CACHE_DIR", raising=False)
    monkeypatch.delenv("SQLLINT_CACHE", raising=False)
    return root


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "."],
        ["check", "--format", "json", "."],
        ["check", "--format", "sarif", "."],
        ["indexes", "."],
        ["schema", "."],
        ["statements", "--format", "json", "."],
    ],
)
def test_no_network_no_execution_no_writes(
    project: Path, no_network: list[str], capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    before = tree(project)
    for _ in range(2):  # cold, then warm (reading the cache)
        code = main(argv)
        _, err = capsys.readouterr()
        assert code in (0, 1), err
        assert "internal error" not in err
    assert no_network == []
    assert tree(project) == before  # nothing written but the cache
    assert not (project / "app" / "EXECUTED").exists()
    assert not (project / "EVALUATED").exists()
    assert "trap" not in sys.modules and "app.trap" not in sys.modules


def test_writes_only_the_file_the_user_names(
    project: Path, no_network: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree(project)
    assert main(["check", "--format", "json", "--output", "report.json", "."]) in (0, 1)
    assert main(["indexes", "--out", "plan.sql", "."]) == 0
    capsys.readouterr()
    after = tree(project)
    assert set(after) - set(before) == {"report.json", "plan.sql"}
    assert {k: v for k, v in after.items() if k in before} == before
    assert no_network == []


def test_cache_stays_in_its_directory(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "elsewhere"
    monkeypatch.setenv("SQLLINT_CACHE_DIR", str(cache))
    before = tree(project)
    assert main(["check", "."]) in (0, 1)
    capsys.readouterr()
    assert tree(project) == before
    assert not (project / ".sqllint_cache").exists()
