"""The command line: click commands wiring config, project, check and reports."""

from __future__ import annotations

import gc
import json
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click

from sqllint import __version__
from sqllint.config import Config, ConfigError
from sqllint.discover import DiscoveryError
from sqllint.escape import visible

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UserError(click.ClickException):
    exit_code = EXIT_ERROR


def _codes(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(c.strip().upper() for c in value.split(",") if c.strip())


def _workspaces(config_path: str | None, paths: Sequence[str], virtual: Sequence[Path] = (),
                **overrides: Any) -> list[Any]:
    """The projects of this run (a folder with its own config is its own project)."""
    from sqllint.workspace import split_workspaces

    given = [Path(p) for p in paths] if paths else [Path(".")]
    for p in given:
        if not p.exists() and not p.is_symlink() and p not in virtual:
            raise UserError(f"{visible(str(p))}: no such file or directory")
        if p.is_symlink() and not p.exists():
            try:
                p.resolve(strict=False)
            except (RuntimeError, OSError) as exc:  # a loop: a -> b -> a
                raise UserError(f"{visible(str(p))}: symbolic link loop") from exc
    for option in ("select", "ignore"):
        _check_codes(f"--{option}", overrides.get(option) or ())
    try:
        spaces = split_workspaces(given, Path(config_path) if config_path else None)
    except ConfigError as exc:
        raise UserError(str(exc)) from exc
    for space in spaces:
        _check_config_codes(space.config)
    return [replace(w, config=w.config.with_overrides(**overrides)) for w in spaces]


def _check_codes(where: str, codes: Sequence[str]) -> None:
    from sqllint.codes import first_unknown, unknown_message

    bad = first_unknown(codes)
    if bad is not None:
        raise UserError(f"{where}: {unknown_message(bad)}")


def _check_config_codes(config: Config) -> None:
    """Unknown codes in ``select``, ``ignore`` and ``per-file-ignores`` are errors."""
    from sqllint.discover import display_path

    where = display_path(config.source) if config.source else "config"
    _check_codes(f"{where}: select", config.select)
    _check_codes(f"{where}: ignore", config.ignore)
    for glob, codes in config.per_file_ignores:
        _check_codes(f"{where}: per-file-ignores '{glob}'", codes)


def _load(config: Config, paths: Sequence[Path], overrides: dict[Path, str] | None = None,
          progress: Any = None, reader: Any = None) -> Any:
    from sqllint.project import load_project

    try:
        return load_project(list(paths), config, overrides, progress=progress, reader=reader)
    except DiscoveryError as exc:
        raise UserError(str(exc)) from exc


def _projects(config_path: str | None, paths: Sequence[str],
              overrides: dict[Path, str] | None = None, **config_overrides: Any) -> list[Any]:
    virtual = list(overrides or {})
    return [_load(w.config, w.paths, overrides)
            for w in _workspaces(config_path, paths, virtual, **config_overrides)]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sqllint")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def cli(debug: bool) -> None:
    """Static SQL linter and query reviewer for PostgreSQL codebases."""
    if debug:
        os.environ["SQLLINT_DEBUG"] = "1"


FORMAT_CHOICES = ["text", "json", "sarif", "github", "markdown"]


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES), default="text",
              show_default=True)
@click.option("--select", help="Only these rule codes (comma-separated prefixes).")
@click.option("--ignore", help="Skip these rule codes (comma-separated prefixes).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Configuration file (default: nearest sqllint.toml or pyproject.toml).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]),
              help="Exit 1 when a finding is at or above this severity [default: warning].")
@click.option("--baseline", type=click.Path(dir_okay=False),
              help="Report only findings not recorded in this baseline file.")
@click.option("--write-baseline", type=click.Path(dir_okay=False),
              help="Record the current findings as the baseline and exit 0.")
