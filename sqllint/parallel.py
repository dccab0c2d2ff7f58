"""Parsing many files: cached results first, the rest parsed in this process or a pool.

Measured on 2 cores (benchmarks/workflow.py, 20,000 generated lines, 392 files): parsing
every file in-process takes 0.26 s with the garbage collector paused, a 2-process pool
0.50 s, because sending the parsed statements back (pickle in the worker, unpickle
here) costs more than parsing them. So the pool is off by default; ``SQLLINT_WORKERS=N``
turns it on with N processes for machines where it measures faster.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqllint.cache import Cache
from sqllint.config import Config
from sqllint.model import Statement
from sqllint.sources import sqlfile

MAX_WORKERS = 32

Progress = Callable[[int, int], None]  # (files done, files in all)


@dataclass(frozen=True)
class ParseJob:
    """One file's text to turn into statements."""

    display: str
    lang: str
    text: str
    migration: bool


def parse_source(job: ParseJob, config: Config,
                 memo: dict[str, sqlfile.Parsed] | None = None) -> list[Statement]:
    """The statements of one file (SQL without psql includes, or Python); ``memo`` is
    sqlfile's parse memo (an editor session's)."""
    if job.lang == "python":
        try:
            from sqllint.sources import python  # type: ignore[attr-defined,unused-ignore]
        except ImportError:  # pragma: no cover - the Python source reader is optional
            return []
        return list(python.statements(job.display, job.text, config, migration=job.migration))
    return list(sqlfile.statements(job.display, job.text, migration=job.migration,
                                   placeholders=config.placeholders, dialects=config.dialects,
                                   memo=memo))


def workers_for(jobs: Sequence[ParseJob]) -> int:
    """How many processes to parse ``jobs`` with (1: in this process, the default)."""
    forced = os.environ.get("SQLLINT_WORKERS", "")
    if forced.isdigit() and int(forced) > 1 and len(jobs) > 1:
        return min(int(forced), len(jobs), MAX_WORKERS)
    return 1


@contextmanager
def process_pool(workers: int, method: str = "fork") -> Iterator[Any]:
    """A ``ProcessPoolExecutor`` whose workers leave Ctrl-C to this process: a terminal's
    interrupt reaches the whole process group, and a worker's own ``KeyboardInterrupt``
    would print its traceback. On the way out (done or interrupted), work not yet
    started is cancelled, so an interrupted run stops once the running tasks end."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context(method),
                               initializer=_leave_interrupts)
    try:
        # The workers start at the first task: with Ctrl-C held back meanwhile, a fork
        # never takes one in before it says it leaves them (it is this process's later).
        masked = hasattr(signal, "pthread_sigmask")
        before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if masked \
            else set()
        try:
            pool.submit(int)
        finally:
            if masked:
                signal.pthread_sigmask(signal.SIG_SETMASK, before)
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _leave_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # an interrupt held back is dropped
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while building big acyclic trees.

    Parsing and unpickling create millions of small dicts; each allocation burst
    triggers a collection that walks every live object again, which was measured at
    5-8 times the cost of the parsing itself on a 20,000-line repository.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_files(
    jobs: Sequence[ParseJob], config: Config, *, progress: Progress | None = None
) -> list[list[Statement]]:
    """Statements of every job, in order: from the cache, else parsed (maybe in a pool)."""
    with gc_paused():
        return _parse_files(jobs, config, progress)


def _parse_files(
    jobs: Sequence[ParseJob], config: Config, progress: Progress | None
) -> list[list[Statement]]:
    cache = Cache.for_config(config)
    results: list[list[Statement] | None] = [None] * len(jobs)
    keys: list[str] = []
    misses: list[int] = []
    done = 0
    for i, job in enumerate(jobs):
        if cache is None:
            misses.append(i)
            continue
        key = Cache.file_key(job.display, job.lang, job.migration, job.text, config)
        keys.append(key)
        hit = cache.get_statements(key)
        if hit is None:
            misses.append(i)
        else:
            results[i] = hit
            done += 1
    if progress is not None and done:
        progress(done, len(jobs))
    todo = [jobs[i] for i in misses]
    for i, stmts in zip(misses, _parse(todo, config), strict=True):
        results[i] = stmts
        if cache is not None:
            cache.put_statements(keys[i], stmts)
        done += 1
        if progress is not None:
            progress(done, len(jobs))
    return [r if r is not None else [] for r in results]


def _parse(jobs: Sequence[ParseJob], config: Config) -> Iterator[list[Statement]]:
    workers = workers_for(jobs)
    if workers <= 1:
        for job in jobs:
            yield parse_source(job, config)
        return
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    chunk = max(1, len(jobs) // (workers * 4))
    produced = 0
    try:
        with process_pool(workers, method) as pool:
            for stmts in pool.map(partial(parse_source, config=config), jobs, chunksize=chunk):
                produced += 1
                yield stmts
    except (OSError, RuntimeError):  # no processes allowed here (sandbox): parse in-process
        for job in jobs[produced:]:
            yield parse_source(job, config)
