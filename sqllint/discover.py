"""Which files to read, which of them are migrations, and in what order they apply."""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from sqllint.config import Config, find_vcs_root
from sqllint.escape import visible
from sqllint.reading import Reader, sidecar_text

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
_LEAD = re.compile(r"^\d[\d._-]*")
_MIGRATION_DIRS = frozenset({"migrations", "migration", "migrate", "versions", "alembic"})
# One migration per folder: diesel (up.sql / down.sql), Prisma (migration.sql).
_FOLDER_FILES = {"up.sql": "migration", "migration.sql": "migration", "down.sql": "down"}
SQL_SUFFIXES = (".sql", ".psql", ".pgsql", ".ddl")
_SQL_VARIANTS = re.compile(r"\.sql\.(postgres|postgresql|pg)$", re.I)
# Repeatable Flyway migrations run after every versioned one; sqitch changes missing
# from the plan, after every planned one.
LAST = (2**62,)
# Past this much, discovery says so on stderr (and keeps only what builds the schema
# of the files it does not check).
LARGE_FILES = 5_000
LARGE_BYTES = 200 * 1024 * 1024


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
        return self.role in ("schema", "migration")

    @property
    def read(self) -> bool:
        """Is it read at all? A down migration is, only when named on the command line."""
        return self.role != "down" or self.target


def display_path(path: Path) -> str:
    try:
        rel = os.path.relpath(path, Path.cwd())
    except ValueError:  # another drive on Windows
        rel = str(path)
    # A name is shown, never obeyed: a newline or a byte that is not UTF-8 in it becomes
    # an escape, so every report can print it (sqllint.escape).
    return visible(Path(rel).as_posix())


def migration_version(path: Path, config: Config) -> tuple[Role, tuple[int, ...]] | None:
    """(role, version) when ``path`` is a migration by its layout, folder or config.

    The version comes from the whole path: the numbers leading the file name, after
    those of the numbered folders it sits in (``delta/54/01_x.sql`` is (54, 1), diesel's
    ``2019-01-01-120000_x/up.sql`` is the number 20190101120000).
    """
    configured = _glob_match(path, config.migrations, config.root)
    found = _by_layout(path, config, configured)
    if found is None or found[0] == "down" or configured:
        return found
    if config.migrations or _glob_match(path, config.schema, config.root):
        return None  # the configured migrations are all of them; or named as schema
    return found


def _by_layout(path: Path, config: Config, configured: bool
               ) -> tuple[Role, tuple[int, ...]] | None:
    name = path.name
    lower = name.lower()
    sqitch = _sqitch(path)
    if sqitch is not None:
        return sqitch
    m = _FLYWAY.match(name)
    if m:
        kind, version = m.group(1).upper(), m.group(2) or ""
        if kind == "U":
            return "down", _numbers(version)
        return "migration", _numbers(version) if kind == "V" else LAST
    m = _GOLANG.match(name)
    if m:
        return ("down" if m.group(2).lower() == "down" else "migration"), (int(m.group(1)),)
    folders = _folder_version(path)
    if lower in _FOLDER_FILES and folders:
        return ("down" if _FOLDER_FILES[lower] == "down" else "migration"), folders
    alembic = _alembic_version(path)
    if alembic is not None:
        return "migration", alembic
    in_dir = bool(_MIGRATION_DIRS & {p.lower() for p in path.parent.parts[-2:]})
    lead = _LEAD.match(name)
    version = folders + (_numbers(lead.group(0)) if lead else ())
    if lower.endswith(".down.sql") or (configured and lower == "down.sql"):
        return ("down", version) if (in_dir or configured) else None
    if configured:
        return "migration", version
    m = _PREFIX.match(name)
    if m and path.suffix.lower() == ".sql":
        return "migration", version
    if in_dir and path.suffix.lower() == ".sql":
        return "migration", version
    if in_dir and m and name != "__init__.py":
        return "migration", version
    return None


