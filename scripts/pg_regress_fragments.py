"""Write tests/data/pg_regress_fragments.json: short statements of PostgreSQL's regression
SQL (../shared/corpus/pg_regress, PostgreSQL License), the material the CLI fuzz tests
(tests/test_fuzz.py) build projects from, so that CI, which has no corpus, uses it too.

Deterministic: the first statements of 10..400 characters of every file, in file order,
psql meta-commands and COPY data left out (the fuzz tests add their own).

    python scripts/pg_regress_fragments.py [CORPUS]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sqllint.sources import sqlfile

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "pg_regress"
OUT = REPO / "tests" / "data" / "pg_regress_fragments.json"
PER_FILE = 3


def fragments(corpus: Path) -> list[str]:
    out: list[str] = []
    for path in sorted(corpus.glob("*.sql")):
        text = sqlfile.blank_psql(path.read_text(encoding="utf-8", errors="replace"))
        taken = 0
        for span in sqlfile.split(text):
            piece = text[span.start:span.end].strip()
            if 10 < len(piece) < 400 and "\\" not in piece and "\x00" not in piece:
                out.append(piece)
                taken += 1
                if taken == PER_FILE:
                    break
    return out


def main() -> int:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS
    if not corpus.is_dir():
        print(f"no corpus at {corpus}", file=sys.stderr)
        return 2
    found = fragments(corpus)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps({
        "source": "PostgreSQL src/test/regress/sql, as carried by pganalyze/libpg_query "
                  "06670290ad39e61805ecacbc6267df61f6ae3d91 test/sql/postgres_regress",
        "license": "PostgreSQL License (BSD-style); Portions Copyright (c) 1996-2023, "
                   "PostgreSQL Global Development Group",
        "fragments": found,
    }, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(found)} fragments, {OUT.stat().st_size} bytes -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
