"""The same inputs give byte-identical reports however the run is carried out: whatever
the hash seed, with the cache on or off, in one process or several."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import generate_repo  # noqa: E402

# Findings of several rules on one line.
CROWDED = {
    "schema.sql": "CREATE TABLE t (id bigint PRIMARY KEY, a int, b int, c int);\n",
    "q.sql": "SELECT * FROM t WHERE a = $1 AND b = $2 OR c = $3;\n"
             "UPDATE t SET a = 1;  DELETE FROM t;\n",
}


def _run(cwd: Path, *args: str, seed: str = "0", cache: bool = False,
         cache_dir: Path | None = None) -> str:
    env = dict(os.environ, PYTHONHASHSEED=seed, SQLLINT_CACHE="1" if cache else "0",
               PYTHONPATH=str(ROOT))
    if cache_dir is not None:
        env["SQLLINT_CACHE_DIR"] = str(cache_dir)
    proc = subprocess.run([sys.executable, "-m", "sqllint.cli", "check", "--format", "json",
                           *args, "."], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.stderr == ""
    return proc.stdout


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = []
    for name in ("pyapp", "novacron"):
        target = tmp_path_factory.mktemp(name)
        shutil.copytree(ROOT / "fixtures" / name, target, dirs_exist_ok=True)
        out.append(target)
    generated = tmp_path_factory.mktemp("generated")
    generate_repo(generated, tables=30, queries=300)
    crowded = tmp_path_factory.mktemp("crowded")
    for rel, text in CROWDED.items():
        (crowded / rel).write_text(text)
    return [*out, generated, crowded]


def test_hash_seeds_do_not_change_the_report(repos: list[Path]) -> None:
    for repo in repos:
        first = _run(repo, seed="1")
        assert '"findings": [' in first
        assert _run(repo, seed="2") == first, repo.name
        assert _run(repo, seed="12345") == first, repo.name


def test_one_process_or_two_give_the_same_report(repos: list[Path]) -> None:
    for repo in repos:
        one = _run(repo, "--jobs", "1")
        assert _run(repo, "--jobs", "2") == one, repo.name
        assert _run(repo) == one, repo.name  # the number chosen by the run itself


def test_the_cache_does_not_change_the_report(repos: list[Path], tmp_path: Path) -> None:
    for i, repo in enumerate(repos):
        plain = _run(repo)
        cache = tmp_path / f"cache{i}"
        assert _run(repo, cache=True, cache_dir=cache, seed="3") == plain, repo.name
        # Second run: the whole result from the cache.
        assert _run(repo, cache=True, cache_dir=cache, seed="4") == plain, repo.name
        # Parsed files from the cache, the result computed again.
        shutil.rmtree(cache / "v1" / "results", ignore_errors=True)
        assert _run(repo, cache=True, cache_dir=cache, seed="5") == plain, repo.name
