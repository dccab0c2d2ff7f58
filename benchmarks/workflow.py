"""Cold, warm and pre-commit-style timings of ``sqllint check`` on a generated repository.

    python benchmarks/workflow.py [--lines 20000] [--repeat 3] [--keep DIR]

Generates a deterministic repository (golang-migrate migrations, query files, a Python
data-access package) of at least ``--lines`` lines, then times, each in a fresh
process (``python -m sqllint.cli``):

- cold: no ``.sqllint_cache/``;
- warm: the cache from the previous run;
- pre-commit: one changed query file passed alone (the whole schema is still loaded);
- the same cold run with the process pool forced on and forced off
  (``SQLLINT_WORKERS=N`` / ``SQLLINT_WORKERS=1``), and with the cache off.

Prints one line per measurement (best of ``--repeat``); never asserts anything.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STATES = ("running", "stopped", "pending", "failed", "deleted")


def _table_sql(i: int) -> str:
    ref = f"    parent_id bigint REFERENCES t{i - 1:03d} (id),\n" if i else ""
    return (
        f"CREATE TABLE t{i:03d} (\n"
        f"    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        f"    org_id bigint NOT NULL,\n{ref}"
        f"    name text NOT NULL,\n"
        f"    state text NOT NULL DEFAULT 'pending',\n"
        f"    payload jsonb NOT NULL DEFAULT '{{}}',\n"
        f"    score numeric(10, 2),\n"
        f"    created_at timestamptz NOT NULL DEFAULT now(),\n"
        f"    updated_at timestamptz NOT NULL DEFAULT now()\n"
        f");\n\n"
        f"CREATE INDEX t{i:03d}_org_state_idx ON t{i:03d} (org_id, state);\n"
        f"CREATE INDEX t{i:03d}_created_idx ON t{i:03d} (created_at DESC);\n"
    )


def _queries_sql(i: int, n: int) -> str:
    out: list[str] = [f"-- Queries on t{i:03d}.\n"]
    for q in range(n):
        state = STATES[(i + q) % len(STATES)]
        kind = q % 6
        if kind == 0:
            out.append(f"SELECT id, name, state\n  FROM t{i:03d}\n WHERE org_id = $1\n"
                       f"   AND state = '{state}'\n ORDER BY id\n LIMIT 50;\n\n")
        elif kind == 1:
            out.append(f"SELECT *\n  FROM t{i:03d}\n WHERE id = $1;\n\n")
        elif kind == 2:
            out.append(f"SELECT t.id, t.name, count(*) AS n\n  FROM t{i:03d} t\n"
                       f"  JOIN t{max(i - 1, 0):03d} p ON p.id = t.org_id\n"
                       f" WHERE t.created_at > now() - interval '{q + 1} days'\n"
                       f" GROUP BY t.id, t.name\n LIMIT 100;\n\n")
        elif kind == 3:
            out.append(f"UPDATE t{i:03d}\n   SET state = '{state}', updated_at = now()\n"
                       f" WHERE id = $1;\n\n")
        elif kind == 4:
            out.append(f"SELECT id, payload ->> 'kind' AS kind\n  FROM t{i:03d}\n"
                       f" WHERE name = $1\n LIMIT 10;\n\n")
        else:
            out.append(f"DELETE FROM t{i:03d}\n WHERE org_id = $1\n"
                       f"   AND created_at < now() - interval '{q} days';\n\n")
    return "".join(out)


def _python(i: int, n: int) -> str:
    out = [f'"""Data access for t{i:03d} (generated)."""\n\n', "from __future__ import "
           "annotations\n\n\n"]
    for q in range(n):
        out.append(
            f"def fetch_{q}(conn, org_id, state):\n"
            f"    with conn.cursor() as cur:\n"
            f"        cur.execute(\n"
            f"            \"SELECT id, name FROM t{i:03d} \"\n"
            f"            \"WHERE org_id = %s AND state = %s ORDER BY id LIMIT {q + 10}\",\n"
            f"            (org_id, state),\n"
            f"        )\n"
            f"        return cur.fetchall()\n\n\n"
        )
    return "".join(out)


def generate(root: Path, min_lines: int = 20_000) -> int:
    """Write the repository under ``root``; return its number of lines."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "migrations").mkdir(exist_ok=True)
    (root / "queries").mkdir(exist_ok=True)
    (root / "app").mkdir(exist_ok=True)
    total, i = 0, 0
    while total < min_lines:
        files = {
            root / "migrations" / f"{i + 1:06d}_create_t{i:03d}.up.sql": _table_sql(i),
            root / "migrations" / f"{i + 1:06d}_create_t{i:03d}.down.sql":
                f"DROP TABLE t{i:03d};\n",
            root / "queries" / f"t{i:03d}.sql": _queries_sql(i, 24),
            root / "app" / f"repo_t{i:03d}.py": _python(i, 6),
        }
        for path, text in files.items():
            path.write_text(text, encoding="utf-8")
            total += text.count("\n")
        i += 1
    return total


def _run(root: Path, args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "sqllint.cli", "check", *args], cwd=root,
                          env={**os.environ, **env}, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"sqllint failed ({proc.returncode}): {proc.stderr.strip()}")
    return elapsed


def _best(root: Path, args: list[str], env: dict[str, str], repeat: int, cold: bool) -> float:
    times = []
    for _ in range(repeat):
        if cold:
            shutil.rmtree(root / ".sqllint_cache", ignore_errors=True)
        times.append(_run(root, args, env))
    return min(times) if repeat < 3 else statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate here and keep it")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sqllint-bench-")) if args.keep is None else args.keep
    root = tmp / "repo" if args.keep is None else args.keep
    lines = generate(root, args.lines)
    nfiles = sum(1 for p in root.rglob("*") if p.is_file())
    print(f"repository: {lines} lines in {nfiles} files ({root}); cores: {os.cpu_count()}")
    one = "queries/t003.sql"
    rows = [
        ("cold (no cache)", ["."], {}, True),
        ("warm (cache)", ["."], {}, False),
        ("pre-commit, 1 changed file, warm", [one], {}, False),
        ("pre-commit, 1 changed file, cold", [one], {}, True),
        ("cold, pool forced off (SQLLINT_WORKERS=1)", ["."], {"SQLLINT_WORKERS": "1"}, True),
        ("cold, pool forced on (SQLLINT_WORKERS=2)", ["."], {"SQLLINT_WORKERS": "2"}, True),
        ("no cache (SQLLINT_CACHE=0)", ["."], {"SQLLINT_CACHE": "0"}, False),
    ]
    _run(root, ["."], {})  # warm the OS file cache and the interpreter's .pyc files
    for label, cli_args, env, cold in rows:
        seconds = _best(root, cli_args, env, args.repeat, cold)
        print(f"{label:<45} {seconds:6.2f} s")
    if args.keep is None:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