@click.option("--stdin-filename", help="Lint standard input as if it were this file ('-').")
@click.option("--diff", "diff_ref", help="Report only findings on lines changed since REF.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True,
              help="Print the number of findings per rule instead of the findings.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option("--exclude", help="Globs to leave out, replacing the config's (comma-separated).")
@click.option("--extend-exclude", help="Globs to leave out besides the config's.")
@click.option("--postgres-version", type=click.IntRange(9, 30),
              help="The PostgreSQL major version the migrations run on [default: 15].")
@click.option("--quiet", "-q", is_flag=True, help="Print the findings only, no summary.")
@click.option("--color/--no-color", default=None,
              help="Colour the text output [default: on a terminal, unless NO_COLOR is set].")
@click.option("--show-source", is_flag=True,
              help="Show the source line(s) under each finding in text output.")
@click.option("--show-files", is_flag=True,
              help="List the files read, in the order they apply, with their role; "
                   "check nothing.")
@click.option("--fix", is_flag=True, help="Apply the safe fixes, then report what remains.")
@click.option("--unsafe-fixes", is_flag=True,
              help="With --fix or --show-fixes, apply the unsafe fixes too.")
@click.option("--show-fixes", is_flag=True,
              help="Print the fixes as a diff; write nothing (exit 1 when there is one).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64),
              help="Processes to check files with [default: one per core when the run "
                   "is big enough to gain from it].")
def check(paths: tuple[str, ...], fmt: str, select: str | None, ignore: str | None,
          config_path: str | None, fail_on: str | None, baseline: str | None,
          write_baseline: str | None, stdin_filename: str | None, diff_ref: str | None,
          output: str | None, exit_zero: bool, statistics: bool, no_cache: bool,
          exclude: str | None, extend_exclude: str | None, postgres_version: int | None,
          quiet: bool, color: bool | None, show_source: bool, show_files: bool, fix: bool,
          unsafe_fixes: bool, show_fixes: bool,
          jobs: int | None) -> None:
    """Lint SQL files, migrations and SQL in Python."""
    from sqllint.report import FORMATS


    overrides: dict[Path, str] = {}
    real_paths = [p for p in paths if p != "-"]
    if stdin_filename or "-" in paths:
        if not stdin_filename:
            raise UserError("reading standard input ('-') needs --stdin-filename PATH")
        if fix or show_fixes:
            raise UserError("--fix and --show-fixes work on files, not standard input")
        raw = getattr(sys.stdin, "buffer", None)  # bytes: a stray byte is not a crash
        overrides[Path(stdin_filename)] = (raw.read().decode("utf-8", "replace")
                                           if raw is not None else sys.stdin.read())
        real_paths = [stdin_filename, *[p for p in real_paths if p != stdin_filename]]
    spaces = _workspaces(config_path, real_paths, list(overrides), select=_codes(select),
                         ignore=_codes(ignore), fail_on=fail_on,
                         postgres_version=postgres_version)
    spaces = [replace(w, config=replace(_excluding(w.config, exclude, extend_exclude),
                                        cache=w.config.cache and not no_cache))
              for w in spaces]
    if show_files:
        click.echo(_files_listing(spaces, overrides, "json" if fmt == "json" else "text"),
                   nl=False)
        return
    result, project = _run(spaces, overrides, jobs)
    if show_fixes:
        _show_fixes(result, unsafe_fixes)
    if fix:
        fixed, files = 0, set[str]()
        for _ in range(5):  # a fix that overlapped another one goes in the next pass
            count, paths_changed = _apply_fixes(result, unsafe_fixes)
            if not count:
                break
            fixed, files = fixed + count, files | paths_changed
            result, project = _run(spaces, overrides, jobs)
        if fixed:
            click.echo(f"sqllint: fixed {fixed} finding(s) in {len(files)} file(s)", err=True)
        _tell_unsafe(result, unsafe_fixes)
    config = spaces[0].config
    result = _apply_workflow_filters(result, baseline, write_baseline, diff_ref, project)
    if write_baseline:
        click.echo(f"recorded {len(result.findings)} finding(s) in {write_baseline}", err=True)
        return
    if result.files == 0:
        named = ", ".join(real_paths) or "."
        click.echo(f"sqllint: warning: no SQL files or Python files with SQL in {named}",
                   err=True)
    if statistics or fmt == "text":
        from sqllint.report import text as text_report

        colour = _use_colour(color) if not output else bool(color)
        if statistics:
            text = text_report.render_statistics(result)
        else:
            text = text_report.render(result, color=colour, show_source=show_source,
                                      quiet=quiet)
    elif fmt == "json" and not output:  # written as it is made: never whole in memory
        from sqllint.report.json_report import pieces

        text = ""
        _emit(pieces(result), color=True)
    else:
        renderer = FORMATS.get(fmt)
        if renderer is None:
            raise UserError(f"output format '{fmt}' is not available in this build")
        text = renderer(result)
    if output:
        _write(output, text)
        click.echo(f"wrote {len(result.findings)} finding(s) to {visible(output)}", err=True)
    elif text:
        _emit(text, color=True)
    if result.fails(config.fail_on) and not exit_zero:
        raise SystemExit(EXIT_FINDINGS)


def _use_colour(flag: bool | None) -> bool:
    """``--color``/``--no-color`` decide; otherwise colour on a terminal without NO_COLOR."""
    if flag is not None:
        return flag
    if os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def _excluding(config: Config, exclude: str | None, extend: str | None) -> Config:
    from sqllint.config import check_globs

    globs = config.exclude if exclude is None else _globs(exclude)
    try:
        check_globs("--exclude", "exclude", globs + _globs(extend))
    except ConfigError as exc:
        raise UserError(str(exc)) from exc
    return replace(config, exclude=globs + _globs(extend))


def _globs(value: str | None) -> tuple[str, ...]:
    return tuple(g.strip() for g in (value or "").split(",") if g.strip())


def _run(spaces: list[Any], overrides: dict[Path, str],
         jobs: int | None = None) -> tuple[Any, Any]:
    """The merged result of every workspace, and what the workflow filters read of the
    run (the first workspace's configuration)."""
    from sqllint.result import merge_results

    results = []
    for space in spaces:
        cached, store, reader = _cached_result(space, overrides)
        if cached is None:
            from sqllint.report.audit_progress import TerminalProgress
            from sqllint.stream import check_stream

            # A bar on a terminal's stderr, and only once the run has been slow.
            with TerminalProgress("checking files") as progress:
                try:
                    cached = check_stream(space.paths, space.config, overrides, jobs=jobs,
                                          progress=progress, reader=reader)
                except DiscoveryError as exc:
                    raise UserError(str(exc)) from exc
            store(cached)
        results.append(cached)
    return merge_results(results), SimpleNamespace(config=spaces[0].config)


def _fixed_files(result: Any, unsafe: bool) -> list[tuple[str, str, Any]]:
    """(path, old text, applied) for each file with fixes to apply, in path order."""
    from sqllint.fixes import apply_fixes, wanted
    from sqllint.sources.text import read_text

    by_path: dict[str, list[Any]] = {}
    for f in result.findings:
        if wanted(f, unsafe):
            by_path.setdefault(f.location.path, []).append(f)
    out = []
    for path, findings in sorted(by_path.items()):
        content = read_text(Path(path))
        if content.problem:
            continue
        applied = apply_fixes(path, content.text, findings)
        if applied.problem:
            click.echo(f"sqllint: {path}: fixes not applied: {applied.problem}", err=True)
        if applied.fixes:
            out.append((path, content.text, applied))
    return out


def _show_fixes(result: Any, unsafe: bool) -> None:
    from sqllint.fixes import unified_diff

    changed = _fixed_files(result, unsafe)
    for path, old, applied in changed:
        click.echo(unified_diff(path, old, applied.text), nl=False)
    count = sum(len(a.fixes) for _, _, a in changed)
    click.echo(f"sqllint: {count} fix(es) in {len(changed)} file(s) would be applied "
               f"(nothing written)", err=True)
    raise SystemExit(EXIT_FINDINGS if changed else EXIT_CLEAN)


def _apply_fixes(result: Any, unsafe: bool) -> tuple[int, set[str]]:
    """Apply the fixes and write the files (atomically): how many, in which files."""
    from sqllint.fixes import write_atomically

    changed = _fixed_files(result, unsafe)
    for path, _, applied in changed:
        try:
            write_atomically(Path(path), applied.text)
        except OSError as exc:
            raise UserError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return sum(len(a.fixes) for _, _, a in changed), {path for path, _, _ in changed}


def _tell_unsafe(result: Any, unsafe: bool) -> None:
    if unsafe:
        return
    hidden = sum(1 for f in result.findings if f.fix is not None and not f.fix.safe)
    if hidden:
        click.echo(f"sqllint: {hidden} more fix(es) available with --unsafe-fixes", err=True)


def _cached_result(space: Any, overrides: dict[Path, str]) -> tuple[Any, Any, Any]:
    """A stored result for exactly these inputs, how to store a new one, and the reader
    that holds those inputs (the run parses the very bytes the key was made of).

    Nothing a run computes depends on anything but its files, config and sqllint
    itself, so an unchanged tree (an editor saving another file, a re-run in CI) gets
    its findings back without parsing anything.
    """
    from dataclasses import replace as dc_replace

    from sqllint.cache import Cache, result_key
    from sqllint.discover import display_path, input_files
    from sqllint.reading import Reader
    from sqllint.result import findings_of

    reader = Reader.for_run(space.config.root, space.paths, overrides)
    cache = Cache.for_config(space.config)
    if cache is None:
        return None, lambda result: None, reader
    try:
        key = result_key(input_files(space.paths, space.config, reader), space.config)
    except DiscoveryError as exc:
        raise UserError(str(exc)) from exc
    found = cache.get_result(key)

    def store(result: Any) -> None:
        if reader.changed:  # not the bytes the key was made of: never stored under it
            names = ", ".join(sorted(visible(display_path(p)) for p in reader.changed))
            click.echo(f"sqllint: note: {names} changed while being read; this result is "
                       f"not cached", err=True)
            return
        # Index requests are the advisor's working data, spent once the plan is made.
        slim = dc_replace(result, findings=findings_of(dc_replace(f, index=None)
                                                       for f in result.findings))
        cache.put("results", key, slim)

    return found, store, reader


def _apply_workflow_filters(result: Any, baseline: str | None, write_baseline: str | None,
                            diff_ref: str | None, project: Any) -> Any:
    """Baseline and changed-lines filtering (sqllint.workflow), when asked for."""
    if not (baseline or write_baseline or diff_ref):
        return result
    try:
        from sqllint import workflow  # type: ignore[attr-defined,unused-ignore]
    except ImportError as exc:  # pragma: no cover
        raise UserError("baseline and --diff are not available in this build") from exc
    try:
        return workflow.apply(result, project, baseline=baseline,
                              write_baseline=write_baseline, diff_ref=diff_ref)
    except workflow.WorkflowError as exc:
        raise UserError(str(exc)) from exc


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(),
              help="Write the plan here: a file, or a migrations folder to get files the "
                   "folder's migration tool runs outside a transaction.")