def _numbers(version: str) -> tuple[int, ...]:
    """``1.2`` and ``2_1`` are two numbers (Flyway); a dash joins the digits of one
    timestamp (diesel's ``2019-01-01-120000`` is 20190101120000, as diesel compares it)."""
    parts = [p for p in re.split(r"[._]", version.replace("-", "")) if p.isdigit()]
    # Timestamps compare as the strings their tools compare (diesel's
    # 2025-11-19-091444-0000 is before 2026-01-20-162913, and 2026-05-27-120000 before
    # 2026-05-27-120000-0000): padded on the right, the shorter first.
    return tuple(int(p.ljust(24, "0")) * 100 + len(p) if len(p) >= 12 else int(p)
                 for p in parts)


def _folder_version(path: Path) -> tuple[int, ...]:
    """The numbers of the numbered folders right above ``path`` (``delta/54/``, diesel's
    and Prisma's ``<timestamp>_name/``), outermost first."""
    out: list[tuple[int, ...]] = []
    for part in reversed(path.parent.parts):
        lead = _LEAD.match(part)
        if lead is None:
            break
        out.append(_numbers(lead.group(0)))
    return tuple(n for numbers in reversed(out) for n in numbers)


def _sqitch(path: Path) -> tuple[Role, tuple[int, ...]] | None:
    """sqitch: ``deploy/<change>.sql`` in the order of ``sqitch.plan``; ``revert/`` and
    ``verify/`` scripts are never applied."""
    parts = path.parts
    for depth in range(len(parts) - 2, -1, -1):
        folder = parts[depth]
        if folder not in ("deploy", "revert", "verify"):
            continue
        top = Path(*parts[:depth]) if depth else Path(".")
        plan = top / "sqitch.plan"
        if not plan.is_file():
            continue
        if folder != "deploy":
            return "down", ()
        change = Path(*parts[depth + 1:]).as_posix()
        change = change[: -len(path.suffix)] if path.suffix else change
        order = _sqitch_plan(Path(os.path.abspath(plan)))
        return "migration", (order[change],) if change in order else LAST
    return None


@lru_cache(maxsize=32)
def _sqitch_plan(plan: Path) -> dict[str, int]:
    """Deploy script name → position in the plan. A reworked change's earlier versions
    are deployed from ``<name>@<tag>.sql``, the tag being the first one after them."""
    lines = (sidecar_text(plan, plan.parent) or "").splitlines()
    items = [line.split()[0] for line in map(str.strip, lines)
             if line and not line.startswith(("%", "#"))]
    out: dict[str, int] = {}
    for at, item in enumerate(items):
        if item.startswith("@"):
            continue
        name = item.lstrip("+-!")
        later = items[at + 1:]
        if name in (i.lstrip("+-!") for i in later):
            tag = next((i for i in later if i.startswith("@")), "")
            name = f"{name}{tag}"
        out[name] = at
    return out


_REVISION = re.compile(r"^(down_)?revision\s*(?::[^=]*)?=\s*(.+)$", re.M)


def _alembic_version(path: Path) -> tuple[int, ...] | None:
    """An Alembic revision (``versions/<rev>_slug.py`` beside an ``env.py`` one level up):
    its place in the chain of ``down_revision``s."""
    if path.suffix != ".py" or path.parent.name != "versions":
        return None
    env = path.parent.parent
    if not ((env / "env.py").is_file() or (env / "script.py.mako").is_file()):
        return None
    order = _alembic_chain(path.parent.resolve())
    return (order.get(path.name, len(order)),)


