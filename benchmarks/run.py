"""Time sqllint against squawk, sqlfluff and the parse-only floor, on the same files.

    python benchmarks/run.py                     # both corpora, the full table
    python benchmarks/run.py --corpus pg_regress --no-sqlfluff
    python benchmarks/run.py --json figures.json

Corpora:

* ``pg_regress``: ../shared/corpus/pg_regress (PostgreSQL's regression SQL, ~100k lines),
  copied to a temporary folder first. squawk aborts on a file that is not UTF-8
  ("stream did not contain valid UTF-8"), so every tool reads the same copy, in which such
  files are transcoded from Windows-1252 to UTF-8 (same lines, same statements).
* ``generated``: ``benchmarks/generate.py`` (migrations, .sql query files, Python modules).
  squawk, sqlfluff and the floor read the .sql files; sqllint reads the whole repository
  (its Python modules too), and its lines/s counts all of it.

Each tool runs as a child process; wall time is measured around it and peak memory is the
child's ``ru_maxrss`` (for a tool that starts worker processes, the largest single
process). sqllint runs twice on one fresh cache directory: cold (empty cache), then warm.
sqlfluff only gets the first files of a corpus up to ``--sqlfluff-lines`` lines (it needs
about a minute per 20k lines); its ratio compares lines per second. The floor is
``pglast.parser.parse_sql_json`` over every statement ``pglast.parser.split`` finds
(a file that does not split is parsed whole), timed inside its process, so interpreter
start-up is not counted.

The benchmark dependencies are the ``bench`` extra: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from generate import generate_repo  # noqa: E402

DEFAULT_PG_REGRESS = REPO.parent / "shared" / "corpus" / "pg_regress"

# Targets of the "Prove it on real SQL at speed" issue.
MAX_VS_SQUAWK = 2.0
MIN_VS_SQLFLUFF = 100.0
MAX_RSS_MB = 150.0
MAX_WARM_SHARE = 0.10

_FLOOR = r"""
import json, sys, time
from pglast import parser
paths = json.loads(sys.stdin.read())
texts = [open(p, encoding="utf-8", errors="replace").read() for p in paths]
start = time.perf_counter()
count = 0
for text in texts:
    try:
        pieces = [text[s] for s in parser.split(text, with_parser=False, only_slices=True)]
    except Exception:
        pieces = [text]
    for piece in pieces:
        try:
            parser.parse_sql_json(piece)
        except Exception:
            pass
        count += 1
print(json.dumps({"seconds": time.perf_counter() - start, "statements": count}))
"""


@dataclass
class Run:
    corpus: str
    tool: str
    files: int
    lines: int
    seconds: float
    peak_mb: float
    ok: bool = True
    note: str = ""

    @property
    def lines_per_second(self) -> float:
        return self.lines / self.seconds if self.seconds > 0 else float("inf")


@dataclass
class Corpus:
    name: str
    root: Path  # what sqllint is given
    sql_files: list[Path]  # what squawk, sqlfluff and the floor are given
    lines: int  # lines of everything sqllint reads
    sql_lines: int
    note: str = ""


def _lines(path: Path) -> int:
    return path.read_bytes().count(b"\n")


def _timed(cmd: Sequence[str], *, cwd: Path, env: dict[str, str] | None = None,
           stdin: str | None = None, timeout: float = 1800) -> tuple[float, float, int, str, str]:
    """(wall seconds, peak RSS MB, exit code, stdout, stderr) of one child process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, env=env, stdout=out, stderr=err,
                                stdin=subprocess.PIPE if stdin is not None else
                                subprocess.DEVNULL)
        if stdin is not None:
            assert proc.stdin is not None
            proc.stdin.write(stdin.encode())
            proc.stdin.close()
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.002)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (seconds, usage.ru_maxrss / 1024, proc.returncode,
                out.read().decode(errors="replace"), err.read().decode(errors="replace"))


def _tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else None


# -- corpora -------------------------------------------------------------------------


def prepare_pg_regress(source: Path, work: Path) -> Corpus:
    dest = work / "pg_regress"
    dest.mkdir(parents=True)
    transcoded = []
    for path in sorted(source.glob("*.sql")):
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            data = data.decode("cp1252", errors="replace").encode("utf-8")
            transcoded.append(path.name)
        (dest / path.name).write_bytes(data)
    files = sorted(dest.glob("*.sql"))
    lines = sum(_lines(p) for p in files)
    note = f"transcoded to UTF-8 for squawk: {', '.join(transcoded)}" if transcoded else ""
    return Corpus("pg_regress", dest, files, lines, lines, note)


