"""Textual fixes: building a finding's edits, applying them to a file, checking the result.

A fix is a minimal edit at the finding's span (``sqllint.model.Fix``). Applying the fixes
of one file keeps every edit that does not overlap an earlier one, then re-splits the
file: it must hold exactly the statements it held plus those the fixes add, each
untouched statement with its pglast fingerprint unchanged, and no new parse error.
Otherwise the file is left as it was. The command line (``--fix``) and the language
server's code actions both go through here.
"""

from __future__ import annotations

import bisect
import contextlib
import difflib
import functools
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pglast import parser as pg
from pglast.error import Error as PgError

from sqllint.model import Edit, Finding, Fix, Statement


class LineStarts:
    """1-based (line, column) ↔ character offset in one text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        pos = text.find("\n")
        while pos != -1:
            self.starts.append(pos + 1)
            pos = text.find("\n", pos + 1)

    def offset(self, line: int, column: int) -> int:
        row = max(0, min(line - 1, len(self.starts) - 1))
        return min(len(self.text), self.starts[row] + max(0, column - 1))

    def position(self, offset: int) -> tuple[int, int]:
        row = bisect.bisect_right(self.starts, offset) - 1
        return row + 1, offset - self.starts[row] + 1


@functools.lru_cache(maxsize=4)
def _line_starts(text: str) -> LineStarts:
    """One index per file text while its findings are made (a rule fixes many at once)."""
    return LineStarts(text)


def make_edit(texts: Mapping[str, str], stmt: Statement, start: int, end: int,
              text: str) -> Edit | None:
    """Replace characters ``start``..``end`` of ``stmt``'s SQL with ``text``, as an edit
    of its file; ``None`` when the SQL is not the file's text verbatim there (SQL in a
    Python string, an EXECUTE literal with doubled quotes)."""
    if stmt.path.endswith(".py"):
        return None
    source = texts.get(stmt.path)
    if source is None:
        return None
    loc = stmt.location(start, end)
    index = _line_starts(source)
    at, until = index.offset(loc.line, loc.column), index.offset(loc.end_line, loc.end_column)
    # Verbatim: the replaced span, and the text just before it, are the statement's.
    before = min(start, 16)
    if source[at:until] != stmt.sql[start:end] or \
            source[max(0, at - before) : at] != stmt.sql[start - before : start]:
        return None
    return Edit(loc.line, loc.column, loc.end_line, loc.end_column, text)


def fix_of(title: str, edits: Iterable[Edit | None], *, safe: bool,
           adds: tuple[str, ...] = ()) -> Fix | None:
    """A fix of these edits (adding statements of the node types ``adds``), or ``None``
    when one of them could not be made."""
    made = list(edits)
    if not made or any(e is None for e in made):
        return None
    return Fix(title, tuple(e for e in made if e is not None), safe, adds)


def wanted(finding: Finding, unsafe: bool) -> bool:
    return finding.fix is not None and (finding.fix.safe or unsafe)


@dataclass(frozen=True)
class Applied:
    text: str
    fixes: tuple[Finding, ...]  # the findings whose fix was applied
    problem: str = ""  # why nothing was applied, when re-parsing refused the result


def apply_fixes(path: str, text: str, findings: Sequence[Finding]) -> Applied:
    """``text`` with the fixes of ``findings`` applied (overlapping ones skipped)."""
    index = LineStarts(text)
    taken: list[tuple[int, int, str]] = []
    applied: list[Finding] = []
    added: Counter[str | None] = Counter()
    for finding in sorted(findings, key=Finding.sort_key):
        fix = finding.fix
        if fix is None:
            continue
        spans = [(index.offset(e.line, e.column), index.offset(e.end_line, e.end_column),
                  e.text) for e in fix.edits]
        if any(_overlaps(s, t) for s in spans for t in taken):
            continue  # the next run fixes it
        taken.extend(spans)
        applied.append(finding)
        added.update(fix.adds)
    if not applied:
        return Applied(text, ())
    new = text
    # From the end backwards; insertions at one place keep their order.
    ordered = sorted(enumerate(taken), key=lambda s: (s[1][0], s[1][1], s[0]), reverse=True)
    for _, (start, end, replacement) in ordered:
        new = new[:start] + replacement + new[end:]
    problem = _reparse_problem(path, text, new, [(s, e) for s, e, _ in taken], added)
    if problem:
        return Applied(text, (), problem)
    return Applied(new, tuple(applied))


def _overlaps(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    if a[0] == a[1] == b[0] == b[1]:
        return True  # two fixes inserting at one place: the next pass places the second
    return a[0] < b[1] and b[0] < a[1]


def _statements(path: str, text: str) -> list[tuple[int, int, str | None, str | None]]:
    """(start offset, end offset, fingerprint or None when it does not parse, node type)
    per statement."""
    from sqllint.sources import sqlfile

    index = LineStarts(text)
    out = []
    for stmt in sqlfile.statements(path, text):
        start = index.offset(*stmt.position(0))
        end = index.offset(*stmt.position(len(stmt.sql)))
        try:
            fp = pg.fingerprint(stmt.sql) if stmt.node is not None else None
        except PgError:
            fp = None
        out.append((start, end, fp, stmt.node_type if stmt.node is not None else None))
    return out


def _reparse_problem(path: str, old: str, new: str, spans: list[tuple[int, int]],
                     added: Counter[str | None]) -> str:
    """Why the fixed text is refused, or "": it must re-parse as exactly the statements
    expected, as generated SQL must (sqltext.checked_sql): those it held, each edited one
    of the same node type, plus those the fixes add; no new parse error; every statement
    the fixes do not touch unchanged."""
    before, after = _statements(path, old), _statements(path, new)
    expected = len(before) + sum(added.values())
    if len(after) != expected:
        return f"expected {expected} statements after fixing, found {len(after)}"
    if sum(fp is None for _, _, fp, _ in after) > sum(fp is None for _, _, fp, _ in before):
        return "a fixed statement does not parse"
    kinds = Counter(kind for *_, kind in before) + added
    if Counter(kind for *_, kind in after) != kinds:
        return "a fixed statement is not the kind of statement it was"
    untouched = Counter(fp for start, end, fp, _ in before
                        if not any(s <= end and e >= start for s, e in spans))
    have = Counter(fp for _, _, fp, _ in after)
    if untouched - have:
        return "a statement the fixes do not touch changed"
    return ""


def unified_diff(path: str, old: str, new: str) -> str:
    """A unified diff as git prints it (a last line without newline is marked)."""
    out = []
    for line in difflib.unified_diff(old.splitlines(keepends=True),
                                     new.splitlines(keepends=True),
                                     fromfile=f"a/{path}", tofile=f"b/{path}"):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a
    rename: a reader never sees half a file, and the file keeps its permissions."""
    folder = path.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".sqllint-tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        with contextlib.suppress(OSError):
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