@lru_cache(maxsize=32)
def _alembic_chain(folder: Path) -> dict[str, int]:
    """File name → depth in the revision graph (the longest chain of parents)."""
    parents: dict[str, tuple[str, ...]] = {}
    files: dict[str, str] = {}
    for file in sorted(folder.glob("*.py")):
        text = sidecar_text(file, folder)
        if text is None:
            continue
        values = {bool(m.group(1)): m.group(2) for m in _REVISION.finditer(text)}
        if False not in values:
            continue
        rev = (re.findall(r"[\"']([^\"']+)[\"']", values[False]) or [""])[0]
        files[file.name] = rev
        parents[rev] = tuple(re.findall(r"[\"']([^\"']+)[\"']", values.get(True, "")))
    depth: dict[str, int] = {}

    def walk(rev: str, seen: frozenset[str] = frozenset()) -> int:
        if rev not in depth:
            ups = [p for p in parents.get(rev, ()) if p in parents and p not in seen]
            depth[rev] = 1 + max((walk(p, seen | {rev}) for p in ups), default=-1)
        return depth[rev]

    return {name: walk(rev) for name, rev in files.items()}


_SECTION = re.compile(
    r"^[ \t]*--[ \t]*(?:migrate:(up|down)|\+(?:goose|migrate)[ \t]+(up|down))\b.*$",
    re.I | re.M)


def applied_text(text: str) -> str:
    """A migration's text as its tool runs it: the down sections of a dbmate
    (``-- migrate:down``), goose (``-- +goose Down``) or sql-migrate file blanked out,
    line and column positions kept."""
    if "migrate:" not in text and "+goose" not in text and "+migrate" not in text:
        return text
    marks = list(_SECTION.finditer(text))
    if not any((m.group(1) or m.group(2)).lower() == "down" for m in marks):
        return text
    out: list[str] = []
    at = 0
    down = False
    for m in marks:
        chunk = text[at:m.start()]
        out.append(_blank(chunk) if down else chunk)
        down = (m.group(1) or m.group(2)).lower() == "down"
        out.append(m.group(0))
        at = m.end()
    out.append(_blank(text[at:]) if down else text[at:])
    return "".join(out)


def _blank(chunk: str) -> str:
    return re.sub(r"[^\n]", " ", chunk)


def _glob_match(path: Path, globs: Iterable[str], root: Path) -> bool:
    globs = tuple(globs)
    if not globs:
        return False
    return bool(_spec(globs).match_file(_relative(path, root)))


@lru_cache(maxsize=256)
def _spec(globs: tuple[str, ...]) -> Any:
    if not globs:
        return _NO_GLOBS
    import pathspec  # only for globs: 40 ms to import (typing_extensions → asyncio)

    return pathspec.PathSpec.from_lines("gitignore", globs)


class _NoGlobs:
    """What ``_spec`` gives for no globs: it matches nothing."""

    patterns: tuple[str, ...] = ()

    def match_file(self, path: str) -> bool:
        return False


_NO_GLOBS = _NoGlobs()


def _relative(path: Path, root: Path) -> str:
    try:
        return Path(os.path.abspath(path)).relative_to(root).as_posix()
    except ValueError:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


def _lang(path: Path) -> Lang | None:
    """The language of a file by its name: SQL, Python, or neither (not read)."""
    name = path.name.lower()
    if name.endswith(SQL_SUFFIXES) or _SQL_VARIANTS.search(name):
        return "sql"
    if name.endswith(".py"):
        return "python"
    return None


def _walk(top: Path, config: Config, everything: bool = False) -> Iterator[Path]:
    """Files below ``top`` that .gitignore and ``exclude`` do not rule out: the SQL and
    Python files, or with ``everything`` every file. Nothing above the project root is
    read: .gitignore files count from the root down."""
    exclude = _spec(config.exclude)
    ignores: list[tuple[Path, Any]] = []
    top_abs = Path(os.path.abspath(top))
    root = Path(os.path.abspath(config.root))
    if config.rooted and top_abs.is_relative_to(root):
        # The .gitignore files of the work tree apply from its top down, as git reads
        # them, even when the project root (a config) is a folder inside it.
        chain = [top_abs, *top_abs.parents]
        vcs = find_vcs_root(root)
        end = chain.index(vcs) if vcs is not None and vcs in chain else chain.index(root)
        for parent in reversed(chain[: end + 1]):
            _add_gitignore(parent, ignores)
    else:
        _add_gitignore(top_abs, ignores)

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
    for dirpath, dirnames, filenames in os.walk(top_abs, onerror=None):
        here = Path(dirpath)
        if skip and here.resolve() in skip:
            dirnames[:] = []
            continue
        if here != top_abs:
            _add_gitignore(here, ignores)
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in SKIP_DIRS and not d.endswith(".egg-info") and not ignored(here / d, True)
        )
        for name in sorted(filenames):
            path = here / name
            if (everything or _lang(path)) and not ignored(path, False):
                yield path


