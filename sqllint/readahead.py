"""Work on a run's files done ahead, in order, by one more process.

The schema pass (sqllint.stream) reads, splits and parses every file before it applies
the file's DDL. Only the applying has to go in order; the reading does not, and it is
most of the pass. So while this process reads and applies the first files itself, a
second process reads the rest and sends back what it read, file by file, in the same
order; this process then only applies them. Measured on PostgreSQL's regression SQL (2
cores): reading 1.3 s, applying 0.75 s, sending one file's statements 0.2 s for the
whole corpus, taking them in 0.2 s.

The second process is forked, so it shares everything set before (``start``); what
comes back is plain data (``pack`` / ``unpack`` for statements: their trees as JSON,
which both ends turn to and from text faster than pickle walks them). A file the other
process cannot read for this one comes back as ``None``: this process reads it itself.
Memory stays bounded: at most ``WINDOW`` batches wait to be taken.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import fields
from typing import Any

import orjson

from sqllint.model import Statement

# This process's share of the reading, by size: the rest costs it only the taking in
# and applying, which is about what the other process spends reading its part
# (pg_regress, benchmarks/stages.py: 0.10-0.15 best, 0.25 about 0.2 s slower, 0 waits).
OWN_SHARE = 0.15
BATCH_BYTES = 256 * 1024
WINDOW = 4

_JOB: Callable[[int], Any] | None = None  # set before the fork
_FIELDS = tuple(f.name for f in fields(Statement))
_NODE = _FIELDS.index("node")


def ahead(sizes: Sequence[int], job: Callable[[int], Any]) -> tuple[int, Iterator[Any]]:
    """Where the other process starts, and ``job(i)`` for every ``i`` from there, in
    order (each computed there, or here when no process can be started)."""
    global _JOB
    total = sum(sizes)
    start, done = len(sizes), 0
    for i, size in enumerate(sizes):
        if done >= total * OWN_SHARE:
            start = i
            break
        done += size
    batches: list[list[int]] = []
    weight = BATCH_BYTES
    for i in range(start, len(sizes)):
        if weight >= BATCH_BYTES:
            batches.append([])
            weight = 0
        batches[-1].append(i)
        weight += sizes[i]
    _JOB = job
    return start, _results(batches, job)


def _results(batches: list[list[int]], job: Callable[[int], Any]) -> Iterator[Any]:
    """The pool starts now (the other process reads while this one goes on); the
    results are taken as the returned iterator is."""
    global _JOB
    from concurrent.futures import Future

    from sqllint.parallel import process_pool

    left = list(batches)
    pending: list[Future[list[Any]]] = []
    stack = ExitStack()
    try:
        pool = stack.enter_context(process_pool(1))
        while left and len(pending) < WINDOW:
            pending.append(pool.submit(_batch, left.pop(0)))
    except (OSError, RuntimeError):  # no processes allowed here: read here
        stack.close()
        return (job(i) for batch in batches for i in batch)
    finally:
        _JOB = None  # the other process has it; this one holds no reference
    return _taken(stack, pool, pending, left)


def _taken(stack: ExitStack, pool: Any, pending: list[Any],
           left: list[list[int]]) -> Iterator[Any]:
    try:
        while pending:
            results = pending.pop(0).result()
            if left:
                pending.append(pool.submit(_batch, left.pop(0)))
            yield from results
    finally:
        stack.close()  # the rest cancelled, the process ended


def _batch(indexes: list[int]) -> list[Any]:
    job = _JOB
    assert job is not None
    return [job(i) for i in indexes]


def pack(stmts: Sequence[Statement]) -> list[list[Any]] | None:
    """Statements as plain rows (None when a tree will not go through JSON)."""
    rows = []
    try:
        for stmt in stmts:
            row = [getattr(stmt, name) for name in _FIELDS]
            if row[_NODE] is not None:
                row[_NODE] = orjson.dumps(row[_NODE])
            rows.append(row)
    except (orjson.JSONEncodeError, RecursionError):
        return None
    return rows


def unpack(rows: list[list[Any]]) -> list[Statement]:
    out = []
    new = object.__new__
    for row in rows:
        if row[_NODE] is not None:
            row[_NODE] = orjson.loads(row[_NODE])
        stmt = new(Statement)
        stmt.__dict__.update(zip(_FIELDS, row, strict=True))
        out.append(stmt)
    return out