@click.option("--tool", type=click.Choice(["golang-migrate", "flyway", "alembic", "django",
                                           "sql"]),
              help="The migration tool of the --out folder [default: from its files].")
def indexes(paths: tuple[str, ...], config_path: str | None, out: str | None,
            tool: str | None) -> None:
    """Print the consolidated index plan as a migration file (or write migration files)."""
    from sqllint.check import check_project
    from sqllint.report.plan import render_plan
    from sqllint.result import merge_results
    from sqllint.sqltext import UnsafeSQL

    projects = _projects(config_path, paths)
    result = merge_results([check_project(p) for p in projects])
    if out and (Path(out).is_dir() or out.endswith(("/", os.sep))):
        _write_plan_files(result, Path(out), tool)
        return
    if out:
        from sqllint.report.plan_files import tool_of_file

        scheme = tool_of_file(Path(out).name)
        if scheme is not None:
            raise UserError(f"{out}: {scheme} runs a migration file in a transaction, and "
                            f"CREATE INDEX CONCURRENTLY cannot run in one; name the "
                            f"migrations folder instead (--out {Path(out).parent}/) to get "
                            f"one file per index")
    try:
        text = render_plan(result, projects[0])
    except UnsafeSQL as exc:  # never reached while every name is quoted: a last guard
        raise UserError(f"refusing to write the index plan: {exc}") from exc
    if out:
        _write(out, text)
        click.echo(f"wrote {len(result.indexes)} index(es) to {visible(out)}", err=True)
    else:
        _emit(text)


