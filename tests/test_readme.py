"""Every command the README shows works as written: each shell line of its ``bash`` blocks
runs, on a copy of the bundled example, and ends as the README says a run ends (0, or 1
for findings), never with a usage, config or internal error."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
# The README's placeholders, as a user would fill them in on the example project.
PLACEHOLDERS = {"[PATHS]...": ".", "[PATHS]": ".", "db/": "."}
LONG_RUNNING = ("sqllint server",)  # a language server waits for its client: tested apart


def readme_commands() -> list[str]:
    """The shell lines of the README's bash blocks, comments stripped."""
    text = README.read_text(encoding="utf-8")
    lines: list[str] = []
    for block in re.findall(r"^```bash\n(.*?)^```", text, re.M | re.S):
        for line in block.splitlines():
            command = re.sub(r"\s+#.*$", "", line).strip()
            if command and not command.startswith("#"):
                lines.append(command)
    return lines


def test_the_readme_opens_with_the_two_commands_and_ci_runs_the_second() -> None:
    commands = readme_commands()
    assert commands[0] == "pip install -e . && sqllint check fixtures/"
    assert commands[1] == "pip install -e '.[test]' && pytest"
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """fixtures/novacron as a git repository (for --diff), with the fixtures beside it."""
    repo = tmp_path_factory.mktemp("readme") / "novacron"
    shutil.copytree(ROOT / "fixtures" / "novacron", repo)
    shutil.copytree(ROOT / "fixtures", repo / "fixtures")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "example"],
                 ["branch", "origin/main"]):
        subprocess.run(["git", *args], cwd=repo, check=True, env=env, capture_output=True)
    return repo


def _argv(command: str) -> list[str]:
    if "&&" in command:  # `pip install … && sqllint …`: the install is this test's setup
        command = command.split("&&")[-1].strip()
    words = shlex.split(command)
    words = [PLACEHOLDERS.get(w, w) for w in words]
    if words[0] == "sqllint":
        return [sys.executable, "-m", "sqllint", *words[1:]]
    if words[:3] == ["python", "-m", "sqllint"]:
        return [sys.executable, *words[1:]]
    return words


@pytest.mark.parametrize("command", [c for c in readme_commands()
                                     if "sqllint" in c and not c.startswith(LONG_RUNNING)])
def test_readme_command_runs_as_written(command: str, example: Path) -> None:
    proc = subprocess.run(_argv(command), cwd=example, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300,
                          env={**os.environ, "SQLLINT_CACHE": "0"})
    assert proc.returncode in (0, 1), f"{command}\n{proc.stderr[-2000:]}"
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout or proc.stderr  # it said something
