"""An editor session: the project read once, one file re-linted against it on each change.

The first lint reads the whole project (statements of every file, the catalog built in
order). After that, a changed file is re-parsed alone and its statements replace the old
ones in place; the catalog is reused as it is unless the old or the new text changes the
schema (a DDL statement the catalog builder applies), and only the rules for that file
run. No pygls here: the server (sqllint.lsp.server) wires this to the protocol.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqllint.catalog.build import CatalogBuilder
from sqllint.check import check_project
from sqllint.config import Config, load_config
from sqllint.discover import display_path
from sqllint.model import Finding, Statement, with_changes
from sqllint.parallel import ParseJob, parse_source
from sqllint.project import Project, _build_catalogs, load_project
from sqllint.replay import temporary as _temporary
from sqllint.sources import sqlfile

LANGUAGES = (".sql", ".py")


def changes_schema(stmts: Sequence[Statement], role: str) -> bool:
    """Does applying these statements of a file of ``role`` change the catalog, as
    ``_build_catalogs`` applies them (a migration always counts: its queries see the
    schema as it stands there)?"""
    if role == "migration":
        return bool(stmts)
    for stmt in stmts:
        if stmt.node is None or stmt.kind == "query" or stmt.node_type in sqlfile.QUERY_NODES:
            continue
        if role == "source" and not (stmt.migration or _temporary(stmt)):
            continue  # application code's DDL is not schema
        if role in ("schema", "source") and hasattr(CatalogBuilder, f"_on_{stmt.node_type}"):
            return True
    return False


@dataclass
class Session:
    root: Path
    config: Config | None = None
    project: Project | None = None
    open_texts: dict[Path, str] = field(default_factory=dict)  # unsaved editor buffers
    # How the last lint went, for the benchmark: "full" / "catalog" / "reused".
    last_mode: str = ""
    # Query facts by statement text, valid while the catalog is the same object.
    facts: dict[Any, Any] = field(default_factory=dict)
    # Statement text → its parse, so an edit re-parses only the statements it touched.
    parsed: dict[str, sqlfile.Parsed] = field(default_factory=dict)
    # Read only the open buffers, not the folder (a scratch file outside any project).
    buffers_only: bool = False

    def __post_init__(self) -> None:
        self.root = self.root.resolve()
        if self.config is None:
            self.config = load_config(None, start=self.root)

    @staticmethod
    def for_scratch(path: Path) -> Session:
        """The session of a file opened with no workspace: its folder's project, or, when
        no project root governs it (an editor's scratch file in ``/tmp`` or ``/``), that
        file alone, as ``sqllint check --stdin-filename`` reads it, never the folder."""
        session = Session(Path(os.path.abspath(path)).parent)
        assert session.config is not None
        session.buffers_only = not session.config.rooted
        return session

    def _load(self) -> Project:
        assert self.config is not None
        if self.buffers_only:
            paths = list(self.open_texts)
        else:
            # Buffers of files not on disk yet are named, or discovery would not see them.
            paths = [self.root, *(p for p in self.open_texts if not p.exists())]
        self.project = load_project(paths, self.config, dict(self.open_texts))
        return self.project

    def reload(self) -> None:
        """Read every file again (a file was created, deleted or renamed)."""
        self.project = None

    def lint(self, path: Path, text: str) -> list[Finding]:
        """The findings of ``path`` with ``text`` as its content (an editor's buffer)."""
        path = Path(os.path.abspath(path))
        self.open_texts[path] = text
        loaded = self.project is None
        project = self.project if self.project is not None else self._load()
        display = display_path(path)
        changed = self._with_file(project, display, text)
        if changed is None:  # a file the project did not have: read everything again
            changed, loaded = self._load(), True
        if loaded:
            self.last_mode = "full"
        project = changed
        self.project = project
        if not any(f.display == display for f in project.files):
            return []
        if self.last_mode != "reused":
            self.facts.clear()  # a new catalog: the facts would never match again
        only = replace(project)
        # Findings for this file only: ``targets`` is a cached property of the project,
        # set here instead of copying every SourceFile with another ``target`` flag.
        only.__dict__["targets"] = frozenset({display})
        result = check_project(only, memo=self.facts)
        return [f for f in result.findings if f.location.path == display]

    def _with_file(self, project: Project, display: str, text: str) -> Project | None:
        file = next((f for f in project.files if f.display == display), None)
        if file is None:
            return None
        if project.texts.get(display) == text:
            self.last_mode = "reused"
            return project
        at = [i for i, s in enumerate(project.statements) if s.path == display]
        if not at and file.role not in ("migration", "down"):
            at = [len(project.statements)]  # an empty query or schema file: at the end
            lo = hi = at[0]
        elif not at or at[-1] - at[0] + 1 != len(at):
            return None  # an empty migration (where in the order?) or an include: reload
        else:
            lo, hi = at[0], at[-1] + 1
        assert self.config is not None
        migration = file.role in ("migration", "down")
        if len(self.parsed) > 20_000:
            self.parsed.clear()
        parsed = parse_source(ParseJob(display, file.lang, text, migration), self.config,
                              memo=self.parsed)
        delta = len(parsed) - (hi - lo)
        new = [with_changes(s, seq=lo + k) for k, s in enumerate(parsed)]
        rest = project.statements[hi:]
        if delta:
            rest = tuple(with_changes(s, seq=s.seq + delta) for s in rest)
        statements = (*project.statements[:lo], *new, *rest)
        texts = {**project.texts, display: text}
        old = project.statements[lo:hi]
        if changes_schema(old, file.role) or changes_schema(new, file.role):
            roles = {f.display: f.role for f in project.files}
            catalog, catalogs, run = _build_catalogs(list(statements), roles, self.config)
            self.last_mode = "catalog"
        else:
            # The schema is as it was: the same catalogs, keyed by the shifted positions.
            catalog = project.catalog
            catalogs = {(k if k < lo else k + delta): c for k, c in project.catalogs.items()
                        if not lo <= k < hi}
            run = project.run
            self.last_mode = "reused"
        return replace(project, statements=statements, catalog=catalog, catalogs=catalogs,
                       texts=texts, run=run)

