"""Files → ordered statements → catalog: everything the rules need, read once."""

from __future__ import annotations

import bisect
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
from sqllint.escape import visible
from sqllint.model import Statement
from sqllint.parallel import ParseJob, Progress, gc_paused, parse_files
from sqllint.reading import INCLUDE, MAX_INCLUDE_DEPTH, Reader, includes
from sqllint.replay import Replay
from sqllint.sources import sqlfile


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


def load_project(
    paths: Iterable[Path], config: Config, overrides: Mapping[Path, str] | None = None,
    *, progress: Progress | None = None, reader: Reader | None = None,
) -> Project:
    """Read every file, order the statements as they apply, build the catalog.

    ``overrides`` replaces the text of a file (an editor's unsaved buffer). Parsed files
    and the built catalog come from ``.sqllint_cache/`` when unchanged (sqllint.cache);
    the rest are parsed by sqllint.parallel. ``progress(done, total)`` is told as files
    are parsed. ``reader`` reads every file once, inside the project root
    (sqllint.reading): pass the one the cache key was computed with.
    """
    paths = list(paths)
    overrides = {Path(os.path.abspath(p)): t for p, t in (overrides or {}).items()}
    reader = reader or Reader.for_run(config.root, paths, overrides)
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
        content = reader.text(file.path)
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
        if file.lang != "python" and INCLUDE.search(text):
            stmts = _sql_with_includes(file, text, migration, texts, included, problems,
                                       reader)
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
    reader: Reader,
    depth: int = 0,
) -> list[Statement]:
    stmts = list(sqlfile.statements(file.display, text, migration=migration))
    if depth > MAX_INCLUDE_DEPTH or not INCLUDE.search(text):
        return stmts
    from sqllint.sources.text import LineIndex

    lines = LineIndex(text)
    starts = [s.line for s in stmts]  # in file order
    for inc in reversed(list(includes(file.path, text))):
        target = inc.target
        if target in included or target == file.path:
            continue
        included.add(target)
        content = reader.text(target)
        display = display_path(target)
        line = lines.position(inc.start)[0]
        if content.problem:
            # Reported at the include, in the file that names it.
            problems.append(FileProblem(file.display, f"\\{inc.command} {visible(inc.name)}: "
                                                      f"{content.problem}", line))
            continue
        texts[display] = content.text
        child = replace(file, path=target, display=display, target=False)
        inner = _sql_with_includes(child, content.text, migration, texts, included, problems,
                                   reader, depth + 1)
        at = bisect.bisect_left(starts, line)
        stmts[at:at] = inner
    return stmts
