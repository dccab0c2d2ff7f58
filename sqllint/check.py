"""Running the rules over a project: findings filtered, suppressed, sorted; the index plan."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqllint import analysis
from sqllint.config import Config
from sqllint.model import Finding, Location, Statement
from sqllint.project import FileProblem, Project
from sqllint.result import CheckResult, FindingsWriter, PlannedIndex, Spool
from sqllint.rules import Context, RuleSpec, all_rules
from sqllint.suppress import ALL, Suppressions, parse_suppressions


def make_context(project: Project) -> Context:
    return Context(
        config=project.config,
        catalog=project.catalog,
        statements=project.statements,
        targets=project.targets,
        catalogs=project.catalogs,
        texts=project.texts,
        run=project.run,
    )


def enabled_rules(config: Config) -> list[RuleSpec]:
    return [r for r in all_rules() if config.code_enabled(r.code)
            and (not r.opt_in or config.names_exactly(r.code, r.name))]


def run_rules(ctx: Context, rules: list[RuleSpec]) -> Iterator[Finding]:
    """Every finding of every rule over ``ctx`` as one piece (all statements at once)."""
    gathered = gather(ctx, rules)
    found, scanned = check_file(ctx, rules, gathered)
    yield from found
    yield from check_catalog(ctx, rules)
    yield from report(rules, gathered, [scanned])


def check_file(
    ctx: Context, rules: list[RuleSpec], gathered: dict[str, list[Any]]
) -> tuple[list[Finding], dict[str, list[Any]]]:
    """The findings of the rules that read statements, over ``ctx``'s statements (one
    file's, or all of them), and what repository-wide rules' ``scan`` found there.

    A rule that fails on one statement skips only that.
    """
    out: list[Finding] = []
    targets = [s for s in ctx.statements if s.path in ctx.targets]
    # Another engine's statements run too: their table names are checked (SL002).
    running = [s for s in targets
               if (s.node is not None and analysis.queries(ctx, s)) or s.dialect_tables]
    for rule in rules:
        if rule.check_statement is not None:
            for stmt in running if rule.scope == "queries" else targets:
                try:
                    out.extend(rule.check_statement(ctx, stmt))
                except (RecursionError, Exception) as exc:
                    _internal(rule, stmt, exc)
        if rule.check is not None and rule.scope != "catalog" and rule.gather is None:
            try:
                out.extend(rule.check(ctx))
            except (RecursionError, Exception) as exc:
                _internal(rule, None, exc)
    scanned: dict[str, list[Any]] = {}
    for rule in rules:
        if rule.scan is not None and gathered.get(rule.code):
            try:
                scanned[rule.code] = rule.scan(ctx, gathered[rule.code])
            except (RecursionError, Exception) as exc:
                _internal(rule, None, exc)
    return out, scanned


def check_catalog(ctx: Context, rules: list[RuleSpec]) -> Iterator[Finding]:
    """The findings of the rules that read only the final catalog (once per run)."""
    for rule in rules:
        if rule.check is not None and rule.scope == "catalog":
            try:
                yield from rule.check(ctx)
            except (RecursionError, Exception) as exc:
                _internal(rule, None, exc)


def gather(ctx: Context, rules: list[RuleSpec]) -> dict[str, list[Any]]:
    """What repository-wide rules need from ``ctx``'s statements before any query is
    scanned (migrations that drop or rename)."""
    out: dict[str, list[Any]] = {}
    for rule in rules:
        if rule.gather is not None:
            try:
                out[rule.code] = rule.gather(ctx)
            except (RecursionError, Exception) as exc:
                _internal(rule, None, exc)
    return out


def report(
    rules: list[RuleSpec], gathered: dict[str, list[Any]], scans: list[dict[str, list[Any]]]
) -> Iterator[Finding]:
    """Repository-wide rules' findings, from what was gathered and scanned file by file."""
    for rule in rules:
        if rule.report is not None and gathered.get(rule.code):
            found = [item for scanned in scans for item in scanned.get(rule.code, ())]
            try:
                yield from rule.report(gathered[rule.code], found)
            except (RecursionError, Exception) as exc:
                _internal(rule, None, exc)


def _internal(rule: RuleSpec, stmt: Statement | None, exc: BaseException) -> None:
    where = f" at {stmt.path}:{stmt.line}" if stmt is not None else ""
    print(f"sqllint: internal error in {rule.code}{where}: {type(exc).__name__}: {exc}",
          file=sys.stderr)
    if _debug():
        raise exc


