"""Files → ordered statements → catalog: everything the rules need, read once."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from sqllint.catalog.model import Catalog
from sqllint.config import Config
from sqllint.context import RunFacts
from sqllint.discover import SourceFile, applied_text, discover, display_path, is_large
from sqllint.model import Statement
from sqllint.parallel import ParseJob, Progress, gc_paused, parse_files
from sqllint.replay import Replay
from sqllint.sources import sqlfile
from sqllint.sources.text import FileText, decode, read_text

_INCLUDE = re.compile(r"^[ \t]*\\(i|ir|include|include_relative)[ \t]+(\S+)[ \t]*$", re.M)


@dataclass(frozen=True)
class FileProblem:
    """A file that could not be read as text: reported as SL001 where it was named."""

    path: str
    message: str
    line: int = 1


@dataclass(frozen=True)
class Project:
    config: Config
    files: tuple[SourceFile, ...]
    statements: tuple[Statement, ...]  # application order, seq = index
    catalog: Catalog
    catalogs: Mapping[int, Catalog]
    texts: Mapping[str, str]
    problems: tuple[FileProblem, ...]
    run: RunFacts = field(default_factory=RunFacts)

    @cached_property  # asked once per finding and statement: compute it once
    def targets(self) -> frozenset[str]:
        return frozenset(f.display for f in self.files if f.target)


def _python_statements(path: str, text: str, config: Config, migration: bool) -> list[Statement]:
    try:
        from sqllint.sources import python
    except ImportError:  # pragma: no cover - the Python source reader is optional
        return []
    return list(python.statements(path, text, config, migration=migration))


def _read(file: SourceFile, overrides: Mapping[Path, str], root: Path | None = None
          ) -> FileText:
    if file.path in overrides:
        return decode(overrides[file.path].encode("utf-8", errors="surrogatepass"))
    if root is not None and not inside(file.path, root):
        return FileText("", OUTSIDE_ROOT)
    return read_text(file.path)


OUTSIDE_ROOT = "a symlink that leads outside the project root: not read"


def reading_root(config: Config) -> Path | None:
    """The folder no file of the run may be read from outside of (None: no project root,
    only the paths given are read)."""
    return config.root if config.rooted else None


def inside(path: Path, root: Path) -> bool:
    """Is ``path``, symlinks followed, inside ``root``? A committed link to a secret
    elsewhere is not."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError, RuntimeError):  # outside, unreadable, or a link loop
        return False
    return True


def load_project(
    paths: Iterable[Path], config: Config, overrides: Mapping[Path, str] | None = None,
    *, progress: Progress | None = None,
) -> Project:
    """Read every file, order the statements as they apply, build the catalog.

    ``overrides`` replaces the text of a file (an editor's unsaved buffer). Parsed files
    and the built catalog come from ``.sqllint_cache/`` when unchanged (sqllint.cache);
    the rest are parsed by sqllint.parallel. ``progress(done, total)`` is told as files
    are parsed.
    """
    overrides = {Path(os.path.abspath(p)): t for p, t in (overrides or {}).items()}
    files = discover(paths, config, virtual=overrides)
    texts: dict[str, str] = {}
    problems: list[FileProblem] = []
    included: set[Path] = set()
    per_file: list[tuple[SourceFile, list[Statement]]] = []
    pending: list[tuple[int, ParseJob]] = []  # parsed below, all at once
    large = is_large(files)
    for file in files:
        if file.path in included or not file.read:
            continue
        content = _read(file, overrides, reading_root(config))
        if content.problem:
            problems.append(FileProblem(file.display, content.problem))
            continue
        texts[file.display] = content.text
        migration = file.role in ("migration", "down")
        # dbmate / goose files hold both directions: only the up part runs.
        text = applied_text(content.text) if migration else content.text
        if large and not file.target and file.lang == "sql":
            text = _schema_only(text)
        stmts: list[Statement] = []
        # psql includes (\i, \ir, \include; not \if) are read in order, here.
        if file.lang != "python" and _INCLUDE.search(text):
            stmts = _sql_with_includes(file, text, migration, texts, included, problems,
                                       root=config.root if config.rooted else None)
        else:
            pending.append((len(per_file), ParseJob(file.display, file.lang, text,
                                                    migration)))
        per_file.append((file, stmts))
    parsed = parse_files([job for _, job in pending], config, progress=progress)
    for (at, _), stmts in zip(pending, parsed, strict=True):
        file = per_file[at][0]
        if large and not file.target:
            # Memory stays bounded on a large tree: of the files read only for the
            # schema, only what can build it is kept.
            stmts = [s for s in stmts if s.kind != "query"]
        per_file[at] = (file, stmts)

    # Discovery's order is the application order; never reordered by content.
    ordered = [stmt for _, stmts in per_file for stmt in stmts]
    replay = Replay({f.display: f.role for f in files}, config)
    for file, stmts in per_file:
        replay.adopt(file.display, file.role, stmts)
    replay.note_created(ordered)
    with gc_paused():
        statements = replay.unit(ordered)
        final, catalogs, run = replay.finish()
    return Project(
        config=config,
        files=tuple(files),
        statements=tuple(statements),
        catalog=final,
        catalogs=catalogs,
        texts=texts,
        problems=tuple(problems),
        run=run,
    )


