"""Statements per second of ``sqllint check`` on a generated repository of queries.

    python benchmarks/queries.py [--queries 2000] [--repeat 3] [--keep DIR]

Writes a schema (40 tables, indexes, foreign keys) and ``--queries`` queries of every
shape the query rules look at (filters, joins, CTEs, subqueries, windows, ORDER BY …
LIMIT, OFFSET, JSONB, UPDATE/DELETE, PL/pgSQL functions), runs ``sqllint check`` on it
in-process and prints the best of ``--repeat`` runs. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import random
import shutil
import tempfile
import time
from pathlib import Path

TABLES = 40

SHAPES = [
    "SELECT id, name FROM {t} WHERE state = $1;",
    "SELECT * FROM {t} WHERE owner_id = $1 AND created_at >= $2 ORDER BY created_at DESC "
    "LIMIT 50;",
    "SELECT a.id, b.name FROM {t} a JOIN {u} b ON b.id = a.parent_id WHERE a.id = $1;",
    "SELECT a.id FROM {t} a JOIN {u} b ON b.parent_id = a.id WHERE a.owner_id = $1 LIMIT 10;",
    "WITH r AS (SELECT id, owner_id FROM {t} WHERE created_at > now() - interval '1 day') "
    "SELECT owner_id, count(*) FROM r GROUP BY owner_id;",
    "SELECT id FROM {t} t WHERE EXISTS (SELECT 1 FROM {u} u WHERE u.parent_id = t.id) "
    "AND t.state = 'open' LIMIT 20;",
    "SELECT id, row_number() OVER (PARTITION BY owner_id ORDER BY created_at DESC) "
    "FROM {t};",
    "SELECT id FROM {t} WHERE lower(name) = $1;",
    "SELECT id FROM {t} WHERE payload @> '{{\"k\": 1}}' LIMIT 10;",
    "SELECT id FROM {t} WHERE payload ->> 'kind' = $1 LIMIT 10;",
    "SELECT id FROM {t} ORDER BY created_at DESC LIMIT 20 OFFSET 5000;",
    "UPDATE {t} SET state = 'done' WHERE owner_id = $1;",
    "DELETE FROM {t} WHERE created_at < $1;",
    "INSERT INTO {t} (id, name, state) SELECT id, name, state FROM {u} WHERE owner_id = $1;",
    "SELECT t.id, s.n FROM {t} t, LATERAL (SELECT count(*) AS n FROM {u} u "
    "WHERE u.parent_id = t.id) s WHERE t.id = $1;",
    "SELECT id FROM {t} WHERE id IN (SELECT parent_id FROM {u} WHERE state = $1) LIMIT 5;",
    "SELECT name FROM {t} WHERE name LIKE '%x%' LIMIT 5;",
    "SELECT id FROM {t} WHERE state = 'open' UNION ALL SELECT id FROM {u} WHERE id = $1;",
]


def schema() -> str:
    out = []
    for i in range(TABLES):
        out.append(
            f"CREATE TABLE t{i} (id bigint PRIMARY KEY, parent_id bigint, owner_id bigint, "
            f"name text, state text, payload jsonb, created_at timestamptz NOT NULL);\n"
            f"CREATE INDEX t{i}_owner_idx ON t{i} (owner_id{', created_at' if i % 2 else ''});"
            f"\n" + (f"CREATE INDEX t{i}_payload_idx ON t{i} USING gin (payload);\n"
                     if i % 3 == 0 else ""))
    return "".join(out)


def function(i: int, rng: random.Random) -> str:
    t = f"t{rng.randrange(TABLES)}"
    return (f"CREATE FUNCTION f{i}(p bigint) RETURNS void LANGUAGE plpgsql AS $$\n"
            f"DECLARE n int;\nBEGIN\n"
            f"    SELECT count(*) INTO n FROM {t} WHERE owner_id = p;\n"
            f"    UPDATE {t} SET state = 'x' WHERE parent_id = p;\nEND;\n$$;\n")


def generate(root: Path, queries: int, seed: int = 7) -> int:
    """Write the repository; return the number of queries written."""
    rng = random.Random(seed)
    (root / "db").mkdir(parents=True, exist_ok=True)
    (root / "db" / "schema.sql").write_text(schema())
    (root / "queries").mkdir(exist_ok=True)
    written = 0
    per_file = 50
    file_no = 0
    while written < queries:
        lines = []
        for _ in range(min(per_file, queries - written)):
            if written % 25 == 24:
                lines.append(function(written, rng))
                written += 2
                continue
            t, u = rng.randrange(TABLES), rng.randrange(TABLES)
            lines.append(rng.choice(SHAPES).format(t=f"t{t}", u=f"t{u}"))
            written += 1
        (root / "queries" / f"q{file_no:04d}.sql").write_text("\n".join(lines) + "\n")
        file_no += 1
    return written


def run(root: Path) -> tuple[float, int]:
    import os

    from sqllint.cli import main

    os.environ["SQLLINT_CACHE"] = "0"  # cold runs: the persistent cache would hide the work
    start = time.perf_counter()
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        main(["check", "--format", "json", str(root)])
    elapsed = time.perf_counter() - start
    import json

    report = json.loads(buf.getvalue())
    return elapsed, int(report["summary"]["statements"])


def facts_time(root: Path) -> tuple[float, int]:
    """Best-of-3 seconds per query of ``query_facts`` alone (the trees already parsed)."""
    from sqllint.analysis.facts import query_facts
    from sqllint.config import load_config
    from sqllint.project import load_project

    project = load_project([root], load_config(None, start=root))
    queries = [s for s in project.statements if s.kind == "query" and s.node is not None]
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for stmt in queries:
            query_facts(stmt.node, project.catalog)
        best = min(best, time.perf_counter() - start)
    return best / max(len(queries), 1), len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="sqllint-bench-"))
    try:
        queries = generate(root, args.queries)
        best = None
        statements = 0
        for _ in range(args.repeat):
            elapsed, statements = run(root)
            best = elapsed if best is None else min(best, elapsed)
        assert best is not None
        print(f"{queries} queries ({statements} statements) in {best:.2f} s: "
              f"{statements / best:,.0f} statements/s")
        per_query, n = facts_time(root)
        print(f"query facts: {per_query * 1000:.4f} ms per query ({n} queries)")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
