"""The check run file by file: memory bounded by the largest file, not the repository.

1. **Schema pass.** Every file is read once in discovery (= application) order and
   split; only the statements that can change the schema are parsed (plain queries
   are not), and their trees replayed (``sqllint.replay``): the final catalog and the
   run-wide facts. A file's trees and catalog snapshots are dropped once it is
   applied; what stays is a constant number of *checkpoints* (the replay where a run
   of target files starts, and every so many characters: ``_Spacing``). With a pool,
   another process reads the last files ahead (``sqllint.readahead``): only the
   applying has to go in order.
2. **Rule pass.** The target files, in runs that each start at a checkpoint
   (``_chunks``): each file is parsed again, whole, its DDL replayed on from the
   checkpoint (so its statements see the catalog as it stood at each of them), its
   rules run, and only its findings are kept. Runs are independent, so a process
   pool can take them (``--jobs``): workers inherit the schema and the checkpoints by
   ``fork`` and send back findings, never trees.
3. **Repository-wide work** (catalog rules, the index plan, rules that compare
   migrations with every query) reads the catalog, findings and small facts.

A file over ``MAX_FILE_BYTES`` is checked for syntax and migration rules only: its
queries go through the parser, but their trees are never built (a 50 MB INSERT's
would take gigabytes), with a note on standard error.
"""

from __future__ import annotations

import os
import sys
import zlib
from array import array
from collections import ChainMap
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from sqllint import readahead
from sqllint.catalog.model import Catalog
from sqllint.config import Config
from sqllint.context import Context
from sqllint.discover import SourceFile, applied_text, discover
from sqllint.model import Finding, Statement, with_changes
from sqllint.parallel import ParseJob, Progress, gc_paused, parse_files
from sqllint.project import FileProblem, _sql_with_includes
from sqllint.reading import INCLUDE, Reader
from sqllint.replay import Checkpoint, Replay, stub, trees_seen
from sqllint.result import CheckResult, Spool
from sqllint.rules import RuleSpec
from sqllint.sources import sqlfile
from sqllint.sources.sqlfile import QUERY_NODES
from sqllint.sources.text import FileText

if TYPE_CHECKING:
    from sqllint.check import Suppressor

MAX_FILE_BYTES = 20 * 1024 * 1024
# Below this much text a second process costs more than it saves (measured on 2 cores:
# fork + result transfer ~40 ms, rules ~0.4 s per MB of SQL).
POOL_MIN_BYTES = 1 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Unit:
    """A file as the rules see it: itself and the files it includes."""

    file: SourceFile
    seq: int  # the first statement's number in application order
    count: int
    size: int  # characters of text
    # Where its statements are (plain SQL files): ``_packed``, a quarter of the array.
    spans: bytes | None = None
    trees: array[int] = field(default_factory=lambda: array("I"))  # replay.trees_seen


@dataclass
class _Run:
    """What the rule pass reads: set before the pool forks, so workers share it."""

    config: Config
    rules: list[RuleSpec]
    base: Context
    gathered: dict[str, list[Any]]
    reader: Reader
    max_bytes: int
    replay: Replay
    units: list[Unit]
    starts: dict[int, Checkpoint]  # unit index → the replay where it starts


_RUN: _Run | None = None
# A file's findings, scans, suppressions, and the files that changed while read.
UnitResult = tuple[list[Finding], dict[str, list[Any]], "Suppressor", frozenset[Path]]


