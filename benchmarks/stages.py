"""Where a cold ``sqllint check`` spends its time, stage by stage.

    python benchmarks/stages.py [PATH] [--rounds 3]

Runs the check in this process (no cache) on PATH (default: a copy of
../shared/corpus/pg_regress), once in one process (``--jobs 1``: every stage is seen
here) and once as a user's default run (the pool, when the run is big enough), and
prints for each stage its wall and CPU seconds (best of ``--rounds``) and share:

- import: sqllint's modules (the interpreter's own start-up is not counted);
- discovery; the schema pass's reading (read, split, parse the DDL), applying
  (catalog replay) and gathering (facts of migrations for repository-wide rules);
- the rule pass's reading (read, parse every statement), replay (the DDL again, from
  the nearest checkpoint), rules (query facts and every rule), suppressions; with a
  pool, the wait for its workers;
- repository-wide rules, finishing (sort, suppressions, the index plan), rendering
  the JSON report.

Nested stages are not counted twice (a stage's time excludes the stages inside it).
Prints figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_PG_REGRESS = HERE.parent.parent / "shared" / "corpus" / "pg_regress"

started = time.perf_counter(), time.process_time()
import sqllint.check  # noqa: E402
import sqllint.discover  # noqa: E402
import sqllint.replay  # noqa: E402
import sqllint.stream  # noqa: E402
from sqllint.config import load_config  # noqa: E402
from sqllint.report.json_report import pieces  # noqa: E402

IMPORTED = time.perf_counter() - started[0], time.process_time() - started[1]

STAGES = ("import", "discovery", "schema: read", "schema: apply", "schema: gather",
          "rules: read", "rules: replay", "rules: rules", "rules: suppress",
          "rules: workers",
          "repository-wide", "finish", "render", "other")


class Clock:
    """Wall and CPU seconds per stage; a stage inside another is taken out of it."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self._stack: list[str] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0, c0 = time.perf_counter(), time.process_time()
        outer = self._stack[-1] if self._stack else None
        self._stack.append(name)
        try:
            yield
        finally:
            self._stack.pop()
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            self.wall[name] += wall
            self.cpu[name] += cpu
            if outer is not None:
                self.wall[outer] -= wall
                self.cpu[outer] -= cpu


CLOCK = [Clock()]  # the current run's


def _timed(owner: Any, name: str, stage: str | Callable[..., str]) -> None:
    real = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        label = stage(*args, **kwargs) if callable(stage) else stage
        with CLOCK[0].stage(label):
            return real(*args, **kwargs)

    setattr(owner, name, wrapper)


def _timed_items(owner: Any, name: str, stage: str) -> None:
    """Time a generator function by the time spent producing each item."""
    real = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
        it = real(*args, **kwargs)
        while True:
            with CLOCK[0].stage(stage):
                try:
                    item = next(it)
                except StopIteration:
                    return
            yield item

    setattr(owner, name, wrapper)


def instrument() -> None:
    stream, replay, check = sqllint.stream, sqllint.replay, sqllint.check
    _timed(stream, "discover", "discovery")
    # Reading ahead in another process: here, the wait and the taking in.
    _timed_items(stream, "_schema_reads", "schema: read")
    _timed(stream, "_schema_statements", "schema: read")
    _timed(replay.Replay, "unit",
           lambda self, *a, **k: "schema: apply" if self._facts_on else "rules: replay")
    _timed(check, "gather", "schema: gather")
    # The rule pass: in this process, the stages below; with a pool, the wait for it.
    _timed_items(stream, "_check_units", "rules: workers")
    _timed(stream, "_rule_statements", "rules: read")
    _timed(check, "check_file", "rules: rules")
    _timed(check.Suppressor, "learn", "rules: suppress")
    _timed(check, "check_catalog", "repository-wide")
    _timed(check, "report", "repository-wide")
    _timed(check, "finish", "finish")


def run_once(path: Path, jobs: int | None) -> Clock:
    clock = CLOCK[0] = Clock()
    config = load_config(None, start=path.parent)
    gc.disable()
    try:
        with clock.stage("other"):
            result = sqllint.stream.check_stream([path], config, jobs=jobs)
            with clock.stage("render"):
                out = io.StringIO()
                for piece in pieces(result):
                    out.write(piece)
    finally:
        gc.enable()
    return clock


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("path", nargs="?", type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    ns = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = ns.path
        if path is None:
            path = Path(tmp) / "pg_regress"
            shutil.copytree(DEFAULT_PG_REGRESS, path)
        path = path.resolve()
        os.chdir(path.parent)
        os.environ["SQLLINT_CACHE"] = "0"
        instrument()
        for label, jobs in (("1 process (--jobs 1)", 1), ("default", None)):
            runs = [run_once(path, jobs) for _ in range(ns.rounds)]
            best = min(runs, key=lambda c: sum(c.wall.values()))
            best.wall["import"], best.cpu["import"] = IMPORTED
            _print(label, path, best)


def _print(label: str, path: Path, clock: Clock) -> None:
    wall = sum(clock.wall.values())
    print(f"\n{label}: {path.name}, {wall:.2f} s wall, "
          f"{sum(clock.cpu.values()):.2f} s CPU in this process")
    print(f"  {'stage':<18} {'wall s':>7} {'CPU s':>7} {'share':>6}")
    for name in STAGES:
        w, c = clock.wall.get(name, 0.0), clock.cpu.get(name, 0.0)
        if abs(w) < 0.0005 and abs(c) < 0.0005:
            continue
        print(f"  {name:<18} {w:7.3f} {c:7.3f} {100 * w / wall:5.1f}%")


if __name__ == "__main__":
    main()