def _write_plan_files(result: Any, folder: Path, tool: str | None) -> None:
    from sqllint.report.plan_files import PlanFileError, detect_tool, plan_files
    from sqllint.sqltext import UnsafeSQL

    folder.mkdir(parents=True, exist_ok=True)
    chosen = tool or detect_tool(folder)
    try:
        files = plan_files(result.indexes, folder, chosen)  # type: ignore[arg-type]
    except PlanFileError as exc:
        raise UserError(str(exc)) from exc
    except UnsafeSQL as exc:  # never reached while every name is quoted: a last guard
        raise UserError(f"refusing to write the index plan: {exc}") from exc
    for plan_file in files:
        _write(str(folder / plan_file.name), plan_file.text)
    click.echo(f"wrote {len(result.indexes)} index(es) as {len(files)} {chosen} file(s) "
               f"to {folder}", err=True)
    for plan_file in files:
        click.echo(str(folder / plan_file.name))


def _files_listing(spaces: Sequence[Any], overrides: dict[Path, str], fmt: str) -> str:
    """Every file each project reads, in application order, with its role."""
    from sqllint.discover import discover
    from sqllint.report.files import render_files_json, render_files_text

    files = []
    for space in spaces:
        try:
            files.extend(discover(space.paths, space.config, virtual=overrides))
        except DiscoveryError as exc:
            raise UserError(str(exc)) from exc
    return render_files_json(files) if fmt == "json" else render_files_text(files)


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--files", "files", is_flag=True,
              help="List the schema and migration files in the order applied, with their "
                   "role, instead of the catalog.")