def check_stream(
    paths: Iterable[Path], config: Config, overrides: Mapping[Path, str] | None = None,
    *, jobs: int | None = None, progress: Progress | None = None,
    reader: Reader | None = None,
) -> CheckResult:
    """``check_project(load_project(...))`` without holding the repository's trees.

    ``reader`` (sqllint.reading) reads every file inside the project root; pass the one
    the result cache's key was made with, so a file that changes between its reads is
    noted in its ``changed``.
    """
    global _RUN
    from sqllint.check import (
        Suppressor,
        check_catalog,
        enabled_rules,
        file_problem_findings,
        finish,
        gather,
        report,
    )

    paths = list(paths)
    overrides = {Path(os.path.abspath(p)): t for p, t in (overrides or {}).items()}
    reader = reader or Reader.for_run(config.root, paths, overrides)
    files = discover(paths, config, virtual=overrides)
    rules = enabled_rules(config)
    targets = frozenset(f.display for f in files if f.target)
    max_bytes = _max_bytes()
    replay = Replay({f.display: f.role for f in files}, config, snapshots=False)
    problems: list[FileProblem] = []
    units: list[Unit] = []
    gathered: dict[str, list[Any]] = {}
    gatherers = [r for r in rules if r.gather is not None]

    starts: dict[int, Checkpoint] = {}
    spacing = _Spacing(starts)

    def apply(file: SourceFile, stmts: list[Statement], text: str,
              spans: array[int] | None) -> None:
        base = replay.seq
        replay.adopt(file.display, file.role, stmts)
        if file.target and spacing.wants(len(units), not units or not units[-1].file.target):
            starts[len(units)] = replay.checkpoint()
        spacing.passed(len(units), len(text) if file.target else 0)
        gathering = bool(gatherers) and file.role == "migration" and file.target
        numbered = replay.unit(stmts, numbered=gathering)
        units.append(Unit(file, base, len(stmts), len(text), _packed(spans),
                          trees_seen(stmts)))
        if gathering:
            ctx = Context(config=config, catalog=replay.builder.snapshot(),
                          statements=tuple(numbered), targets=targets,
                          catalogs=replay.last, texts={file.display: text})
            for code, found in gather(ctx, gatherers).items():
                gathered.setdefault(code, []).extend(found)

    included: set[Path] = set()
    with gc_paused():
        # Discovery's order is the application order.
        for file, read in _schema_reads(files, config, reader, included, problems,
                                        max_bytes, replay, jobs):
            if read is None:
                continue
            stmts, text, spans = read
            del read
            apply(file, stmts, text, spans)
            del stmts
        final, catalogs, run = replay.finish()
    base = Context(config=config, catalog=final, statements=(), targets=targets,
                   catalogs=catalogs, run=run)
    replay.last = {}
    _RUN = _Run(config, rules, base, gathered, reader, max_bytes, replay, units, starts)
    raw = Spool()  # compressed past a limit: a large repository's findings stay small
    scans: list[dict[str, list[Any]]] = []
    suppressor = Suppressor(config)
    try:
        for found, scanned, learnt, changed in _check_units(_chunks(units, starts), jobs,
                                                             progress):
            reader.changed.update(changed)  # seen by a worker process
            raw.extend(found)
            scans.append(scanned)
            suppressor.merge(learnt)
    finally:
        _RUN = None
    raw.extend(check_catalog(base, rules))
    raw.extend(report(rules, gathered, scans))
    if config.code_enabled("SL001"):
        raw.extend(file_problem_findings(problems, targets))
    # The passes' state (catalog checkpoints, the files' offsets, the run's facts) is
    # spent: finishing reads the findings and the final catalog, in the memory it frees.
    counted, statements = sum(1 for f in files if f.read), replay.seq
    units.clear()
    starts.clear()
    gathered.clear()
    del scans, files, base, catalogs, run
    replay.release()
    ctx = Context(config=config, catalog=final, statements=(), targets=targets)
    return finish(raw, suppressor, ctx, files=counted, statements=statements)


def _max_bytes() -> int:
    raw = os.environ.get("SQLLINT_MAX_FILE_MB", "")
    try:
        return int(float(raw) * 1024 * 1024) if raw else MAX_FILE_BYTES
    except ValueError:
        return MAX_FILE_BYTES


SchemaRead = tuple[list[Statement], str, "array[int] | None"]


