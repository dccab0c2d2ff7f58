"""Write docs/rules/SLxxx.md (and its index) from the rule modules' docstrings.

    python scripts/gen_rule_docs.py          # regenerate
    python scripts/gen_rule_docs.py --check  # exit 1 when a file is stale
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqllint.ruledocs import DOCS_DIR, generated  # noqa: E402


def main(argv: list[str]) -> int:
    target = ROOT / DOCS_DIR
    wanted = generated()
    stale = sorted(name for name, text in wanted.items()
                   if not (target / name).is_file()
                   or (target / name).read_text(encoding="utf-8") != text)
    extra = sorted(p.name for p in target.glob("*.md") if p.name not in wanted) \
        if target.is_dir() else []
    if "--check" in argv:
        for name in [*stale, *extra]:
            print(f"{DOCS_DIR / name} is stale: run python scripts/gen_rule_docs.py")
        return 1 if stale or extra else 0
    target.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (target / name).write_text(wanted[name], encoding="utf-8")
    for name in extra:
        (target / name).unlink()
    print(f"{len(stale)} written, {len(extra)} removed, {len(wanted)} in {DOCS_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