def prepare_generated(work: Path, tables: int, queries: int) -> Corpus:
    dest = work / "generated"
    generate_repo(dest, tables, queries)
    everything = sorted(p for p in dest.rglob("*") if p.suffix in (".sql", ".py"))
    sql = [p for p in everything if p.suffix == ".sql"]
    return Corpus(f"generated ({tables} tables, {queries} queries)", dest, sql,
                  sum(_lines(p) for p in everything), sum(_lines(p) for p in sql))


# -- tools ---------------------------------------------------------------------------


def run_sqllint(corpus: Corpus, cache_dir: Path, label: str) -> Run:
    env = {**os.environ, "SQLLINT_CACHE_DIR": str(cache_dir)}
    cmd = [sys.executable, "-m", "sqllint.cli", "check", "--format", "json", str(corpus.root)]
    seconds, rss, code, out, err = _timed(cmd, cwd=corpus.root.parent, env=env)
    ok = code in (0, 1) and "internal error" not in err and "Traceback" not in err
    note = ""
    if ok:
        try:
            summary = json.loads(out)["summary"]
            note = f"{summary['statements']} statements, {summary['findings']} findings"
        except (ValueError, KeyError):
            ok, note = False, "no JSON report"
    else:
        note = (err.strip().splitlines() or [f"exit {code}"])[0][:100]
    files = sum(1 for p in corpus.root.rglob("*") if p.suffix in (".sql", ".py"))
    return Run(corpus.name, label, files, corpus.lines, seconds, rss, ok, note)


def run_squawk(corpus: Corpus) -> Run:
    exe = _tool("squawk")
    if exe is None:
        return Run(corpus.name, "squawk", 0, 0, 0.0, 0.0, False, "not installed")
    cmd = [exe, *map(str, corpus.sql_files)]
    seconds, rss, code, out, err = _timed(cmd, cwd=corpus.root)
    ok = code in (0, 1) and "Error:" not in err
    tail = [line for line in out.splitlines() if line.startswith("Found")]
    note = tail[-1] if ok and tail else (err.strip().splitlines() or [f"exit {code}"])[0][:100]
    return Run(corpus.name, "squawk", len(corpus.sql_files), corpus.sql_lines, seconds, rss,
               ok, note)


def run_sqlfluff(corpus: Corpus, max_lines: int) -> Run:
    exe = _tool("sqlfluff")
    if exe is None:
        return Run(corpus.name, "sqlfluff", 0, 0, 0.0, 0.0, False, "not installed")
    subset: list[Path] = []
    lines = 0
    for path in corpus.sql_files:
        if subset and lines + _lines(path) > max_lines:
            continue
        subset.append(path)
        lines += _lines(path)
        if lines >= max_lines:
            break
    cmd = [exe, "lint", "--dialect", "postgres", "--nofail", "--disable-progress-bar",
           "--format", "json", *map(str, subset)]
    seconds, rss, code, _, err = _timed(cmd, cwd=corpus.root)
    ok = code in (0, 1)
    note = f"subset: {len(subset)} of {len(corpus.sql_files)} files"
    if not ok:
        note += "; " + (err.strip().splitlines() or [f"exit {code}"])[-1][:80]
    return Run(corpus.name, "sqlfluff", len(subset), lines, seconds, rss, ok, note)


def run_floor(corpus: Corpus) -> Run:
    cmd = [sys.executable, "-c", _FLOOR]
    stdin = json.dumps([str(p) for p in corpus.sql_files])
    _, rss, code, out, err = _timed(cmd, cwd=corpus.root, stdin=stdin)
    if code != 0:
        return Run(corpus.name, "pglast floor", 0, 0, 0.0, rss, False, err[-100:])
    figures = json.loads(out)
    return Run(corpus.name, "pglast floor", len(corpus.sql_files), corpus.sql_lines,
               figures["seconds"], rss, True,
               f"parse_sql_json of {figures['statements']} statements (in-process time)")


# -- report --------------------------------------------------------------------------