_QUERY_START = re.compile(
    r"(?:\s+|--[^\n]*|/\*.*?\*/)*(?:SELECT|INSERT|UPDATE|DELETE|WITH|VALUES|TABLE|EXPLAIN"
    r"|COPY|MERGE)\b", re.I | re.S)


def _build_catalogs(
    statements: list[Statement], roles: Mapping[str, str], config: Config
) -> tuple[Catalog, dict[int, Catalog], RunFacts]:
    """The catalog, its snapshots and the run facts of statements numbered in order
    (an editor session rebuilding them after an edit)."""
    replay = Replay(roles, config)
    replay.note_created(statements)
    replay.unit(statements)
    return replay.finish()


def _schema_only(text: str) -> str:
    """``text`` with its queries blanked, positions kept: on a tree too large to hold
    every query's parse tree, a file read only for the schema keeps what builds it."""
    from pglast import parser as pg

    try:
        slices = pg.split(text, with_parser=False, only_slices=True)
    except Exception:  # psql meta-commands, a lexical error: read it whole
        return text
    out: list[str] = []
    at = 0
    for piece in slices:
        if _QUERY_START.match(text, piece.start):
            out.append(text[at:piece.start])
            out.append(re.sub(r"[^\n]", " ", text[piece.start:piece.stop]))
            at = piece.stop
    out.append(text[at:])
    return "".join(out)


def _sql_with_includes(
    file: SourceFile,
    text: str,
    migration: bool,
    texts: dict[str, str],
    included: set[Path],
    problems: list[FileProblem],
    depth: int = 0,
    root: Path | None = None,
) -> list[Statement]:
    stmts = list(sqlfile.statements(file.display, text, migration=migration))
    if depth > 16 or not _INCLUDE.search(text):
        return stmts
    from sqllint.sources.text import LineIndex

    lines = LineIndex(text)
    for m in reversed(list(_INCLUDE.finditer(text))):
        name = m.group(2).strip("'\"")
        base = file.path.parent if m.group(1) in ("ir", "include_relative") else Path.cwd()
        target = Path(os.path.abspath(base / name))
        if not target.exists() and m.group(1) not in ("ir", "include_relative"):
            target = Path(os.path.abspath(file.path.parent / name))
        if target in included or target == file.path:
            continue
        included.add(target)
        if root is not None and not (target.is_relative_to(root) and inside(target, root)):
            content = FileText("", "outside the project root: not read")
        else:
            content = read_text(target)
        display = display_path(target)
        if content.problem:
            # Reported at the include, in the file that names it.
            line = lines.position(m.start())[0]
            problems.append(FileProblem(file.display, f"\\{m.group(1)} {name}: "
                                                      f"{content.problem}", line))
            continue
        texts[display] = content.text
        child = replace(file, path=target, display=display, target=False)
        inner = _sql_with_includes(child, content.text, migration, texts, included, problems,
                                   depth + 1, root)
        line = lines.position(m.start())[0]
        at = sum(1 for s in stmts if s.line < line)
        stmts[at:at] = inner
    return stmts
