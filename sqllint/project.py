"""Files → ordered statements → catalog: everything the rules need, read once."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from sqllint.catalog.build import CatalogBuilder
from sqllint.catalog.model import Catalog
from sqllint.config import Config
from sqllint.discover import SourceFile, discover, display_path
from sqllint.model import Statement, with_changes
from sqllint.parallel import ParseJob, Progress, gc_paused, parse_files
from sqllint.sources import sqlfile
from sqllint.sources.text import FileText, decode, read_text

_INCLUDE = re.compile(r"^[ \t]*\\(i|ir|include|include_relative)[ \t]+(\S+)[ \t]*$", re.M)
_DEFINES_SCHEMA = frozenset({"CreateStmt", "ViewStmt", "CreateTableAsStmt", "IndexStmt"})


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

    @cached_property  # asked once per finding and statement: compute it once
    def targets(self) -> frozenset[str]:
        return frozenset(f.display for f in self.files if f.target)


def _python_statements(path: str, text: str, config: Config, migration: bool) -> list[Statement]:
    try:
        from sqllint.sources import python
    except ImportError:  # pragma: no cover - the Python source reader is optional
        return []
    return list(python.statements(path, text, config, migration=migration))


def _read(file: SourceFile, overrides: Mapping[Path, str]) -> FileText:
    if file.path in overrides:
        return decode(overrides[file.path].encode("utf-8", errors="surrogatepass"))
    return read_text(file.path)


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
    for file in files:
        if file.path in included:
            continue
        content = _read(file, overrides)
        if content.problem:
            problems.append(FileProblem(file.display, content.problem))
            continue
        texts[file.display] = content.text
        migration = file.role in ("migration", "down")
        stmts: list[Statement] = []
        # psql includes (\i, \ir, \include; not \if) are read in order, here.
        if file.lang != "python" and _INCLUDE.search(content.text):
            stmts = _sql_with_includes(file, content.text, migration, texts, included, problems)
        else:
            pending.append((len(per_file), ParseJob(file.display, file.lang, content.text,
                                                    migration)))
        per_file.append((file, stmts))
    parsed = parse_files([job for _, job in pending], config, progress=progress)
    for (at, _), stmts in zip(pending, parsed, strict=True):
        per_file[at] = (per_file[at][0], stmts)

    ordered = _order(per_file)
    statements = [with_changes(stmt, seq=seq) for seq, stmt in enumerate(ordered)]
    applies = {f.display: f.applies for f in files}
    with gc_paused():
        final, catalogs = _build_catalogs(statements, applies)
    return Project(
        config=config,
        files=tuple(files),
        statements=tuple(statements),
        catalog=final,
        catalogs=catalogs,
        texts=texts,
        problems=tuple(problems),
    )


def _build_catalogs(
    statements: list[Statement], applies: Mapping[str, bool]
) -> tuple[Catalog, dict[int, Catalog]]:
    """The final catalog, and the catalog as it stood before each DDL statement and
    each query of a file that also holds DDL (snapshots share structure: cheap).

    Not cached: building it (0.5 s on pg_regress) is three times faster than unpickling
    its snapshots, which share structure in memory but not in a pickle.
    """
    # Queries in files without DDL of their own see the whole schema.
    ddl_paths = {s.path for s in statements if s.node_type in _DEFINES_SCHEMA}
    builder = CatalogBuilder()
    catalogs: dict[int, Catalog] = {}
    path = None
    for stmt in statements:
        if stmt.path != path:
            builder.end_session()
            path = stmt.path
        if stmt.node is None:
            continue
        if stmt.kind == "query" or stmt.node_type in sqlfile.QUERY_NODES:
            if stmt.path in ddl_paths:
                catalogs[stmt.seq] = builder.snapshot()
        else:
            catalogs[stmt.seq] = builder.snapshot()
            if applies.get(stmt.path, True):
                builder.apply(stmt)
    return builder.snapshot(), catalogs


def _order(per_file: list[tuple[SourceFile, list[Statement]]]) -> list[Statement]:
    """Schema files, then migrations by version, then the rest.

    A schema file beside migrations is either the base the migrations build on (it
    must come first) or a dump of their end state (applying it first is harmless:
    the migrations redefine the same objects).
    """

    def rank(item: tuple[SourceFile, list[Statement]]) -> int:
        file, stmts = item
        if file.role in ("migration", "down"):
            return 1
        if any(s.node_type in _DEFINES_SCHEMA for s in stmts):
            return 0
        return 2

    out: list[Statement] = []
    for _, stmts in sorted(per_file, key=rank):  # stable: discovery order within a rank
        out.extend(stmts)
    return out


def _sql_with_includes(
    file: SourceFile,
    text: str,
    migration: bool,
    texts: dict[str, str],
    included: set[Path],
    problems: list[FileProblem],
    depth: int = 0,
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
                                   depth + 1)
        line = lines.position(m.start())[0]
        at = sum(1 for s in stmts if s.line < line)
        stmts[at:at] = inner
    return stmts
