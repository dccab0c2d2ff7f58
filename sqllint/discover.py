"""Which files to read, which of them are migrations, and in what order they apply."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pathspec

from sqllint.config import Config

Role = Literal["migration", "down", "schema", "source"]
Lang = Literal["sql", "python"]

SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", "node_modules", "__pycache__", ".sqllint_cache", ".venv", "venv",
     ".tox", ".nox", ".mypy_cache", ".ruff_cache", ".pytest_cache", "site-packages", "build",
     "dist", ".eggs"}
)
_FLYWAY = re.compile(r"^([VUR])(\d+(?:[._]\d+)*)?__.+\.sql$", re.I)
_GOLANG = re.compile(r"^(\d+)_.+\.(up|down)\.sql$", re.I)
_PREFIX = re.compile(r"^(\d+)(?:[._-]\d+)*[_-].*\.(sql|py)$", re.I)
_MIGRATION_DIRS = frozenset({"migrations", "migration", "migrate", "versions", "alembic"})


@dataclass(frozen=True)
class SourceFile:
    path: Path
    display: str
    lang: Lang
    role: Role
    version: tuple[int, ...]
    target: bool  # findings are reported for it (not only read for the schema)

    @property
    def applies(self) -> bool:
        return self.role != "down"


def display_path(path: Path) -> str:
    try:
        rel = os.path.relpath(path, Path.cwd())
    except ValueError:  # another drive on Windows
        rel = str(path)
    return Path(rel).as_posix()


def migration_version(path: Path, config: Config) -> tuple[Role, tuple[int, ...]] | None:
    """(role, numeric version) when ``path`` is a migration by name, folder or config."""
    name = path.name
    m = _FLYWAY.match(name)
    if m:
        kind, version = m.group(1).upper(), m.group(2) or ""
        if kind == "U":
            return "down", _numbers(version)
        # Repeatable migrations run after every versioned one.
        return "migration", _numbers(version) if kind == "V" else (2**62,)
    m = _GOLANG.match(name)
    if m:
        return ("down" if m.group(2).lower() == "down" else "migration"), (int(m.group(1)),)
    in_dir = bool(_MIGRATION_DIRS & {p.lower() for p in path.parent.parts[-2:]})
    configured = _glob_match(path, config.migrations, config.root)
    m = _PREFIX.match(name)
    if name.endswith(".down.sql"):
        version = _numbers(m.group(1)) if m else ()
        return ("down", version) if (in_dir or configured) else None
    if m and (in_dir or configured or path.suffix == ".sql"):
        lead = re.match(r"[\d._-]*\d", name)
        return "migration", _numbers(lead.group(0) if lead else "")
    if configured or (in_dir and path.suffix == ".sql"):
        return "migration", ()
    if in_dir and path.suffix == ".py" and name != "__init__.py" and _PREFIX.match(name):
        return "migration", _numbers(name.split("_")[0])
    return None


def _numbers(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.split(r"[._-]", version) if part.isdigit())


def _glob_match(path: Path, globs: Iterable[str], root: Path) -> bool:
    globs = tuple(globs)
    if not globs:
        return False
    spec = pathspec.PathSpec.from_lines("gitignore", globs)
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = path.as_posix()
    return bool(spec.match_file(rel))


def _lang(path: Path) -> Lang | None:
    suffix = path.suffix.lower()
    if suffix in (".sql", ".psql", ".pgsql"):
        return "sql"
    if suffix == ".py":
        return "python"
    return None


def _walk(root: Path, config: Config) -> Iterator[Path]:
    """Files below ``root`` that .gitignore and ``exclude`` do not rule out."""
    exclude = pathspec.PathSpec.from_lines("gitignore", config.exclude)
    ignores: list[tuple[Path, Any]] = []
    for parent in [root, *root.parents]:
        _add_gitignore(parent, ignores)
        if (parent / ".git").exists():
            break

    def ignored(path: Path, is_dir: bool) -> bool:
        for base, spec in ignores:
            try:
                rel = path.relative_to(base).as_posix()
            except ValueError:
                continue
            if spec.match_file(rel + ("/" if is_dir else "")):
                return True
        return _excluded(path, exclude, config.root)

    skip = {p.resolve() for p in config.skip_dirs}
    for dirpath, dirnames, filenames in os.walk(root, onerror=None):
        here = Path(dirpath)
        if skip and here.resolve() in skip:
            dirnames[:] = []
            continue
        if here != root:
            _add_gitignore(here, ignores)
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in SKIP_DIRS and not d.endswith(".egg-info") and not ignored(here / d, True)
        )
        for name in sorted(filenames):
            path = here / name
            if _lang(path) and not ignored(path, False):
                yield path


def _add_gitignore(folder: Path, ignores: list[tuple[Path, Any]]) -> None:
    gitignore = folder / ".gitignore"
    if gitignore.is_file():
        try:
            lines = gitignore.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return
        ignores.append((folder, pathspec.PathSpec.from_lines("gitignore", lines)))


def _excluded(path: Path, exclude: Any, root: Path) -> bool:
    if not exclude.patterns:
        return False
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = path.as_posix()
    return bool(exclude.match_file(rel))


def _abs(path: Path) -> Path:
    """Absolute and normalised, but a symbolic link stays itself (its name is reported)."""
    return Path(os.path.abspath(path))


class DiscoveryError(Exception):
    pass


def discover(
    paths: Iterable[Path], config: Config, virtual: Iterable[Path] = ()
) -> list[SourceFile]:
    """Every file to read, in application order: migrations by version, then the rest.

    Files named on the command line (or found below named folders) are targets. The
    configured schema and migration globs are read too, as schema context, so that a
    run on a few changed files still sees the whole schema. ``virtual`` files exist only
    as text given elsewhere (an editor's unsaved buffer of a new file).
    """
    virtual = {_abs(p) for p in virtual}
    targets: dict[Path, None] = {}
    only_files = True
    for given in paths:
        if given.is_dir():
            only_files = False
            for found in _walk(given, config):
                targets[_abs(found)] = None
        elif given.exists() or given.is_symlink() or _abs(given) in virtual:
            # Named explicitly: read it whatever its suffix, unless it is excluded.
            if not _excluded(given, pathspec.PathSpec.from_lines("gitignore", config.exclude),
                             config.root):
                targets[_abs(given)] = None
        else:
            raise DiscoveryError(f"{given}: no such file or directory")

    context: dict[Path, None] = {}
    globs = config.schema + config.migrations
    if globs:
        spec = pathspec.PathSpec.from_lines("gitignore", globs)
        for found in _walk(config.root, config):
            rel = found.relative_to(config.root).as_posix() if found.is_relative_to(
                config.root) else found.as_posix()
            if spec.match_file(rel):
                context[_abs(found)] = None
    elif only_files and targets:
        # A pre-commit style run with no schema configured: the rest of the project's
        # SQL is the schema.
        for found in _walk(config.root, config):
            if found.suffix.lower() == ".sql":
                context[_abs(found)] = None

    files: list[SourceFile] = []
    for path in {**context, **targets}:
        lang = _lang(path) or "sql"
        mig = migration_version(path, config)
        if mig is not None:
            role, version = mig
        elif _glob_match(path, config.schema, config.root) or lang == "sql":
            role, version = "schema", ()
        else:
            role, version = "source", ()
        files.append(
            SourceFile(path, display_path(path), lang, role, version, target=path in targets)
        )
    return sorted(files, key=_order)


_ROLE_ORDER = {"migration": 0, "down": 1, "schema": 2, "source": 3}


def _order(f: SourceFile) -> tuple[int, tuple[int, ...], str]:
    return (_ROLE_ORDER[f.role], f.version, f.display)


def input_files(
    paths: Iterable[Path], config: Config, overrides: Mapping[Path, str] | None = None
) -> list[tuple[str, bool, bytes]]:
    """What a run reads: (display path, is a target, raw content) of every file."""
    overrides = {_abs(p): t for p, t in (overrides or {}).items()}
    out = []
    for file in discover(paths, config, virtual=overrides):
        if file.path in overrides:
            data = overrides[file.path].encode("utf-8", errors="surrogatepass")
        else:
            try:
                data = file.path.read_bytes() if file.path.is_file() else b"\x00unreadable"
            except OSError:
                data = b"\x00unreadable"
        out.append((file.display, file.target, data))
    return out