def schema(paths: tuple[str, ...], config_path: str | None, fmt: str, files: bool) -> None:
    """Print the catalog as sqllint built it from the DDL."""
    from sqllint.report.schema import schema_json, schema_text

    if files:
        click.echo(_files_listing(_workspaces(config_path, paths), {}, fmt), nl=False)
        return

    for project in _projects(config_path, paths):
        if fmt == "json":
            _emit(json.dumps(schema_json(project.catalog), indent=2) + "\n")
        else:
            _emit(visible(schema_text(project.catalog), lines=True))


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def statements(paths: tuple[str, ...], config_path: str | None, fmt: str) -> None:
    """List every statement found, where, and whether it parsed."""
    rows = []
    for project in _projects(config_path, paths):
        for stmt in project.statements:
            if stmt.path not in project.targets:
                continue
            line, col = stmt.position(0)
            rows.append({"path": stmt.path, "line": line, "column": col, "kind": stmt.kind,
                         "origin": stmt.origin, "parsed": stmt.parsed,
                         "dialect": stmt.dialect or "postgresql",
                         "unchecked": None if stmt.checked_as else stmt.unchecked or None,
                         "checked_as": stmt.checked_as or None,
                         "sql": stmt.sql.strip()})
    if fmt == "json":
        _emit(json.dumps({"statements": rows}, indent=2, ensure_ascii=False) + "\n")
        return
    out = []
    for row in rows:
        flat = " ".join(visible(str(row["sql"])).split())
        flat = flat if len(flat) <= 80 else flat[:77] + "..."
        if row["unchecked"]:
            status = f" (not checked: {row['unchecked']})"
        elif row["checked_as"]:
            status = f" (checked as {row['checked_as']})"
        else:
            status = "" if row["parsed"] else " (does not parse)"
        out.append(f"{visible(str(row['path']))}:{row['line']}:{row['column']}: {row['kind']} "
                   f"[{visible(str(row['origin']))}]{status} {flat}\n")
    _emit("".join(out))


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--out", "-o", type=click.Path(dir_okay=False),
              help="Write the report here (default: standard output).")
@click.option("--format", "fmt", type=click.Choice(["html", "markdown"]), default="html",
              show_default=True)