def _debug() -> bool:
    import os

    return os.environ.get("SQLLINT_DEBUG") == "1"


def file_problem_findings(
    problems: Iterable[FileProblem], targets: frozenset[str]
) -> Iterator[Finding]:
    for problem in problems:
        if problem.path in targets:
            where = Location(problem.path, problem.line, 1, problem.line, 1)
            yield Finding("SL001", "parse-error", "error", where, problem.message)


def check_project(project: Project, rules: list[RuleSpec] | None = None, *,
                  memo: dict[Any, Any] | None = None) -> CheckResult:
    """``memo`` keeps query facts from one run to the next (an editor session)."""
    from sqllint.analysis.queries import SHARED_FACTS

    config = project.config
    rules = enabled_rules(config) if rules is None else rules
    ctx = make_context(project)
    if memo is not None:
        ctx.cache[SHARED_FACTS] = memo
    raw = list(run_rules(ctx, rules))
    if config.code_enabled("SL001"):
        raw.extend(file_problem_findings(project.problems, project.targets))
    suppressor = Suppressor(config)
    suppressor.learn(project.texts, project.statements)
    return finish(raw, suppressor, ctx, files=sum(1 for f in project.files if f.read),
                  statements=len(project.statements))


def finish(
    raw: Iterable[Finding] | Spool, suppressor: Suppressor, ctx: Context, *, files: int,
    statements: int,
) -> CheckResult:
    """Findings filtered, in their one order, their suggestions pointing at the index plan.

    A file at a time (findings are ordered by path first): only one file's findings stand
    as objects at once when there are many (``sqllint.result.Spool``)."""
    from sqllint.advisor.plan import plan_indexes

    spool = raw if isinstance(raw, Spool) else Spool(raw)
    unused_on = ctx.config.code_enabled("SL008")
    paths = spool.paths()
    if unused_on:
        paths.update(suppressor.directive_paths() & ctx.targets)
    out = FindingsWriter()
    asks: list[Finding] = []  # what the index plan reads of the findings
    shared: dict[Any, Any] = {}  # equal index requests and suggestions: one object
    for path in sorted(paths):
        kept = _kept(spool.take(path), suppressor)
        if unused_on:
            unused = [f for f in suppressor.unused(ctx.targets & {path})
                      if suppressor.keep(f, record=False)]
            if unused:
                kept = sorted(dict.fromkeys([*kept, *unused]), key=Finding.sort_key)
        for f in kept:
            out.add(f)
            if f.index is not None or f.suggestion:
                asks.append(_ask(f, shared))
    indexes = plan_indexes(asks, ctx)
    return CheckResult(findings=out.done(_planned_lookup(indexes)), indexes=tuple(indexes),
                       files=files, statements=statements, schema_found=not ctx.catalog.empty,
                       schema_tables=len(ctx.catalog.tables))


def _kept(found: Iterable[Finding], suppressor: Suppressor) -> list[Finding]:
    """One file's findings, not suppressed, sorted, each told once."""
    # dict, not set: the first of equal findings wins, whatever the hash seed. A string
    # built in branches is one statement per path: a finding all paths share is one.
    kept = sorted(dict.fromkeys(f for f in found if suppressor.keep(f)), key=Finding.sort_key)
    return list({(f.rule, f.location, f.message, f.suggestion): f for f in reversed(kept)
                 }.values())[::-1]


def _ask(f: Finding, shared: dict[Any, Any]) -> Finding:
    """What the index plan reads of a finding (its index request, suggestion, place):
    a request asked for at many places is one object (the plan compares requests by
    value; ``names`` is not compared, so it is part of the key)."""
    index = f.index
    if index is not None:
        index = shared.setdefault((index, getattr(index, "names", None)), index)
    suggestion = f.suggestion and shared.setdefault(f.suggestion, f.suggestion)
    return Finding(f.rule, f.name, f.severity, f.location, "", suggestion, index=index)


def _planned_lookup(plan: list[PlannedIndex]) -> dict[tuple[str, str], str]:
    """(path:line, suggested DDL) → the planned DDL that stands for it, where it is not
    the suggestion itself."""
    out: dict[tuple[str, str], str] = {}
    for planned in plan:
        for where in planned.serves:
            for request in planned.requests:
                out.setdefault((where, request), planned.ddl)
    return {key: ddl for key, ddl in out.items() if ddl != key[1]}


