"""Running the rules over a project: findings filtered, suppressed, sorted; the index plan."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from sqllint import analysis
from sqllint.config import Config
from sqllint.model import Finding, Location, Statement
from sqllint.project import Project
from sqllint.result import CheckResult, PlannedIndex
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
    )


def enabled_rules(config: Config) -> list[RuleSpec]:
    return [r for r in all_rules() if config.code_enabled(r.code)
            and (not r.opt_in or config.names_exactly(r.code, r.name))]


def run_rules(ctx: Context, rules: list[RuleSpec]) -> Iterator[Finding]:
    """Every finding of every rule; a rule that fails on one statement skips only that."""
    targets = [s for s in ctx.statements if s.path in ctx.targets]
    running = [s for s in targets if s.node is not None and analysis.queries(ctx, s)]
    for rule in rules:
        if rule.check_statement is not None:
            for stmt in running if rule.scope == "queries" else targets:
                try:
                    yield from rule.check_statement(ctx, stmt)
                except (RecursionError, Exception) as exc:
                    _internal(rule, stmt, exc)
        if rule.check is not None:
            try:
                yield from rule.check(ctx)
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


def file_problem_findings(project: Project) -> Iterator[Finding]:
    for problem in project.problems:
        if problem.path in project.targets:
            where = Location(problem.path, problem.line, 1, problem.line, 1)
            yield Finding("SL001", "parse-error", "error", where, problem.message)


def check_project(project: Project, rules: list[RuleSpec] | None = None, *,
                  memo: dict[Any, Any] | None = None) -> CheckResult:
    """``memo`` keeps query facts from one run to the next (an editor session)."""
    from sqllint.advisor.plan import plan_indexes
    from sqllint.analysis.queries import SHARED_FACTS

    config = project.config
    rules = enabled_rules(config) if rules is None else rules
    ctx = make_context(project)
    if memo is not None:
        ctx.cache[SHARED_FACTS] = memo
    raw = list(run_rules(ctx, rules))
    if config.code_enabled("SL001"):
        raw.extend(file_problem_findings(project))
    kept = _filter(raw, project, config)
    # dict, not set: the first of equal findings wins, whatever the hash seed.
    kept = sorted(dict.fromkeys(kept), key=Finding.sort_key)
    if config.code_enabled("SL008"):
        unused = _filter(list(_unused_suppressions(project, raw, config)), project, config)
        kept = sorted(dict.fromkeys([*kept, *unused]), key=Finding.sort_key)
    indexes = plan_indexes(kept, ctx)
    planned = _planned_lookup(indexes)
    kept = [_with_planned_suggestion(f, planned) for f in kept]
    return CheckResult(
        findings=tuple(kept),
        indexes=tuple(indexes),
        files=len(project.files),
        statements=len(project.statements),
        schema_found=not project.catalog.empty,
        schema_tables=len(project.catalog.tables),
    )


def _planned_lookup(plan: list[PlannedIndex]) -> dict[tuple[str, str], str]:
    """(path:line, suggested DDL) → the planned DDL that stands for it."""
    out: dict[tuple[str, str], str] = {}
    for planned in plan:
        for where in planned.serves:
            for request in planned.requests:
                out.setdefault((where, request), planned.ddl)
    return out


def _with_planned_suggestion(finding: Finding, planned: dict[tuple[str, str], str]) -> Finding:
    """Point a finding's suggestion at the consolidated index that serves it."""
    if not finding.suggestion:
        return finding
    where = f"{finding.location.path}:{finding.location.line}"
    ddl = planned.get((where, finding.suggestion))
    if ddl is not None and ddl != finding.suggestion:
        return replace(finding, suggestion=ddl)
    return finding


def _ignored(config: Config) -> list[tuple[Any, tuple[str, ...]]]:
    if not config.per_file_ignores:
        return []
    import pathspec

    return [(pathspec.PathSpec.from_lines("gitignore", [glob]), codes)
            for glob, codes in config.per_file_ignores]


def _filter(findings: list[Finding], project: Project, config: Config,
            used: dict[str, set[tuple[int, str]]] | None = None) -> list[Finding]:
    """Drop findings of disabled rules, per-file ignores and suppression comments
    (recording in ``used`` which directive suppressed what)."""
    suppressions: dict[str, Suppressions] = {}
    starts: dict[str, dict[int, int]] = {}
    ignores = _ignored(config)
    out = []
    for f in findings:
        if not config.code_enabled(f.rule):
            continue
        path = f.location.path
        if any(spec.match_file(path) and any(f.rule.startswith(c) or c == "ALL" for c in codes)
               for spec, codes in ignores):
            continue
        if path not in suppressions:
            suppressions[path] = _suppressions(project, path)
        found = suppressions[path]
        if not found.directives:
            out.append(f)
            continue
        # A directive alone on its line already speaks for the next line; one on the
        # statement's first line speaks for the whole statement.
        if path not in starts:
            starts[path] = _statement_lines(project, path)
        lines = [f.location.line]
        start = starts[path].get(f.location.line)
        if start is not None:
            lines.append(start)
        hit = found.match(f.rule, *lines)
        # A bare directive cannot silence the report that it is unused.
        if hit is not None and not (f.rule == "SL008" and hit[1].code == ALL):
            if used is not None:
                used.setdefault(path, set()).add((hit[0], hit[1].code))
            continue
        out.append(f)
    return out


def _suppressions(project: Project, path: str) -> Suppressions:
    return parse_suppressions(project.texts.get(path, ""), python=path.endswith(".py"))


def _unused_suppressions(project: Project, raw: list[Finding],
                         config: Config) -> Iterator[Finding]:
    """SL008 for every suppression comment of the target files that suppressed nothing."""
    from sqllint.unused import unused_findings

    used: dict[str, set[tuple[int, str]]] = {}
    _filter(raw, project, config, used)
    for path in sorted(project.targets):
        text = project.texts.get(path, "")
        found = _suppressions(project, path)
        if found.directives:
            yield from unused_findings(path, text, found, used.get(path, set()),
                                       config.code_enabled)


def _statement_lines(project: Project, path: str) -> dict[int, int]:
    """Any line of a statement of ``path`` → the statement's first line."""
    out: dict[int, int] = {}
    for stmt in project.statements:
        if stmt.path != path:
            continue
        first = stmt.line
        last = stmt.position(len(stmt.sql))[0]
        for line in range(first, min(last, first + 500) + 1):
            out.setdefault(line, first)
    return out
