"""Files → ordered statements → catalog: everything the rules need, read once."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from sqllint.catalog.build import CatalogBuilder
from sqllint.catalog.model import Catalog
from sqllint.config import Config
from sqllint.discover import SourceFile, discover, display_path
from sqllint.model import Statement
from sqllint.sources import sqlfile
from sqllint.sources.text import FileText, decode, read_text

_INCLUDE = re.compile(r"^[ \t]*\\(i|ir|include|include_relative)[ \t]+(\S+)[ \t]*$", re.M)
_DEFINES_SCHEMA = frozenset({"CreateStmt", "ViewStmt", "CreateTableAsStmt", "IndexStmt"})


@dataclass(frozen=True)
class FileProblem:
    """A file that could not be read as text: reported as SL001 at 1:1."""

    path: str
    message: str


@dataclass(frozen=True)
class Project:
    config: Config
    files: tuple[SourceFile, ...]
    statements: tuple[Statement, ...]  # application order, seq = index
    catalog: Catalog
    catalogs: Mapping[int, Catalog]
    texts: Mapping[str, str]
    problems: tuple[FileProblem, ...]

    @property
    def targets(self) -> frozenset[str]:
        return frozenset(f.display for f in self.files if f.target)


def _python_statements(path: str, text: str, config: Config, migration: bool) -> list[Statement]:
    try:
        from sqllint.sources import python  # type: ignore[attr-defined,unused-ignore]
    except ImportError:  # pragma: no cover - the Python source reader is optional
        return []
    return list(python.statements(path, text, config, migration=migration))


def _read(file: SourceFile, overrides: Mapping[Path, str]) -> FileText:
    if file.path in overrides:
        return decode(overrides[file.path].encode("utf-8", errors="surrogatepass"))
    return read_text(file.path)


def load_project(
    paths: Iterable[Path], config: Config, overrides: Mapping[Path, str] | None = None
) -> Project:
    """Read every file, order the statements as they apply, build the catalog.

    ``overrides`` replaces the text of a file (an editor's unsaved buffer).
    """
    overrides = {p.resolve(): t for p, t in (overrides or {}).items()}
    files = discover(paths, config)
    texts: dict[str, str] = {}
    problems: list[FileProblem] = []
    included: set[Path] = set()
    per_file: list[tuple[SourceFile, list[Statement]]] = []
    for file in files:
        if file.path in included:
            continue
        content = _read(file, overrides)
        if content.problem:
            problems.append(FileProblem(file.display, content.problem))
            continue
        texts[file.display] = content.text
        migration = file.role in ("migration", "down")
        if file.lang == "python":
            stmts = _python_statements(file.display, content.text, config, migration)
        else:
            stmts = _sql_with_includes(file, content.text, migration, texts, included, problems)
        per_file.append((file, stmts))

    ordered = _order(per_file)
    builder = CatalogBuilder()
    statements: list[Statement] = []
    catalogs: dict[int, Catalog] = {}
    applies = {f.display: f.applies for f in files}
    for seq, stmt in enumerate(ordered):
        stmt = replace(stmt, seq=seq)
        statements.append(stmt)
        if stmt.node is None:
            continue
        if stmt.kind == "query" or stmt.node_type in sqlfile.QUERY_NODES:
            catalogs[seq] = builder.snapshot()
        elif applies.get(stmt.path, True):
            builder.apply(stmt)
    final = builder.snapshot()
    # Queries in files without DDL of their own see the whole schema.
    ddl_paths = {s.path for s in statements if s.node_type in _DEFINES_SCHEMA}
    catalogs = {seq: cat for seq, cat in catalogs.items()
                if statements[seq].path in ddl_paths}
    return Project(
        config=config,
        files=tuple(files),
        statements=tuple(statements),
        catalog=final,
        catalogs=catalogs,
        texts=texts,
        problems=tuple(problems),
    )


def _order(per_file: list[tuple[SourceFile, list[Statement]]]) -> list[Statement]:
    """Migrations by version, then files that define schema, then the rest."""

    def rank(item: tuple[SourceFile, list[Statement]]) -> int:
        file, stmts = item
        if file.role in ("migration", "down"):
            return 0
        if any(s.node_type in _DEFINES_SCHEMA for s in stmts):
            return 1
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
    if "\\i" not in text or depth > 16:
        return stmts
    from sqllint.sources.text import LineIndex

    lines = LineIndex(text)
    for m in reversed(list(_INCLUDE.finditer(text))):
        name = m.group(2).strip("'\"")
        base = file.path.parent if m.group(1) in ("ir", "include_relative") else Path.cwd()
        target = (base / name).resolve()
        if not target.exists() and m.group(1) not in ("ir", "include_relative"):
            target = (file.path.parent / name).resolve()
        if target in included or target == file.path:
            continue
        included.add(target)
        content = read_text(target)
        display = display_path(target)
        if content.problem:
            line = lines.position(m.start())[0]
            problems.append(FileProblem(display, f"{content.problem} (included from "
                                                 f"{file.display}:{line})"))
            continue
        texts[display] = content.text
        child = replace(file, path=target, display=display, target=False)
        inner = _sql_with_includes(child, content.text, migration, texts, included, problems,
                                   depth + 1)
        line = lines.position(m.start())[0]
        at = sum(1 for s in stmts if s.line < line)
        stmts[at:at] = inner
    return stmts