class Suppressor:
    """Disabled rules, per-file ignores and suppression comments, learnt file by file;
    it records which directive suppressed what (for SL008, unused suppressions)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._relative: dict[str, str] = {}  # finding path -> path from the config root
        self.ignores: list[tuple[Any, tuple[str, ...]]] = []
        if config.per_file_ignores:
            import pathspec

            self.ignores = [(pathspec.PathSpec.from_lines("gitignore", [glob]), tuple(codes))
                            for glob, codes in config.per_file_ignores]
        self.found: dict[str, Suppressions] = {}  # files with directives only
        self.texts: dict[str, str] = {}  # files with directives: those lines (SL008)
        self.starts: dict[str, dict[int, int]] = {}  # any line of a statement → its first
        self.used: dict[str, set[tuple[int, str]]] = {}

    def learn(self, texts: Mapping[str, str], statements: Sequence[Statement]) -> None:
        """The directives of these files (statements: theirs, or more)."""
        for path, text in texts.items():
            if path in self.found:
                continue
            found = parse_suppressions(text, python=path.endswith(".py"))
            if found.directives:
                self.found[path] = found
                self.texts[path] = _directive_lines(text, found)
                self.starts[path] = _statement_lines(statements, path)

    def directive_paths(self) -> set[str]:
        """The files with suppression directives."""
        return set(self.found)

    def merge(self, other: Suppressor) -> None:
        """What a worker learnt and used, in its own copy."""
        for path, found in other.found.items():
            self.found.setdefault(path, found)
            self.texts.setdefault(path, other.texts[path])
            self.starts.setdefault(path, other.starts[path])
        for path, hits in other.used.items():
            self.used.setdefault(path, set()).update(hits)

    def keep(self, f: Finding, *, record: bool = True) -> bool:
        if not self.config.code_enabled(f.rule):
            return False
        path = f.location.path
        if self.ignores:
            rel = self._relative.get(path)
            if rel is None:  # once per file, not per finding (two realpath calls)
                rel = self._relative[path] = _root_relative(path, self.config.root)
            if any(spec.match_file(rel) and any(f.rule.startswith(c) or c == "ALL"
                                                for c in codes)
                   for spec, codes in self.ignores):
                return False
        found = self.found.get(path)
        if found is None:
            return True
        # A directive alone on its line already speaks for the next line; one on the
        # statement's first line speaks for the whole statement.
        lines = [f.location.line]
        start = self.starts[path].get(f.location.line)
        if start is not None:
            lines.append(start)
        hit = found.match(f.rule, *lines)
        # A bare directive cannot silence the report that it is unused.
        if hit is not None and not (f.rule == "SL008" and hit[1].code == ALL):
            if record:
                self.used.setdefault(path, set()).add((hit[0], hit[1].code))
            return False
        return True

    def unused(self, targets: frozenset[str]) -> Iterator[Finding]:
        """SL008 for every suppression comment of the target files that suppressed nothing."""
        from sqllint.unused import unused_findings

        for path in sorted(targets):
            found = self.found.get(path)
            if found is not None:
                yield from unused_findings(path, self.texts[path], found,
                                           self.used.get(path, set()), self.config.code_enabled)


def _directive_lines(text: str, found: Suppressions) -> str:
    """``text`` with only its directives' lines left (the others empty): what SL008
    reads of a file, a byte a line instead of the whole text."""
    lines = text.splitlines()
    keep = {d.line - 1 for d in found.directives}
    return "".join((line if i in keep else "") + "\n" for i, line in enumerate(lines))


def _root_relative(path: str, root: Path) -> str:
    """A finding's path (relative to the current folder) relative to the config root:
    per-file-ignores globs are written from there, wherever sqllint is run from."""
    absolute = os.path.abspath(path)
    where = Path(os.path.realpath(os.path.dirname(absolute))) / os.path.basename(absolute)
    try:
        return where.relative_to(os.path.realpath(root)).as_posix()
    except ValueError:
        return path


def _statement_lines(statements: Sequence[Statement], path: str) -> dict[int, int]:
    """Any line of a statement of ``path`` → the statement's first line."""
    out: dict[int, int] = {}
    for stmt in statements:
        if stmt.path != path:
            continue
        first = stmt.line
        last = stmt.position(len(stmt.sql))[0]
        for line in range(first, min(last, first + 500) + 1):
            out.setdefault(line, first)
    return out