def _schema_reads(
    files: Sequence[SourceFile], config: Config, reader: Reader, included: set[Path],
    problems: list[FileProblem], max_bytes: int, replay: Replay, jobs: int | None,
) -> Iterator[tuple[SourceFile, SchemaRead | None]]:
    """Every file the schema pass applies, in order, with what ``_schema_statements``
    reads of it; the last files read ahead by another process (sqllint.readahead) when
    the run is big enough for the pool to pay (``workers_for``)."""
    todo = [f for f in files if f.read]
    sizes = [_size(f.path) for f in todo]
    start = len(todo)
    remote: Iterator[Any] = iter(())
    if jobs != 1 and workers_for(sizes, jobs) > 1:
        def job(i: int) -> Any:
            return _remote_read(todo[i], config, reader, max_bytes, replay)

        start, remote = readahead.ahead(sizes, job)
    for i, file in enumerate(todo):
        payload = next(remote) if i >= start else None
        if file.path in included:
            continue
        if payload is None:
            yield file, _schema_statements(file, config, reader, included, problems,
                                           max_bytes, replay)
            continue
        digest, changed, rows, text, spans, created = payload
        reader.learn(file.path, digest, changed)
        replay.add_created(*created)
        yield file, (readahead.unpack(rows), text, spans)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except (OSError, ValueError):
        return 0


def _remote_read(file: SourceFile, config: Config, reader: Reader, max_bytes: int,
                 replay: Replay) -> Any:
    """``_schema_statements`` in the process that reads ahead (a fork: ``reader`` and
    ``replay`` are its copies), as plain data; None for a file this process reads
    itself (Python, psql includes, a problem to report, a tree JSON cannot hold)."""
    if file.lang == "python":
        return None
    content = reader.text(file.path)
    if content.problem or INCLUDE.search(content.text):
        return None
    replay.forget_created()  # only this file's go back
    read = _schema_statements(file, config, reader, set(), [], max_bytes, replay,
                              content=content)
    if read is None:
        return None
    stmts, text, spans = read
    rows = readahead.pack(stmts)
    if rows is None:
        return None
    return (reader.digest(file.path), file.path in reader.changed, rows, text, spans,
            replay.created_names())


def _schema_statements(
    file: SourceFile, config: Config, reader: Reader, included: set[Path],
    problems: list[FileProblem], max_bytes: int, replay: Replay,
    content: FileText | None = None,
) -> SchemaRead | None:
    """A file's statements as the replay needs them (queries as stubs, never parsed
    when that can be told from their first word), its text, and where its statements
    are (plain SQL files). Tables made where the catalog does not see them are noted.
    ``content``: the file as already read."""
    content = content or reader.text(file.path)
    if content.problem:
        problems.append(FileProblem(file.display, content.problem))
        return None
    migration = file.role in ("migration", "down")
    # dbmate / goose files hold both directions: only the up part runs.
    text = applied_text(content.text) if migration else content.text
    spans: array[int] | None = None
    read: Iterable[Statement]
    if file.lang != "python" and INCLUDE.search(text):
        read = _sql_with_includes(file, text, migration, {}, included, problems, reader)
    elif file.lang == "python":
        read = parse_files([ParseJob(file.display, file.lang, text, migration)], config)[0]
    else:
        spans = array("q")
        read = sqlfile.statements(file.display, text, migration=migration, queries=False,
                                  placeholders=config.placeholders,
                                  dialects=config.dialects, spans=spans)
    out = []
    parsed: list[Statement] = []  # noted in batches (trees of queries: a few at a time)
    for stmt in read:
        if stmt.node is not None or stmt.dialect:
            parsed.append(stmt)
            if len(parsed) >= 256:
                replay.note_created(parsed)
                parsed = []
        out.append(stub(stmt))
    replay.note_created(parsed)
    return out, text, spans


def _packed(spans: array[int] | None) -> bytes | None:
    """Statement offsets kept for the rule pass, compressed (increasing numbers)."""
    return zlib.compress(spans.tobytes(), 1) if spans else None


