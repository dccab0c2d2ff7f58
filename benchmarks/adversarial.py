"""Every scanner of sqllint.sources on adversarial inputs: time must grow linearly.

Each input is built to hit one scanner's worst case (the shapes that once took a minute
or more on a few hundred KB): COPY detection, COPY data blocks, psql ``:var``
stand-ins, unterminated ``BEGIN ATOMIC`` bodies, meta-commands, ``\\i`` includes and
SQL strings in Python. Each is read at 1/4, 1/2 and 1 MB through the same path a run
takes (the whole file reader, includes and Python extraction included); the script
prints seconds and the ratio of the 1 MB time to the 1/4 MB time: about 4 means linear,
16 quadratic.

    python benchmarks/adversarial.py            # all inputs
    python benchmarks/adversarial.py copy_lines # one of them
"""

from __future__ import annotations

import gc
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqllint.config import Config
from sqllint.project import load_project

MB = 1 << 20


def _repeat(unit: str, size: int, head: str = "", tail: str = "") -> str:
    return head + unit * max(1, (size - len(head) - len(tail)) // len(unit)) + tail


INPUTS: dict[str, tuple[str, Callable[[int], str]]] = {
    # COPY detection once backtracked over every later line for each COPY word.
    "copy_lines": ("sql", lambda n: _repeat("copy t\n", n, tail="\\\n")),
    # Each data block once rebuilt the whole text.
    "copy_blocks": ("sql", lambda n: _repeat("COPY t FROM stdin;\n1\n\\.\n", n)),
    # COPY … FROM stdin lines that fail on the server (no data follows), one '\.' at the end.
    "copy_without_data": ("sql", lambda n: _repeat("COPY t FROM stdin (bad);\nSELECT 1;\n", n,
                                                   tail="\\.\n")),
    # One statement of psql variables next to strings: every variable was checked
    # against every string.
    "psql_vars": ("sql", lambda n: _repeat(":v, 'x', ", n, head="SELECT ", tail="1;\n")),
    # Unterminated BEGIN ATOMIC bodies were re-parsed with up to 64 following statements.
    "begin_atomic": ("sql", lambda n: _repeat(
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; ", n,
        tail="SELECT FROM WHERE;\n")),
    "meta_commands": ("sql", lambda n: _repeat("\\set x 1\nSELECT 1 \\gset\n", n)),
    "meta_tail_no_newline": ("sql", lambda n: _repeat(" \\g", n)),
    "includes": ("sql", lambda n: _repeat("\\i missing.sql\nSELECT 1;\n", n)),
    "unterminated_quote": ("sql", lambda n: _repeat("SELECT 'a;\n", n)),
    "python_calls": ("py", lambda n: _repeat(
        "cur.execute('SELECT :v FROM t WHERE a = %s' % x)\n", n)),
    "python_fstrings": ("py", lambda n: _repeat("q = f'SELECT {a} FROM {b} WHERE c = {d}'\n",
                                                 n)),
}


def measure(name: str, size: int) -> float:
    suffix, build = INPUTS[name]
    text = build(size)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = root / f"input.{suffix}"
        path.write_text(text, encoding="utf-8")
        config = Config(root=root, cache=False)
        gc.disable()  # as the CLI runs (sqllint.cli.main)
        try:
            start = time.perf_counter()
            load_project([path], config)
            return time.perf_counter() - start
        finally:
            gc.enable()


def main(argv: list[str]) -> int:
    names = argv or list(INPUTS)
    print(f"{'input':<22} {'0.25 MB':>9} {'0.5 MB':>9} {'1 MB':>9} {'1MB/0.25MB':>11}")
    for name in names:
        times = [measure(name, size) for size in (MB // 4, MB // 2, MB)]
        ratio = times[2] / times[0] if times[0] > 0 else float("nan")
        print(f"{name:<22} {times[0]:>8.2f}s {times[1]:>8.2f}s {times[2]:>8.2f}s "
              f"{ratio:>10.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
