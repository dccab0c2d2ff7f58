"""Time SQL extraction from Python sources: ms per 1,000 lines, without and with SQL.

Generates two deterministic Python trees (≥ 20,000 lines each) in a temporary
directory, runs ``sqllint.sources.python.statements`` over every file and prints the
figures. Run: ``python benchmarks/python_extract.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import ast
import random
import tempfile
import time
from pathlib import Path

from sqllint.config import Config
from sqllint.sources.python import statements

PLAIN_FUNCTION = '''

def {name}(items: list[dict[str, int]], limit: int = {n}) -> dict[str, int]:
    """Summarise the items of batch {n}; the caller owns the list."""
    totals: dict[str, int] = {{}}
    for item in items[:limit]:
        for key, value in item.items():
            if value < 0:
                logger.debug("skipping negative value for %s", key)
                continue
            totals[key] = totals.get(key, 0) + value
    if not totals:
        raise ValueError("nothing to summarise in batch {n}")
    return dict(sorted(totals.items()))
'''

PLAIN_CLASS = '''

class {name}:
    """A small state holder, number {n}."""

    def __init__(self, size: int = {n}) -> None:
        self.size = size
        self.cache: dict[str, str] = {{}}

    def update(self, key: str, value: str) -> None:
        """Update the cache from the given value."""
        self.cache.update({{key: value}})
        message = f"{{key}} changed to {{value!r}} in {{self.size}} slots"
        logger.info(message)

    def render(self) -> str:
        return ", ".join(f"{{k}}={{v}}" for k, v in self.cache.items())
'''

PROSE = '''

HELP_{n} = "Select the plan from the menu, then update the form."
'''

SQL_FUNCTION = '''

def {name}(conn, org_id, state, limit={n}):
    """Rows of batch {n}."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT id, name, state FROM vms "
            "WHERE organization_id = %s AND state = %s "
            "ORDER BY created_at DESC LIMIT %s",
            (org_id, state, limit),
        )
        rows = cur.fetchall()
    query = """
        SELECT v.id, v.name, n.name AS node
        FROM vms v
        JOIN nodes n ON n.id = v.node_id
        WHERE v.owner_id = %(owner)s
    """
    if state:
        query += " AND v.state = %(state)s"
    with conn.cursor() as cur:
        cur.execute(query, {{"owner": org_id, "state": state}})
        rows += cur.fetchall()
    for row in rows:
        if row[2] == "error":
            logger.warning("vm %s in error state", row[0])
    return rows
'''

SQL_CLASS = '''

class {name}:
    TABLE = "vm_metrics"
    LATEST = "SELECT * FROM vm_metrics WHERE vm_id = $1 ORDER BY timestamp DESC LIMIT 1"

    def __init__(self, pool) -> None:
        self.pool = pool

    async def latest(self, vm_id):
        async with self.pool.acquire() as conn:
            return await conn.fetchrow(self.LATEST, vm_id)

    async def count(self, table: str) -> int:
        async with self.pool.acquire() as conn:
            return await conn.fetchval(f"SELECT count(*) FROM {{table}} WHERE id > {{0}}")

    def describe(self) -> str:
        return f"metrics repository over {{self.TABLE}} ({n})"
'''

HEADER = '''"""Generated module {n}."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)
'''


def generate(root: Path, *, sql: bool, lines: int = 20_000, seed: int = 7) -> int:
    """Write modules under ``root`` until they hold ``lines`` lines; return the count."""
    rng = random.Random(seed)
    total = 0
    module = 0
    while total < lines:
        parts = [HEADER.format(n=module)]
        for i in range(25):
            n = module * 100 + i
            if sql and i % 3 == 0:
                template = SQL_FUNCTION if i % 2 else SQL_CLASS
            else:
                template = PLAIN_FUNCTION if rng.random() < 0.6 else PLAIN_CLASS
            name = f"{'Thing' if 'class' in template[:12] else 'thing'}_{n}"
            parts.append(template.format(name=name, n=n))
        if not sql and module % 10 == 9:
            parts.append(PROSE.format(n=module))  # prose that passes the cheap filter
        text = "".join(parts)
        path = root / f"pkg{module % 7}" / f"module_{module}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        total += text.count("\n")
        module += 1
    return total


def measure_ast(root: Path, repeat: int) -> float:
    """stdlib ast.parse alone over the same files: the reference on this machine."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py"))]
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for text in texts:
            ast.parse(text)
        best = min(best, time.perf_counter() - started)
    return best


def measure(root: Path, repeat: int) -> tuple[float, int]:
    files = sorted(root.rglob("*.py"))
    texts = [(str(p), p.read_text(encoding="utf-8")) for p in files]
    config = Config(root=root)
    best = float("inf")
    found = 0
    for _ in range(repeat):
        started = time.perf_counter()
        found = sum(len(statements(path, text, config)) for path, text in texts)
        best = min(best, time.perf_counter() - started)
    return best, found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for label, sql in (("without SQL", False), ("with SQL", True)):
            root = Path(tmp) / label.replace(" ", "_")
            lines = generate(root, sql=sql)
            seconds, found = measure(root, args.repeat)
            per_k = seconds * 1000 / (lines / 1000)
            reference = measure_ast(root, args.repeat) * 1000 / (lines / 1000)
            print(
                f"{label:12} {lines:6} lines  {found:5} statements  "
                f"{seconds * 1000:8.1f} ms  {per_k:6.2f} ms / 1,000 lines  "
                f"(ast.parse alone: {reference:.2f})"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
