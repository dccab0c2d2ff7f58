"""One run, several projects: a folder with its own sqllint configuration is its own
project, with its own schema. ``sqllint check fixtures/`` lints each sample repository
against its own tables, not against a mix of all of them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from sqllint.config import Config, find_config, has_sqllint_config, load_config, unconfigured
from sqllint.discover import SKIP_DIRS


@dataclass(frozen=True)
class Workspace:
    config: Config
    paths: tuple[Path, ...]


def _nested_roots(folder: Path) -> list[Path]:
    """Folders below ``folder`` (not itself) that carry their own sqllint config."""
    found: list[Path] = []
    for dirpath, dirnames, _ in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        here = Path(dirpath)
        if here != folder and has_sqllint_config(here):
            found.append(here.resolve())
            dirnames[:] = []  # a project's own sub-projects are its business
    return found


def split_workspaces(paths: list[Path], config_path: Path | None) -> list[Workspace]:
    """Group the given paths into projects, each with the config that governs it.

    With ``--config`` everything is one project. Otherwise each path belongs to its
    project root, found as ruff finds it: the nearest sqllint.toml or [tool.sqllint]
    above it, else the VCS work tree it is in, else none (then only the given paths are
    read). A folder below a given folder that has its own configuration is split off as
    a project of its own.
    """
    if config_path is not None:
        return [Workspace(load_config(config_path), tuple(paths))]
    groups: dict[Path | None, list[Path]] = {}
    skip: dict[Path | None, list[Path]] = {}
    configs: dict[Path | None, Config] = {}

    def owner(start: Path) -> Path | None:
        source = find_config(start)
        if source is not None:
            key: Path | None = source
            if key not in configs:
                configs[key] = load_config(source)
            return key
        config = unconfigured(start)
        key = config.root if config.rooted else None
        configs.setdefault(key, config)
        return key

    for given in paths:
        where = owner(given.resolve() if given.exists() else given.resolve().parent)
        groups.setdefault(where, []).append(given)
        if given.is_dir():
            for nested in _nested_roots(given.resolve()):
                groups.setdefault(owner(nested), []).append(nested)
                skip.setdefault(where, []).append(nested)
    out: list[Workspace] = []
    for key, members in groups.items():
        config = configs[key]
        if key is None:  # no root: globs and exclusions are relative to the current folder
            config = replace(config, root=Path.cwd().resolve())
        config = replace(config, skip_dirs=tuple(skip.get(key, ())))
        out.append(Workspace(config, tuple(dict.fromkeys(members))))
    return out