@click.option("--select", help="Only these rule codes (comma-separated prefixes).")
@click.option("--ignore", help="Skip these rule codes (comma-separated prefixes).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.option("--title", help="The report's title.")
def audit(paths: tuple[str, ...], out: str | None, fmt: str, select: str | None,
          ignore: str | None, config_path: str | None, title: str | None) -> None:
    """Review a repository in batch: one self-contained HTML report (or Markdown).

    Exit code 0 when the report was written, whatever it found.
    """
    from sqllint.check import check_project
    from sqllint.project import load_project
    from sqllint.report.audit import build_audit, render_html, render_markdown
    from sqllint.report.audit_progress import TerminalProgress
    from sqllint.result import merge_results

    with TerminalProgress("reading files") as progress:
        projects = []
        for w in _workspaces(config_path, paths, select=_codes(select), ignore=_codes(ignore)):
            try:
                projects.append(load_project(list(w.paths), w.config, progress=progress))
            except DiscoveryError as exc:
                raise UserError(str(exc)) from exc
        progress.stage("checking")
        result = merge_results([check_project(p) for p in projects])
        progress.stage("writing the report")
        report = build_audit(result, projects, title=title or "")
        text = render_html(report) if fmt == "html" else render_markdown(report)
    if out:
        _write(out, text)
        click.echo(f"wrote {visible(out)}: {len(result.findings)} finding(s), "
                   f"{len(report.plan)} planned index(es)", err=True)
    else:
        _emit(text)


def _write(path: str, text: str) -> None:
    """Write an output file whole or not at all (sqllint.output)."""
    from sqllint.output import OutputError, write_text

    try:
        write_text(Path(path), text)
    except OutputError as exc:
        raise UserError(visible(str(exc))) from exc


def _emit(text: str | Iterable[str], color: bool | None = None) -> None:
    """Print to standard output (a text, or its pieces as they come); a reader that
    went away (``| head``) is not an error."""
    try:
        for piece in [text] if isinstance(text, str) else text:
            click.echo(piece, nl=False, color=color)
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()


def _silence_stdout() -> None:
    # Python flushes stdout again at exit: point it at /dev/null so that flush is quiet.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


@cli.command()
def server() -> None:
    """Run the language server on stdio (for editors: see the README)."""
    gc.enable()  # a long-lived process: main() turned the collector off for short runs
    try:
        from sqllint.lsp.server import serve
    except ImportError as exc:  # pragma: no cover - pygls is a dependency
        raise UserError(f"the language server needs pygls ({exc})") from exc
    serve()


@cli.command("rules")
def rules_cmd() -> None:
    """List the rules."""
    from sqllint.rules import all_rules

    for spec in all_rules():
        click.echo(f"{spec.code}  {spec.name:<42} {spec.severity:<8} {spec.summary}")


@cli.command()
@click.argument("code")
def explain(code: str) -> None:
    """Print one rule's documentation."""
    from sqllint.rules import rule_by_code

    spec = rule_by_code(code)
    if spec is None:
        raise UserError(f"unknown rule '{code}' (see 'sqllint rules')")
    click.echo(f"# {spec.code} {spec.name} ({spec.severity})\n")
    click.echo(spec.doc)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: runs the CLI and maps every outcome to an exit code, never a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("SQLLINT_DEBUG") == "1"
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for stream in (sys.stdout, sys.stderr):  # a stray surrogate is shown, never a crash
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    # One short run that builds large acyclic trees: the cyclic collector only burns
    # time scanning them (measured: it doubled the time on pg_regress).
    gc.disable()
    try:
        cli.main(args=args, prog_name="sqllint", standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else EXIT_ERROR
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        click.echo(f"sqllint: {exc.format_message()}", err=True)
        return EXIT_ERROR if exc.exit_code != 0 else 0
    except click.exceptions.Abort:
        click.echo("sqllint: aborted", err=True)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_CLEAN
    except Exception as exc:
        if debug:
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        click.echo(f"sqllint: internal error: {type(exc).__name__}: {first} "
                   f"(run with --debug for the traceback)", err=True)
        return EXIT_ERROR
    return EXIT_CLEAN


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