def table(runs: list[Run]) -> str:
    head = f"{'corpus':<34} {'tool':<15} {'files':>5} {'lines':>7} {'wall s':>8} " \
           f"{'lines/s':>10} {'peak MB':>8}  note"
    out = [head, "-" * len(head)]
    for r in runs:
        lps = f"{r.lines_per_second:,.0f}" if r.ok and r.seconds > 0 else "-"
        wall = f"{r.seconds:.3f}" if r.ok else "FAILED"
        out.append(f"{r.corpus[:34]:<34} {r.tool:<15} {r.files:>5} {r.lines:>7} {wall:>8} "
                   f"{lps:>10} {r.peak_mb:>8.1f}  {r.note}")
    return "\n".join(out)


def verdicts(runs: list[Run]) -> list[str]:
    out = []
    for corpus in dict.fromkeys(r.corpus for r in runs):
        by = {r.tool: r for r in runs if r.corpus == corpus and r.ok}
        cold, warm = by.get("sqllint cold"), by.get("sqllint warm")
        squawk, fluff = by.get("squawk"), by.get("sqlfluff")
        out.append(f"{corpus}:")
        if cold and squawk:
            ratio = cold.seconds / squawk.seconds
            out.append(f"  sqllint/squawk wall      {ratio:8.2f}x   target <= {MAX_VS_SQUAWK:g}x "
                       f"{'met' if ratio <= MAX_VS_SQUAWK else 'MISSED'}")
        if cold and fluff:
            ratio = cold.lines_per_second / fluff.lines_per_second
            out.append(f"  sqlfluff/sqllint (lines/s){ratio:7.0f}x   target >= "
                       f"{MIN_VS_SQLFLUFF:g}x {'met' if ratio >= MIN_VS_SQLFLUFF else 'MISSED'}")
        if cold:
            peak = max(cold.peak_mb, warm.peak_mb if warm else 0.0)
            out.append(f"  sqllint peak RSS         {peak:8.1f} MB target < {MAX_RSS_MB:g} MB "
                       f"{'met' if peak < MAX_RSS_MB else 'MISSED'}")
        if cold and warm:
            share = warm.seconds / cold.seconds
            out.append(f"  warm/cold                {share:8.1%}    target <= "
                       f"{MAX_WARM_SHARE:.0%} {'met' if share <= MAX_WARM_SHARE else 'MISSED'}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--corpus", choices=["all", "pg_regress", "generated"], default="all")
    ap.add_argument("--pg-regress", type=Path, default=DEFAULT_PG_REGRESS,
                    help="the pg_regress corpus folder [%(default)s]")
    ap.add_argument("--tables", type=int, default=200, help="generated corpus: tables")
    ap.add_argument("--queries", type=int, default=2000, help="generated corpus: queries")
    ap.add_argument("--sqlfluff-lines", type=int, default=2000,
                    help="lines of each corpus given to sqlfluff [%(default)s]")
    ap.add_argument("--no-sqlfluff", action="store_true")
    ap.add_argument("--no-squawk", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ns = ap.parse_args(argv)

    runs: list[Run] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="sqllint-bench-") as tmp:
        work = Path(tmp)
        corpora: list[Corpus] = []
        if ns.corpus in ("all", "pg_regress"):
            if not ns.pg_regress.is_dir():
                print(f"run.py: no pg_regress corpus at {ns.pg_regress}", file=sys.stderr)
                return 2
            corpora.append(prepare_pg_regress(ns.pg_regress, work))
        if ns.corpus in ("all", "generated"):
            corpora.append(prepare_generated(work, ns.tables, ns.queries))
        for corpus in corpora:
            if corpus.note:
                notes.append(f"{corpus.name}: {corpus.note}")
            print(f"... {corpus.name}: {corpus.lines} lines", file=sys.stderr, flush=True)
            cache = work / f"cache-{len(runs)}"
            runs.append(run_sqllint(corpus, cache, "sqllint cold"))
            runs.append(run_sqllint(corpus, cache, "sqllint warm"))
            if not ns.no_squawk:
                runs.append(run_squawk(corpus))
            runs.append(run_floor(corpus))
            if not ns.no_sqlfluff:
                runs.append(run_sqlfluff(corpus, ns.sqlfluff_lines))
    print(table(runs))
    print()
    print("\n".join(verdicts(runs)))
    for note in notes:
        print(f"note: {note}")
    if ns.json:
        ns.json.write_text(json.dumps([{**asdict(r), "lines_per_second": r.lines_per_second}
                                       for r in runs], indent=2))
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