def _add_gitignore(folder: Path, ignores: list[tuple[Path, Any]]) -> None:
    gitignore = folder / ".gitignore"
    if gitignore.is_file():
        text = sidecar_text(gitignore, folder)
        if text is None:
            return
        ignores.append((folder, _spec(tuple(text.splitlines()))))


def _excluded(path: Path, exclude: Any, root: Path) -> bool:
    if not exclude.patterns:
        return False
    return bool(exclude.match_file(_relative(path, root)))


def _abs(path: Path) -> Path:
    """Absolute and normalised, but a symbolic link stays itself (its name is reported)."""
    return Path(os.path.abspath(path))


class DiscoveryError(Exception):
    pass


def discover(
    paths: Iterable[Path], config: Config, virtual: Iterable[Path] = ()
) -> list[SourceFile]:
    """Every file to read, in application order (see ``application_order``).

    Files named on the command line (or found below named folders) are targets. The
    project's schema is read too, as context, so that a run on a few changed files (or
    on a file of a subfolder) still sees the whole schema: the files the ``schema`` and
    ``migrations`` globs match, whatever their suffix; with no globs, every SQL file
    and framework migration of the project root. With no root, only the given paths.
    ``virtual`` files exist only as text given elsewhere (an editor's unsaved buffer).
    """
    virtual = {_abs(p) for p in virtual}
    exclude = _spec(config.exclude)
    globs = config.schema + config.migrations
    targets: dict[Path, bool] = {}  # → named explicitly
    covers_root = False
    root = _abs(config.root)
    for given in paths:
        if given.is_dir():
            covers_root = covers_root or root.is_relative_to(_abs(given))
            for found in _walk(given, config):
                targets.setdefault(_abs(found), False)
        elif given.exists() or given.is_symlink() or _abs(given) in virtual:
            # Named explicitly: read when it is SQL or Python (or configured), unless
            # it is excluded. A README.md passed by a hook is not SQL.
            if _excluded(given, exclude, config.root):
                continue
            if _lang(given) is not None or _glob_match(given, globs, config.root):
                targets[_abs(given)] = True
        else:
            raise DiscoveryError(f"{given}: no such file or directory")

    context: dict[Path, None] = {}
    if globs:
        context = _configured_files(config)
    elif config.rooted and not covers_root:
        for found in _walk(config.root, config):
            if _lang(found) == "sql" or migration_version(found, config) is not None:
                context[_abs(found)] = None

    files = [_source_file(path, config, targets.get(path)) for path in {**context, **targets}]
    _say_if_large(files, config)
    return application_order(files, config)


def _configured_files(config: Config) -> dict[Path, None]:
    """The files the ``schema`` and ``migrations`` globs match, whatever their suffix.
    A glob that matches nothing is a configuration error: it names a schema that is
    not there."""
    globs = [g for g in config.schema + config.migrations if not g.startswith("!")]
    hits = dict.fromkeys(globs, 0)
    found: dict[Path, None] = {}
    spec = _spec(config.schema + config.migrations)
    for path in _walk(config.root, config, everything=True):
        rel = _relative(path, config.root)
        if not spec.match_file(rel):
            continue
        found[_abs(path)] = None
        for glob in globs:
            if not hits[glob] and _spec((glob,)).match_file(rel):
                hits[glob] = 1
    missing = [g for g, n in hits.items() if not n]
    if missing:
        where = f"{display_path(config.source)}: " if config.source else ""
        key = "schema" if missing[0] in config.schema else "migrations"
        raise DiscoveryError(f"{where}{key} glob '{missing[0]}' matches no file under "
                          f"{display_path(config.root)}")
    return found