def _unpacked(packed: bytes | None) -> array[int] | None:
    if packed is None:
        return None
    out = array("q")
    out.frombytes(zlib.decompress(packed))
    return out


def _without_query_tree(stmt: Statement) -> Statement:
    if stmt.node is not None and (stmt.kind == "query" or stmt.node_type in QUERY_NODES):
        return with_changes(stmt, node=None)
    return stmt


class _Spacing:
    """Where the rule pass may start replaying: at the first file of each run of target
    files, and every ``step`` characters of target text, at most ``LIMIT`` such extra
    points (``step`` doubles as the run goes): a constant number of catalog checkpoints
    whatever the size of the repository, enough for the pool to share the work."""

    LIMIT = 32
    STEP = 128 * 1024

    def __init__(self, starts: dict[int, Checkpoint]) -> None:
        self.starts = starts
        self.step = self.STEP
        self.at = 0  # target characters before the next file
        self.where: dict[int, tuple[int, bool]] = {}  # kept: (position, run start?)
        self.last = 0

    def wants(self, index: int, run_start: bool) -> bool:
        if run_start or self.at - self.last >= self.step:
            self.where[index] = (self.at, run_start)
            self.last = self.at
            return True
        return False

    def passed(self, index: int, size: int) -> None:
        self.at += size
        if sum(1 for _, first in self.where.values() if not first) <= self.LIMIT:
            return
        self.step *= 2
        last = -self.step
        for i, (at, first) in sorted(self.where.items()):
            if first or at - last >= self.step:
                last = at
            else:
                del self.where[i]
                self.starts.pop(i, None)
        self.last = last


def _chunks(units: Sequence[Unit], starts: Mapping[int, Checkpoint]) -> list[range]:
    """The target files in runs that each start at a checkpoint (unit indexes)."""
    out: list[range] = []
    first: int | None = None
    for i, unit in enumerate(units):
        if first is not None and (i in starts or not unit.file.target):
            out.append(range(first, i))
            first = None
        if unit.file.target and first is None:
            first = i
    if first is not None:
        out.append(range(first, len(units)))
    return out


def _check_units(
    chunks: Sequence[range], jobs: int | None, progress: Progress | None
) -> Iterator[UnitResult]:
    run = _RUN
    assert run is not None
    todo = [run.units[i] for chunk in chunks for i in chunk]
    workers = workers_for([u.size for u in todo], jobs)
    done = 0
    left = list(chunks)
    if workers > 1:
        try:
            for chunk, results in _pool(chunks, workers):
                left.remove(chunk)
                for result in results:
                    done += 1
                    yield result
                if progress is not None:
                    progress(done, len(todo))
            return
        except (OSError, RuntimeError):  # no processes allowed here: go on in-process
            pass
    for chunk in left:
        for result in _chunk_results(chunk):
            yield result
            done += 1
            if progress is not None:
                progress(done, len(todo))


