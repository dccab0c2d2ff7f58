"""How fast the language server's session re-lints one file after an edit.

    python benchmarks/lsp_relint.py [--tables 200] [--statements 100] [--edits 30]

Generates a repository (``--tables`` tables over golang-migrate migrations, a query file
of ``--statements`` queries, fixtures/novacron-like), then through
``sqllint.lsp.session.Session`` (what ``sqllint server`` runs on each didChange):

- the first lint (reads and parses the whole project, builds the catalog);
- re-lints of the query file after an edit (the catalog is reused);
- re-lints of the last migration after an edit that changes the schema (the catalog is
  rebuilt from the already parsed statements, nothing else is re-read);

and, for comparison, a full ``check`` of the same repository in-process. Prints the
median and worst time per kind (milliseconds); never asserts anything.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqllint.check import check_project
from sqllint.config import load_config
from sqllint.lsp.session import Session
from sqllint.project import load_project


def generate(root: Path, tables: int, statements: int) -> tuple[Path, Path, str, str]:
    (root / "sqllint.toml").write_text("", encoding="utf-8")
    mig = root / "migrations"
    mig.mkdir()
    for i in range(tables):
        ref = f", parent_id bigint REFERENCES t{i - 1:03d} (id)" if i else ""
        (mig / f"{i + 1:06d}_t{i:03d}.up.sql").write_text(
            f"CREATE TABLE t{i:03d} (id bigint PRIMARY KEY, org_id bigint NOT NULL, "
            f"name text, state text, created_at timestamptz{ref});\n"
            f"CREATE INDEX t{i:03d}_org ON t{i:03d} (org_id);\n", encoding="utf-8")
    last = mig / f"{tables + 1:06d}_more.up.sql"
    migration = "ALTER TABLE t000 ADD COLUMN note text;\n"
    last.write_text(migration, encoding="utf-8")
    queries = []
    for k in range(statements):
        t = f"t{k % tables:03d}"
        queries.append([
            f"SELECT id, name FROM {t} WHERE org_id = $1 ORDER BY id LIMIT 50;",
            f"SELECT * FROM {t} WHERE state = $1;",
            f"UPDATE {t} SET state = $2 WHERE id = $1;",
            f"SELECT a.id, b.name FROM {t} a JOIN t000 b ON b.id = a.id WHERE a.org_id = $1 "
            f"LIMIT 10;",
        ][k % 4])
    query = root / "queries.sql"
    text = "\n".join(queries) + "\n"
    query.write_text(text, encoding="utf-8")
    return query, last, text, migration


def timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tables", type=int, default=200)
    parser.add_argument("--statements", type=int, default=100)
    parser.add_argument("--edits", type=int, default=30)
    args = parser.parse_args()
    os.environ["SQLLINT_CACHE"] = "0"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.chdir(root)
        query, last, text, migration = generate(root, args.tables, args.statements)
        session = Session(root)
        first = timed(lambda: session.lint(query, text))
        print(f"repository: {args.tables} tables in {args.tables + 1} migrations, "
              f"query file of {args.statements} statements")
        print(f"first lint (whole project read): {first:8.1f} ms  [{session.last_mode}]")
        rows: dict[str, list[float]] = {"query edit": [], "migration edit": []}
        for n in range(args.edits):  # typing in the query file
            edited = text.replace("LIMIT 50", f"LIMIT {51 + n}", 1)
            rows["query edit"].append(timed(lambda e=edited: session.lint(query, e)))
            assert session.last_mode == "reused"
        for n in range(args.edits):  # typing in a migration: the schema changes each time
            changed = migration + f"ALTER TABLE t001 ADD COLUMN extra{n} int;\n"
            rows["migration edit"].append(timed(lambda c=changed: session.lint(last, c)))
            assert session.last_mode == "catalog"
        for name, times in rows.items():
            print(f"re-lint after a {name:<15} median {statistics.median(times):7.1f} ms, "
                  f"worst {max(times):7.1f} ms over {len(times)} edits")
        config = load_config(None, start=root)
        full = timed(lambda: check_project(load_project([root], config)))
        print(f"full check of the repository (in-process): {full:8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