def _source_file(path: Path, config: Config, given: bool | None) -> SourceFile:
    """``given``: None when read only as schema context, True when named explicitly,
    False when found in a named folder. A down migration is checked only when named."""
    lang: Lang = "python" if path.suffix.lower() == ".py" else "sql"
    mig = migration_version(path, config)
    if mig is not None:
        role, version = mig
    elif _glob_match(path, config.schema, config.root):
        role, version = "schema", ()
    elif lang == "sql" and not config.schema and not config.migrations:
        # Nothing configured: every SQL file that is not a migration is schema.
        role, version = "schema", ()
    else:
        role, version = "source", ()
    target = bool(given) if role == "down" else given is not None
    return SourceFile(path, display_path(path), lang, role, version, target=target)


def application_order(files: Iterable[SourceFile], config: Config) -> list[SourceFile]:
    """Schema files first, in the order of ``schema = [...]`` (path order within a glob,
    path order when no glob names them), then migrations by version, then the rest
    (down migrations, application code) by path. Never by content."""
    schema = config.schema

    def key(f: SourceFile) -> tuple[int, int, tuple[int, ...], str]:
        if f.role == "schema":
            at = next((i for i, g in enumerate(schema) if _glob_match(f.path, (g,), config.root)),
                      len(schema))
            return (0, at, (), f.display)
        if f.role == "migration":
            return (1, 0, f.version, f.display)
        return (2, 0, (), f.display)

    return sorted(files, key=key)


def _say_if_large(files: list[SourceFile], config: Config) -> None:
    total = 0
    for f in files:
        with contextlib.suppress(OSError):
            total += f.path.stat().st_size
    if len(files) > LARGE_FILES or total > LARGE_BYTES:
        _warn_large(str(config.root), len(files), total, config.source is not None)


@lru_cache(maxsize=8)  # once per project and run, though discovery runs twice
def _warn_large(root: str, count: int, size: int, configured: bool) -> None:
    how = ("narrow it with `exclude = [...]`, or name the schema with `schema = [...]` "
           "and `migrations = [...]`")
    where = "in its config" if configured else "in a sqllint.toml or [tool.sqllint] at the root"
    print(f"sqllint: reading {count:,} files ({size / 1e6:,.0f} MB) under {root}; "
          f"{how} {where}. Only the checked files' queries are kept.", file=sys.stderr)


def is_large(files: Iterable[SourceFile]) -> bool:
    files = list(files)
    if len(files) > LARGE_FILES:
        return True
    total = 0
    for f in files:
        with contextlib.suppress(OSError):
            total += f.path.stat().st_size
    return total > LARGE_BYTES


def input_files(
    paths: Iterable[Path], config: Config, reader: Reader
) -> list[tuple[str, bool, bytes]]:
    """What a run reads: (display path, is a target, sha256 of the content) of every
    file, of every file a SQL file includes and of every migration's sidecar (diesel's
    metadata.toml, Flyway's .conf): the answer depends on those too."""
    import hashlib

    from sqllint.migrations.sidecar import sidecar, sidecar_path

    out = []
    seen: set[Path] = set()
    for file in discover(paths, config, virtual=reader.overrides):
        seen.add(file.path)
        if not file.read:
            out.append((file.display, file.target, b""))
            continue
        out.append((file.display, file.target, reader.digest(file.path)))
        side = sidecar_path(file.display) if file.role in ("migration", "down") else None
        if side is not None:
            text = sidecar(file.display, config)
            data = b"\x00none" if text is None else text.encode("utf-8", "surrogatepass")
            out.append((display_path(side), False, hashlib.sha256(data).digest()))
        if file.lang == "sql":
            for target in reader.included(file.path):
                if target not in seen:
                    seen.add(target)
                    out.append((display_path(target), False, reader.digest(target)))
    return out