def workers_for(sizes: Sequence[int], jobs: int | None) -> int:
    """Processes for files of these sizes: ``jobs`` when given, else one per core once
    there is enough SQL to pay for them."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)
    if jobs is not None:
        return max(1, min(jobs, len(sizes)))
    forced = os.environ.get("SQLLINT_WORKERS", "")
    if forced.isdigit():
        return max(1, min(int(forced), len(sizes)))
    if not sys.platform.startswith("linux") or len(sizes) < 2:
        return 1  # workers inherit the schema by fork
    if sum(sizes) < POOL_MIN_BYTES:
        return 1
    return max(1, min(cores, len(sizes)))


def _pool(chunks: Sequence[range], workers: int) -> Iterator[tuple[range, list[UnitResult]]]:
    from sqllint.parallel import process_pool

    run = _RUN
    assert run is not None
    # Biggest runs first, so no worker is left with a long one at the end.
    order = sorted(chunks, key=lambda c: -sum(run.units[i].size for i in c))
    with process_pool(min(workers, len(chunks))) as pool:
        yield from zip(order, pool.map(_check_chunk, order, chunksize=1), strict=True)


def _check_chunk(chunk: range) -> list[UnitResult]:
    return list(_chunk_results(chunk))


def _chunk_results(chunk: range) -> Iterator[UnitResult]:
    """The results of a run of files, replaying the schema on from where it starts:
    each file's catalog snapshots live while its rules run, no longer."""
    run = _RUN
    assert run is not None
    replay = run.replay.resume(run.starts[chunk.start], run.units[chunk.start].seq)
    for i in chunk:
        unit = run.units[i]
        stmts, texts = _rule_statements(unit, run)
        replay.seq = unit.seq
        replay.unit(stmts, set(unit.trees), numbered=False)
        catalogs = ChainMap(replay.last, cast("dict[int, Catalog]", run.base.catalogs))
        yield _check_unit(unit, stmts, texts, catalogs)


def _check_unit(unit: Unit, stmts: list[Statement], texts: dict[str, str],
                catalogs: Mapping[int, Catalog]) -> UnitResult:
    """One file's findings, what repository-wide rules scanned there, its suppression
    directives (for findings reported later, at the catalog's objects), and the files
    found changed since the schema pass read them."""
    from sqllint.check import Suppressor, check_file

    run = _RUN
    assert run is not None
    ctx = replace(run.base, statements=tuple(stmts), texts=texts, cache={},
                  catalogs=catalogs)
    with gc_paused():
        found, scanned = check_file(ctx, run.rules, run.gathered)
    suppressor = Suppressor(run.config)
    suppressor.learn(texts, stmts)
    kept = [f for f in found if suppressor.keep(f)]
    suppressor.ignores = []  # spent; the rest goes back to the parent
    return kept, scanned, suppressor, frozenset(run.reader.changed)


def _rule_statements(unit: Unit, run: _Run) -> tuple[list[Statement], dict[str, str]]:
    """A file's statements, parsed whole, numbered as the schema pass numbered them."""
    file = unit.file
    content = run.reader.text(file.path)
    texts = {file.display: content.text}
    migration = file.role in ("migration", "down")
    text = applied_text(content.text) if migration else content.text
    # Unless it changed since:
    spans = _unpacked(unit.spans) if len(text) == unit.size else None
    read: Iterable[Statement]
    if file.lang != "python" and INCLUDE.search(text):
        read = _sql_with_includes(file, text, migration, texts, set(), [], run.reader)
    elif len(text) > run.max_bytes and file.lang != "python":
        print(f"sqllint: note: {file.display} is {len(text) / 1e6:.0f} MB, over the "
              f"{run.max_bytes / 1e6:.0f} MB limit (SQLLINT_MAX_FILE_MB): checked for syntax "
              f"and migration rules only", file=sys.stderr)
        # Every statement is parsed (syntax), only the schema's trees are kept.
        read = map(_without_query_tree, sqlfile.statements(
            file.display, text, migration=migration, placeholders=run.config.placeholders,
            dialects=run.config.dialects, spans=spans, query_trees=False))
    elif file.lang == "python":  # slow to parse: the cache pays
        job = ParseJob(file.display, file.lang, text, migration)
        read = parse_files([job], run.config)[0]
    else:  # parsing SQL is faster than loading it from the cache
        read = sqlfile.statements(file.display, text, migration=migration,
                                  placeholders=run.config.placeholders,
                                  dialects=run.config.dialects, spans=spans)
    # Numbered as they come: one statement list, never two.
    stmts = [with_changes(s, seq=unit.seq + i) for i, s in enumerate(read)]
    if len(stmts) != unit.count:  # cannot happen; numbering would be off: say so
        print(f"sqllint: internal error: {file.display} read {len(stmts)} statements, then "
              f"{unit.count}", file=sys.stderr)
    return stmts, texts
