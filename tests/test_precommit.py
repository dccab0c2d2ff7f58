"""The pre-commit hook, run by real `pre-commit` against a copy of this checkout.

pre-commit needs the hook repository to be a git repository with the manifest
committed, so the test copies the working tree to a temporary folder and commits it
there (never in the checkout itself). Installing the hook environment downloads
sqllint's dependencies once per run: it takes a minute or two.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
GIT_ENV = {"GIT_AUTHOR_NAME": "sqllint test", "GIT_AUTHOR_EMAIL": "test@example.com",
           "GIT_COMMITTER_NAME": "sqllint test", "GIT_COMMITTER_EMAIL": "test@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

SCHEMA = """\
CREATE TABLE accounts (
    id bigint PRIMARY KEY,
    email text NOT NULL,
    created_at timestamptz NOT NULL
);
"""
BAD = "-- the account page\nSELECT * FROM accounts WHERE id = $1;\n"
FIXED = "-- the account page\nSELECT id, email FROM accounts WHERE id = $1;\n"


def _git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _hook_repo(tmp: Path) -> tuple[Path, str]:
    """A committed copy of the working tree (tracked and untracked, not ignored files)."""
    src = tmp / "sqllint-src"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = src / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    _git(src, "init", "-q", "-b", "main")
    _git(src, "add", "-A")
    _git(src, "commit", "-q", "-m", "sqllint under test")
    return src, _git(src, "rev-parse", "HEAD").strip()


def _readme_snippet(src: Path) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("# .pre-commit-config.yaml\n", 1)[1].split("```", 1)[0]
    assert "rev: main" in snippet
    return re.sub(r"(repo: )\S+", lambda m: m.group(1) + str(src), snippet, count=1)


def _pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1",
           "PRE_COMMIT_COLOR": "never"}
    env.pop("SQLLINT_CACHE_DIR", None)
    return subprocess.run(["pre-commit", *args], cwd=repo, capture_output=True, text=True,
                          env=env, timeout=1500)


@pytest.mark.skipif(shutil.which("pre-commit") is None or shutil.which("git") is None,
                    reason="needs pre-commit and git (pip install -e '.[test]')")
def test_pre_commit_hook_fails_on_a_bad_query_and_passes_once_fixed(tmp_path: Path) -> None:
    src, head = _hook_repo(tmp_path)
    repo = tmp_path / "project"
    (repo / "db" / "migrations").mkdir(parents=True)
    (repo / "db" / "migrations" / "0001_accounts.sql").write_text(SCHEMA)
    (repo / "app").mkdir()
    (repo / "app" / "account.sql").write_text(FIXED)
    (repo / "app" / "other.sql").write_text("SELECT * FROM accounts;\n")  # not passed
    # The README's snippet as written, pointed at the local copy.
    (repo / ".pre-commit-config.yaml").write_text(_readme_snippet(src))
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")

    (repo / "app" / "account.sql").write_text(BAD)
    _git(repo, "add", "app/account.sql")
    home = tmp_path / "pre-commit-home"
    proc = _pre_commit(repo, home, "run", "--files", "app/account.sql")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "sqllint" in output and "Failed" in output
    # The finding needs the schema, read from the migrations although only the changed
    # file was passed; the other file's finding is not reported.
    assert "app/account.sql:2:8: SL101 SELECT * from accounts expands to 3 columns" in output
    assert "other.sql" not in output

    (repo / "app" / "account.sql").write_text(FIXED)
    _git(repo, "add", "app/account.sql")
    proc = _pre_commit(repo, home, "run", "--files", "app/account.sql")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "Passed" in output

    # The README's way to pin the hook: `autoupdate --freeze` writes the commit.
    proc = _pre_commit(repo, home, "autoupdate", "--freeze")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"rev: {head}" in (repo / ".pre-commit-config.yaml").read_text()
