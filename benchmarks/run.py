"""Time sqllint against squawk, sqlfluff and the parse-only floor, on the same files.

    python benchmarks/run.py                     # every corpus, the full table
    python benchmarks/run.py --history ~/src/crates.io/migrations --rounds 5
    python benchmarks/run.py --corpus pg_regress --no-sqlfluff --scaling 1,2 --no-huge
    python benchmarks/run.py --json figures.json

Figures are medians of ``--rounds`` rounds run interleaved (every tool once per round),
so a machine shared with other work shifts every tool alike; they stay noisy there.
Peak RSS is GNU time's ``%M`` (a fresh parent, not this Python process) when
``/usr/bin/time`` exists, else the child's ``ru_maxrss``. sqllint runs with bytecode
caching on (``PYTHONDONTWRITEBYTECODE`` removed, one warm-up run first), as installed.

Also printed: the scaling table (pg_regress copied 1, 2, 4 and 8 times: wall time should
grow linearly, peak RSS stay flat), one 50 MB file of 500,000 statements and one 50 MB
INSERT (both over the 20 MB limit: syntax and migration rules only).

Corpora:

* ``pg_regress``: ../shared/corpus/pg_regress (PostgreSQL's regression SQL, ~100k lines),
  copied to a temporary folder first. squawk aborts on a file that is not UTF-8
  ("stream did not contain valid UTF-8"), so every tool reads the same copy, in which such
  files are transcoded from Windows-1252 to UTF-8 (same lines, same statements).
* ``history``: a real migration history (``--history PATH`` or ``SQLLINT_BENCH_HISTORY``;
  skipped when absent), e.g. the ``migrations`` folder of a diesel project. squawk
  reads its ``up.sql`` / ``*.up.sql`` / other forward migration files, sqllint the folder.
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
import contextlib
import json
import os
import shutil
import statistics
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

# Targets of the streaming issue (#13).
MAX_VS_SQUAWK = {"pg_regress": 1.5, "history": 3.0}
MAX_WARM_VS_SQUAWK = 0.5
MIN_VS_SQLFLUFF = 100.0
MAX_RSS_MB = 150.0
MAX_SCALING_RSS = 1.5  # peak RSS at 8x over 1x
HUGE_MAX_SECONDS, HUGE_MAX_MB = 60.0, 1024.0
GNU_TIME = "/usr/bin/time"

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
    gnu = os.path.exists(GNU_TIME)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(suffix=".rss") as rss_file:
        full = [GNU_TIME, "-f", "%M", "-o", rss_file.name, *cmd] if gnu else list(cmd)
        start = time.perf_counter()
        proc = subprocess.Popen(full, cwd=cwd, env=env, stdout=out, stderr=err,
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
        peak = usage.ru_maxrss / 1024
        if gnu:
            with contextlib.suppress(ValueError, IndexError, OSError):
                peak = int(Path(rss_file.name).read_text().split()[-1]) / 1024
        out.seek(0)
        err.seek(0)
        return (seconds, peak, proc.returncode,
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


def prepare_history(source: Path) -> Corpus:
    """A migration history as it is (not copied): squawk gets its forward migrations."""
    everything = sorted(p for p in source.rglob("*.sql"))
    forward = [p for p in everything if not (p.name == "down.sql" or
                                             p.name.endswith(".down.sql"))]
    lines = sum(_lines(p) for p in everything)
    return Corpus("history", source, forward, lines, sum(_lines(p) for p in forward),
                  f"{source} ({len(forward)} forward migration files)")


def prepare_scaled(source: Path, work: Path, times: int) -> Corpus:
    """pg_regress ``times`` times over, each copy in its own folder."""
    dest = work / f"pg_regress_x{times}"
    for k in range(times):
        shutil.copytree(source, dest / f"copy{k}")
    files = sorted(dest.rglob("*.sql"))
    lines = sum(_lines(p) for p in files)
    return Corpus(f"pg_regress x{times}", dest, files, lines, lines)


def prepare_huge(work: Path, statements: int = 500_000) -> Corpus:
    """One ~50 MB file of small statements (a table, then inserts and queries)."""
    dest = work / "huge"
    dest.mkdir()
    path = dest / "huge.sql"
    with path.open("w", encoding="utf-8") as f:
        f.write("CREATE TABLE t (id bigint PRIMARY KEY, a text, b int);\n")
        for n in range(statements - 1):
            if n % 10 == 0:
                f.write(f"SELECT a, b FROM t WHERE id = {n} AND b < 50 ORDER BY id "
                        f"LIMIT 10;\n")
            else:
                f.write(f"INSERT INTO t (id, a, b) VALUES ({n}, 'a value for row {n} of the "
                        f"generated fifty megabyte file', {n % 97});\n")
    lines = _lines(path)
    return Corpus(f"one file, {statements:,} statements, "
                  f"{path.stat().st_size / 1e6:.0f} MB", dest, [path], lines, lines)


def prepare_huge_insert(work: Path, megabytes: int = 50) -> Corpus:
    """One ~50 MB file holding a single INSERT of many rows."""
    dest = work / "huge_insert"
    dest.mkdir()
    path = dest / "insert.sql"
    with path.open("w", encoding="utf-8") as f:
        f.write("CREATE TABLE t (id bigint PRIMARY KEY, a text, b int);\n"
                "INSERT INTO t (id, a, b) VALUES\n")
        n, size = 0, 0
        while size < megabytes * 1_000_000:
            row = f"{',' if n else ' '}({n}, 'a value for row {n}', {n % 97})\n"
            f.write(row)
            size += len(row)
            n += 1
        f.write(";\n")
    lines = _lines(path)
    return Corpus(f"one INSERT of {n:,} rows, {path.stat().st_size / 1e6:.0f} MB", dest,
                  [path], lines, lines)


# -- tools ---------------------------------------------------------------------------


def sqllint_env(cache_dir: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if cache_dir is None:
        env["SQLLINT_CACHE"] = "0"
    else:
        env["SQLLINT_CACHE"] = "1"
        env["SQLLINT_CACHE_DIR"] = str(cache_dir)
    return env


def run_sqllint(corpus: Corpus, cache_dir: Path | None, label: str,
                extra: Sequence[str] = ()) -> Run:
    """One ``sqllint check``: ``cache_dir`` None runs without any cache."""
    cmd = [sys.executable, "-m", "sqllint.cli", "check", "--format", "json", *extra,
           str(corpus.root)]
    seconds, rss, code, out, err = _timed(cmd, cwd=corpus.root.parent,
                                          env=sqllint_env(cache_dir))
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


def medians(runs: list[Run]) -> list[Run]:
    """One row per (corpus, tool): median wall time and median peak RSS of its rounds."""
    groups: dict[tuple[str, str], list[Run]] = {}
    for r in runs:
        groups.setdefault((r.corpus, r.tool), []).append(r)
    out = []
    for group in groups.values():
        ok = [r for r in group if r.ok]
        if not ok:
            out.append(group[0])
            continue
        first = ok[0]
        note = first.note + (f" (median of {len(ok)})" if len(ok) > 1 else "")
        out.append(Run(first.corpus, first.tool, first.files, first.lines,
                       statistics.median(r.seconds for r in ok),
                       statistics.median(r.peak_mb for r in ok), True, note))
    return out


def _verdict(what: str, value: str, target: str, met: bool) -> str:
    return f"  {what:<34} {value:>10}   target {target:<10} {'met' if met else 'MISSED'}"


def verdicts(runs: list[Run]) -> list[str]:
    out = []
    for corpus in dict.fromkeys(r.corpus for r in runs):
        by = {r.tool: r for r in runs if r.corpus == corpus and r.ok}
        cold, warm = by.get("sqllint cold"), by.get("sqllint warm")
        squawk, fluff = by.get("squawk"), by.get("sqlfluff")
        out.append(f"{corpus}:")
        limit = MAX_VS_SQUAWK.get(corpus)
        if cold and squawk:
            ratio = cold.seconds / squawk.seconds
            out.append(_verdict("cold sqllint / squawk (wall)", f"{ratio:.2f}x",
                                f"<= {limit:g}x" if limit else "-", ratio <= (limit or 1e9)))
        if warm and squawk:
            ratio = warm.seconds / squawk.seconds
            out.append(_verdict("warm sqllint / squawk (wall)", f"{ratio:.2f}x",
                                f"<= {MAX_WARM_VS_SQUAWK:g}x", ratio <= MAX_WARM_VS_SQUAWK))
        if cold and fluff:
            ratio = cold.lines_per_second / fluff.lines_per_second
            out.append(_verdict("sqllint / sqlfluff (lines/s)", f"{ratio:.0f}x",
                                f">= {MIN_VS_SQLFLUFF:g}x", ratio >= MIN_VS_SQLFLUFF))
        if cold:
            peak = max(r.peak_mb for r in by.values() if r.tool.startswith("sqllint"))
            out.append(_verdict("sqllint peak RSS", f"{peak:.0f} MB", f"<= {MAX_RSS_MB:g} MB",
                                peak <= MAX_RSS_MB))
    return out


def scaling_table(runs: list[Run]) -> list[str]:
    rows = [r for r in runs if r.corpus.startswith("pg_regress x") and r.ok]
    if not rows:
        return []
    base = rows[0]
    out = [f"{'corpus':<16} {'lines':>8} {'wall s':>8} {'s per x':>8} {'peak MB':>8}",
           "-" * 52]
    for r in rows:
        times = int(r.corpus.rsplit("x", 1)[1])
        out.append(f"{r.corpus:<16} {r.lines:>8} {r.seconds:>8.2f} {r.seconds / times:>8.2f} "
                   f"{r.peak_mb:>8.0f}")
    last = rows[-1]
    growth = last.peak_mb / base.peak_mb if base.peak_mb else 0.0
    out.append(_verdict(f"peak RSS {last.corpus[-2:]} / x1", f"{growth:.2f}x",
                        f"<= {MAX_SCALING_RSS:g}x", growth <= MAX_SCALING_RSS))
    return out


def huge_verdicts(run: Run) -> list[str]:
    return [f"{run.corpus}: {run.seconds:.1f} s, {run.peak_mb:.0f} MB ({run.note})",
            _verdict("wall", f"{run.seconds:.1f} s", f"<= {HUGE_MAX_SECONDS:g} s",
                     run.ok and run.seconds <= HUGE_MAX_SECONDS),
            _verdict("peak RSS", f"{run.peak_mb:.0f} MB", f"<= {HUGE_MAX_MB:g} MB",
                     run.ok and run.peak_mb <= HUGE_MAX_MB)]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--corpus", choices=["all", "pg_regress", "history", "generated"],
                    default="all")
    ap.add_argument("--pg-regress", type=Path, default=DEFAULT_PG_REGRESS,
                    help="the pg_regress corpus folder [%(default)s]")
    ap.add_argument("--history", type=Path,
                    default=Path(os.environ["SQLLINT_BENCH_HISTORY"])
                    if os.environ.get("SQLLINT_BENCH_HISTORY") else None,
                    help="a real migration history folder [$SQLLINT_BENCH_HISTORY]")
    ap.add_argument("--tables", type=int, default=200, help="generated corpus: tables")
    ap.add_argument("--queries", type=int, default=2000, help="generated corpus: queries")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds [%(default)s]")
    ap.add_argument("--scaling", default="1,2,4,8",
                    help="pg_regress multiples for the scaling table ('' for none)")
    ap.add_argument("--no-huge", action="store_true", help="skip the two 50 MB files")
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
        regress: Corpus | None = None
        if ns.corpus in ("all", "pg_regress"):
            if not ns.pg_regress.is_dir():
                print(f"run.py: no pg_regress corpus at {ns.pg_regress}", file=sys.stderr)
                return 2
            regress = prepare_pg_regress(ns.pg_regress, work)
            corpora.append(regress)
        if ns.corpus in ("all", "history"):
            if ns.history is not None and ns.history.is_dir():
                corpora.append(prepare_history(ns.history.resolve()))
            else:
                notes.append("history: skipped (give --history PATH or SQLLINT_BENCH_HISTORY)")
        if ns.corpus in ("all", "generated"):
            corpora.append(prepare_generated(work, ns.tables, ns.queries))
        warmup = work / "warmup"
        warmup.mkdir()
        (warmup / "q.sql").write_text("SELECT 1;\n")
        run_sqllint(Corpus("warmup", warmup, [], 1, 1), None, "warm-up")  # writes bytecode
        for corpus in corpora:
            if corpus.note:
                notes.append(f"{corpus.name}: {corpus.note}")
        for round_no in range(ns.rounds):
            for i, corpus in enumerate(corpora):
                print(f"... round {round_no + 1}/{ns.rounds}: {corpus.name}", file=sys.stderr,
                      flush=True)
                cache = work / f"cache-{round_no}-{i}"
                runs.append(run_sqllint(corpus, None, "sqllint cold"))
                runs.append(run_sqllint(corpus, cache, "sqllint cold+cache"))
                runs.append(run_sqllint(corpus, cache, "sqllint warm"))
                runs.append(run_sqllint(corpus, None, "sqllint -j1", ["--jobs", "1"]))
                if not ns.no_squawk:
                    runs.append(run_squawk(corpus))
                runs.append(run_floor(corpus))
                if not ns.no_sqlfluff and round_no == 0:
                    runs.append(run_sqlfluff(corpus, ns.sqlfluff_lines))
        scaled: list[Run] = []
        multiples = [int(x) for x in ns.scaling.split(",") if x.strip()]
        if regress is not None and multiples:
            copies = [prepare_scaled(regress.root, work, k) for k in multiples]
            for round_no in range(ns.rounds):
                for corpus in copies:
                    print(f"... scaling round {round_no + 1}/{ns.rounds}: {corpus.name}",
                          file=sys.stderr, flush=True)
                    scaled.append(run_sqllint(corpus, None, "sqllint cold"))
        huge: list[Run] = []
        if not ns.no_huge:
            for corpus in (prepare_huge(work), prepare_huge_insert(work)):
                print(f"... {corpus.name}", file=sys.stderr, flush=True)
                huge.append(run_sqllint(corpus, None, "sqllint cold"))
                shutil.rmtree(corpus.root)
    rows = medians(runs)
    print(table(rows))
    print()
    print("\n".join(verdicts(rows)))
    if scaled:
        print()
        print("Scaling (cold, no cache):")
        print("\n".join(scaling_table(medians(scaled))))
    for run in huge:
        print()
        print("\n".join(huge_verdicts(run)))
    print()
    print(f"Medians of {ns.rounds} interleaved rounds on a machine that may be shared: "
          f"figures are noisy. cold = no cache; cold+cache = an empty cache filled; "
          f"warm = the same run again.")
    for note in notes:
        print(f"note: {note}")
    if ns.json:
        every = [*runs, *scaled, *huge]
        ns.json.write_text(json.dumps([{**asdict(r), "lines_per_second": r.lines_per_second}
                                       for r in every], indent=2))
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
