"""Deterministic generator of a PostgreSQL application repository for benchmarks and tests.

    python benchmarks/generate.py OUT_DIR --tables 200 --queries 2000

writes, under OUT_DIR:

    migrations/000001_create_<table>.up.sql / .down.sql   one pair per table (golang-migrate)
    migrations/NNNNNN_<change>.up.sql / .down.sql         later changes: indexes, columns, FKs
    queries/q_NNN.sql                                     about half of the queries ($n params)
    app/repo_NNN.py                                       the other half, psycopg-style
                                                          ``cur.execute("...", (...))`` calls

The same arguments always produce byte-identical files (seeded ``random.Random``; no clock,
no hash ordering). Other code imports :func:`generate_repo`.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["GeneratedRepo", "generate_repo"]

_NOUNS = (
    "account", "order", "invoice", "payment", "customer", "product", "shipment", "warehouse",
    "ticket", "comment", "project", "task", "event", "session", "device", "sensor", "reading",
    "report", "campaign", "coupon", "review", "message", "thread", "channel", "team", "member",
    "subscription", "plan", "refund", "vendor", "contract", "asset", "license", "node", "volume",
    "snapshot", "backup", "alert", "incident", "deployment",
)
_STATES = ("'new'", "'active'", "'pending'", "'closed'", "'archived'")
_TEXT_COLS = ("name", "title", "status", "code", "email", "label", "region", "kind")
_NUM_COLS = ("amount", "quantity", "score", "priority", "size_bytes", "version")
_TS_COLS = ("updated_at", "started_at", "finished_at", "due_at")

QUERIES_PER_FILE = 40


@dataclass(frozen=True)
class _Column:
    name: str
    type: str
    ddl: str


@dataclass
class _Table:
    name: str
    columns: list[_Column] = field(default_factory=list)
    fks: list[tuple[str, str]] = field(default_factory=list)  # (column, referenced table)

    def names(self, kinds: tuple[str, ...] | None = None) -> list[str]:
        return [c.name for c in self.columns if kinds is None or c.type in kinds]


@dataclass(frozen=True)
class GeneratedRepo:
    root: Path
    tables: int
    queries: int
    sql_files: int
    python_files: int
    migration_files: int
    lines: int


def _table_names(n: int) -> list[str]:
    names: list[str] = []
    i = 0
    while len(names) < n:
        noun = _NOUNS[i % len(_NOUNS)]
        round_ = i // len(_NOUNS)
        names.append(f"{noun}s" if round_ == 0 else f"{noun}s_{round_}")
        i += 1
    return names


def _make_tables(rng: random.Random, n: int) -> list[_Table]:
    tables: list[_Table] = []
    for name in _table_names(n):
        t = _Table(name)
        t.columns.append(
            _Column("id", "bigint", "id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY")
        )
        for col in rng.sample(_TEXT_COLS, rng.randint(2, 4)):
            null = " NOT NULL" if rng.random() < 0.5 else ""
            t.columns.append(_Column(col, "text", f"{col} text{null}"))
        for col in rng.sample(_NUM_COLS, rng.randint(1, 3)):
            typ = rng.choice(("integer", "bigint", "numeric(12,2)"))
            t.columns.append(_Column(col, "number", f"{col} {typ} NOT NULL DEFAULT 0"))
        if rng.random() < 0.4:
            t.columns.append(_Column("attrs", "jsonb", "attrs jsonb NOT NULL DEFAULT '{}'"))
        t.columns.append(_Column("state", "state", "state text NOT NULL DEFAULT 'new'"))
        for col in rng.sample(_TS_COLS, rng.randint(0, 2)):
            t.columns.append(_Column(col, "ts", f"{col} timestamptz"))
        t.columns.append(
            _Column("created_at", "ts", "created_at timestamptz NOT NULL DEFAULT now()")
        )
        if tables:
            for parent in rng.sample(tables, min(len(tables), rng.randint(0, 2))):
                col = f"{parent.name.rstrip('s').replace('s_', '_')}_id"
                if col in t.names():
                    continue
                t.columns.append(
                    _Column(col, "fk", f"{col} bigint REFERENCES {parent.name} (id)")
                )
                t.fks.append((col, parent.name))
        tables.append(t)
    return tables


def _create_table(t: _Table) -> str:
    cols = ",\n".join(f"    {c.ddl}" for c in t.columns)
    return f"CREATE TABLE {t.name} (\n{cols}\n);\n"


def _migrations(rng: random.Random, tables: list[_Table]) -> list[tuple[str, str, str]]:
    """(file stem, up sql, down sql) in version order."""
    out: list[tuple[str, str, str]] = []
    for t in tables:
        up = [f"-- {t.name}: created by the generator.\n", _create_table(t)]
        if t.fks and rng.random() < 0.6:
            col = t.fks[0][0]
            up.append(f"CREATE INDEX idx_{t.name}_{col} ON {t.name} ({col});\n")
        if rng.random() < 0.5:
            up.append(f"CREATE INDEX idx_{t.name}_state ON {t.name} (state, created_at DESC);\n")
        out.append((f"create_{t.name}", "\n".join(up), f"DROP TABLE IF EXISTS {t.name};\n"))
    for i, t in enumerate(rng.sample(tables, max(1, len(tables) // 4))):
        kind = i % 4
        text = t.names(("text",))[0]
        if kind == 0:
            up = (f"CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_{t.name}_{text}_lookup\n"
                  f"    ON {t.name} ({text});\n")
            down = f"DROP INDEX CONCURRENTLY IF EXISTS idx_{t.name}_{text}_lookup;\n"
            stem = f"index_{t.name}_{text}"
        elif kind == 1:
            up = f"ALTER TABLE {t.name} ADD COLUMN note text;\n"
            down = f"ALTER TABLE {t.name} DROP COLUMN note;\n"
            t.columns.append(_Column("note", "text", "note text"))
            stem = f"add_{t.name}_note"
        elif kind == 2:
            up = f"CREATE INDEX idx_{t.name}_created ON {t.name} (created_at);\n"
            down = f"DROP INDEX idx_{t.name}_created;\n"
            stem = f"index_{t.name}_created"
        else:
            up = (f"BEGIN;\nALTER TABLE {t.name} ALTER COLUMN {text} SET DEFAULT '';\n"
                  f"UPDATE {t.name} SET {text} = '' WHERE {text} IS NULL;\nCOMMIT;\n")
            down = f"ALTER TABLE {t.name} ALTER COLUMN {text} DROP DEFAULT;\n"
            stem = f"default_{t.name}_{text}"
        out.append((stem, up, down))
    return out


def _query(rng: random.Random, tables: list[_Table], ph: str) -> tuple[str, int]:
    """One query and its parameter count; ``ph`` is the placeholder style ('%s' or '$')."""
    n = 0

    def p() -> str:
        nonlocal n
        n += 1
        return "%s" if ph == "%s" else f"${n}"

    t = rng.choice(tables)
    cols = t.names()
    texts = t.names(("text",))
    nums = t.names(("number",))
    kind = rng.randrange(10)
    proj = ", ".join(rng.sample(cols, min(len(cols), rng.randint(2, 5))))
    if kind == 0:
        sql = f"SELECT {proj} FROM {t.name} WHERE id = {p()}"
    elif kind == 1:
        sql = (f"SELECT {proj} FROM {t.name} WHERE state = {rng.choice(_STATES)} "
               f"ORDER BY created_at DESC LIMIT {p()}")
    elif kind == 2:
        sql = f"SELECT * FROM {t.name} WHERE {rng.choice(texts)} = {p()}"
    elif kind == 3 and t.fks:
        col, parent_name = rng.choice(t.fks)
        parent = next(x for x in tables if x.name == parent_name)
        pcol = rng.choice(parent.names(("text",)))
        sql = (f"SELECT c.id, c.{rng.choice(texts)}, p.{pcol}\n"
               f"FROM {t.name} c\nJOIN {parent.name} p ON p.id = c.{col}\n"
               f"WHERE p.{pcol} = {p()} AND c.created_at >= {p()}\nORDER BY c.id\nLIMIT 50")
    elif kind == 4:
        sql = (f"SELECT state, count(*) AS n, max(created_at) AS latest FROM {t.name}\n"
               f"WHERE created_at >= {p()} GROUP BY state")
    elif kind == 5:
        sql = f"UPDATE {t.name} SET {rng.choice(nums)} = {p()}, state = {p()} WHERE id = {p()}"
    elif kind == 6:
        sql = f"DELETE FROM {t.name} WHERE state = 'archived' AND created_at < {p()}"
    elif kind == 7:
        ins = [c for c in cols if c not in ("id", "created_at")][:4]
        vals = ", ".join(p() for _ in ins)
        sql = f"INSERT INTO {t.name} ({', '.join(ins)}) VALUES ({vals}) RETURNING id"
    elif kind == 8 and "attrs" in cols:
        sql = (f"SELECT id, attrs->>'owner' AS owner FROM {t.name}\n"
               f"WHERE attrs->>'kind' = {p()} ORDER BY created_at DESC LIMIT 20")
    else:
        sql = (f"SELECT id, {rng.choice(texts)}, row_number() OVER "
               f"(PARTITION BY state ORDER BY created_at) AS rn\n"
               f"FROM {t.name} WHERE lower({rng.choice(texts)}) LIKE {p()} OFFSET 100 LIMIT 10")
    return sql, n


def _sql_file(rng: random.Random, tables: list[_Table], count: int, num: int) -> str:
    parts = [f"-- Generated query file {num}.\n"]
    for i in range(count):
        sql, _ = _query(rng, tables, "$")
        parts.append(f"-- name: query_{num}_{i}\n{sql};\n")
    return "\n".join(parts)


def _py_module(rng: random.Random, tables: list[_Table], count: int, num: int) -> str:
    out = [
        f'"""Generated data-access module {num} (parsed by sqllint, never run)."""\n',
        "from __future__ import annotations\n",
        "from typing import Any\n\n",
    ]
    for i in range(count):
        sql, n = _query(rng, tables, "%s")
        args = ", ".join(f"a{j}" for j in range(n))
        params = ", ".join(f"a{j}" for j in range(n)) + ("," if n == 1 else "")
        style = i % 3
        if style == 0 and "\n" not in sql:
            body = f'        cur.execute("{sql}", ({params}))\n'
        elif style == 1:
            indented = sql.replace("\n", "\n        ")
            body = (f'    query = """\n        {indented}\n    """\n'
                    f"    with conn.cursor() as cur:\n        cur.execute(query, ({params}))\n")
        else:
            lines = sql.split("\n")
            pieces = "".join(f'            "{line} "\n' for line in lines[:-1])
            pieces += f'            "{lines[-1]}",\n'
            body = (f"        cur.execute(\n{pieces}            ({params}),\n        )\n")
        sig = f"conn: Any{', ' if args else ''}{args}"
        if style == 1:
            out.append(f"\ndef q{num}_{i}({sig}) -> Any:\n{body}        return cur.fetchall()\n\n")
        else:
            out.append(f"\ndef q{num}_{i}({sig}) -> Any:\n    with conn.cursor() as cur:\n"
                       f"{body}        return cur.fetchall()\n\n")
    return "".join(out).rstrip("\n") + "\n"


def generate_repo(path: str | Path, tables: int = 200, queries: int = 2000,
                  seed: int = 0) -> GeneratedRepo:
    """Write a repository of ``tables`` tables and ``queries`` queries under ``path``.

    Deterministic: the same arguments give byte-identical files. Existing files with the
    same names are overwritten; nothing else under ``path`` is touched.
    """
    if tables < 1:
        raise ValueError("tables must be at least 1")
    root = Path(path)
    rng = random.Random(f"sqllint-bench:{seed}:{tables}:{queries}")
    model = _make_tables(rng, tables)
    lines = 0

    def write(rel: str, text: str) -> None:
        nonlocal lines
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")
        lines += text.count("\n")

    migrations = _migrations(rng, model)
    for version, (stem, up, down) in enumerate(migrations, start=1):
        write(f"migrations/{version:06d}_{stem}.up.sql", up)
        write(f"migrations/{version:06d}_{stem}.down.sql", down)
    sql_queries = queries // 2
    py_queries = queries - sql_queries
    sql_files = py_files = 0
    for start in range(0, sql_queries, QUERIES_PER_FILE):
        count = min(QUERIES_PER_FILE, sql_queries - start)
        write(f"queries/q_{sql_files:03d}.sql", _sql_file(rng, model, count, sql_files))
        sql_files += 1
    write("app/__init__.py", "")
    for start in range(0, py_queries, QUERIES_PER_FILE):
        count = min(QUERIES_PER_FILE, py_queries - start)
        write(f"app/repo_{py_files:03d}.py", _py_module(rng, model, count, py_files))
        py_files += 1
    return GeneratedRepo(root, tables, queries, sql_files, py_files, 2 * len(migrations), lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    ap.add_argument("out", type=Path)
    ap.add_argument("--tables", type=int, default=200)
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ns = ap.parse_args(argv)
    repo = generate_repo(ns.out, ns.tables, ns.queries, ns.seed)
    print(f"{repo.root}: {repo.tables} tables, {repo.queries} queries, "
          f"{repo.migration_files} migration files, {repo.sql_files} .sql query files, "
          f"{repo.python_files} Python modules, {repo.lines} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
