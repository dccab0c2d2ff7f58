"""pglast's tree against sqlglot for query analysis: coverage and speed, measured.

    python benchmarks/parsers.py [--corpus ../shared/corpus/pg_regress] [--limit N]

DESIGN.md leaves the choice of the query-analysis tree to measurement. This script is
that measurement: on every query (SELECT/INSERT/UPDATE/DELETE/MERGE) that pglast
parses in the corpus, it times

* pglast: ``parse_sql_json`` + JSON decoding (what sqllint already holds for every
  statement) and sqllint's own facts walk over it;
* sqlglot (postgres dialect, the compiled ``sqlglotc`` when installed): ``parse_one``,
  and ``qualify`` on what parses;

and counts the queries sqlglot cannot parse although PostgreSQL's grammar accepts them.
Prints figures; asserts nothing. Needs the ``bench`` extra (sqlglot).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from pglast import parser as pg

from sqllint.analysis.facts import query_facts
from sqllint.catalog.model import Catalog
from sqllint.sources.sqlfile import QUERY_NODES, blank_psql, split
from sqllint.sources.text import read_text

ROOT = Path(__file__).resolve().parent.parent


def corpus_queries(folder: Path, limit: int) -> list[str]:
    out: list[str] = []
    for path in sorted(folder.glob("*.sql")):
        text = blank_psql(read_text(path).text)
        for span in split(text):
            sql = text[span.start:span.end]
            try:
                tree = json.loads(pg.parse_sql_json(sql))
            except Exception:
                continue
            stmts = tree.get("stmts") or []
            if stmts and next(iter(stmts[0]["stmt"])) in QUERY_NODES:
                out.append(sql)
            if len(out) >= limit:
                return out
    return out


def time_pglast(queries: list[str]) -> tuple[float, float]:
    start = time.perf_counter()
    nodes = [json.loads(pg.parse_sql_json(q))["stmts"][0]["stmt"] for q in queries]
    parsed = time.perf_counter() - start
    catalog = Catalog()
    start = time.perf_counter()
    for node in nodes:
        query_facts(node, catalog)
    return parsed, time.perf_counter() - start


def time_sqlglot(queries: list[str]) -> tuple[float, float, int, int]:
    import sqlglot
    from sqlglot.optimizer.qualify import qualify

    failed = 0
    trees = []
    start = time.perf_counter()
    for q in queries:
        try:
            trees.append(sqlglot.parse_one(q, dialect="postgres"))
        except Exception:  # ParseError, TokenError, …: what the comparison counts
            failed += 1
    parsed = time.perf_counter() - start
    unqualified = 0
    start = time.perf_counter()
    for tree in trees:
        try:
            qualify(tree, dialect="postgres", validate_qualify_columns=False)
        except Exception:
            unqualified += 1
    return parsed, time.perf_counter() - start, failed, unqualified


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared/corpus/pg_regress")
    ap.add_argument("--limit", type=int, default=20_000)
    args = ap.parse_args()
    queries = corpus_queries(args.corpus, args.limit)
    n = len(queries)
    pg_parse, facts = time_pglast(queries)
    print(f"{n} queries that PostgreSQL's grammar (pglast) accepts, from {args.corpus}")
    print(f"pglast  parse+decode {pg_parse:6.2f} s  {n / pg_parse:9,.0f} q/s")
    print(f"sqllint facts walk   {facts:6.2f} s  {n / facts:9,.0f} q/s "
          f"({facts / n * 1000:.3f} ms per query)")
    try:
        sg_parse, qualified, failed, unqualified = time_sqlglot(queries)
    except ImportError:
        print("sqlglot not installed: pip install -e '.[bench]'")
        return
    print(f"sqlglot parse_one    {sg_parse:6.2f} s  {n / sg_parse:9,.0f} q/s  "
          f"{failed} queries ({failed / n:.1%}) fail to parse")
    print(f"sqlglot qualify      {qualified:6.2f} s  "
          f"{(n - failed) / max(qualified, 1e-9):9,.0f} q/s  {unqualified} fail")


if __name__ == "__main__":
    main()
