"""gcc-style text: ``path:line:col: CODE message``, the suggestion indented below.

Options a terminal user expects from ruff: colour (``--color``), a code frame under each
finding (``--show-source``), findings only (``--quiet``) and counts per rule
(``--statistics``).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sqllint.confine import inside_root
from sqllint.escape import visible
from sqllint.model import Finding
from sqllint.result import NO_SCHEMA, CheckResult

_SEVERITY_COLOUR = {"error": "red", "warning": "yellow", "info": "cyan"}
_FRAME_LINES = 3  # a longer span shows its first lines only


def _plain(text: str, **_: object) -> str:
    return text


def _styler(color: bool) -> Callable[..., str]:
    if not color:
        return _plain
    import click

    return click.style


def render(result: CheckResult, *, color: bool = False, show_source: bool = False,
           quiet: bool = False) -> str:
    style = _styler(color)
    sources: dict[str, list[str] | None] = {}
    lines: list[str] = []
    for f in result.findings:
        loc = f.location
        where = style(f"{visible(loc.path)}:{loc.line}:{loc.column}:", bold=True)
        code = style(f.rule, fg=_SEVERITY_COLOUR.get(f.severity), bold=True)
        # One finding, one line: a newline or an escape sequence in a name is shown, never
        # obeyed (it would forge a finding or drive the terminal).
        lines.append(f"{where} {code} {visible(f.message)}")
        if show_source:
            lines.extend(_frame(f, sources, style))
        if f.suggestion:
            lines.extend("    " + visible(part) for part in f.suggestion.splitlines())
    if not quiet:
        lines.append(summary_line(result))
        if not result.schema_found:
            lines.append(NO_SCHEMA)
    return "\n".join(lines) + "\n" if lines else ""


def render_statistics(result: CheckResult) -> str:
    """One line per rule, most frequent first, as ``ruff --statistics`` prints them."""
    counts = Counter((f.rule, f.name) for f in result.findings)
    if not counts:
        return ""
    width = len(str(max(counts.values())))
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return "".join(f"{n:>{width}}\t{code}\t{name}\n" for (code, name), n in rows)


def _source_lines(path: str, cache: dict[str, list[str] | None]) -> list[str] | None:
    if path not in cache:
        where = Path(path)
        cache[path] = None
        # A symlink whose target lies elsewhere was not read by the run: its target's
        # lines are not shown either.
        if _followed_elsewhere(where):
            return None
        try:
            cache[path] = where.read_text(encoding="utf-8", errors="replace").splitlines()
        except (OSError, ValueError):
            cache[path] = None
    return cache[path]


def _followed_elsewhere(path: Path) -> bool:
    """A symlink whose target lies outside the folder the run was started from: the run
    did not read it (sqllint.confine), so its lines are not shown either."""
    absolute = Path(os.path.abspath(path))
    try:
        linked = os.path.realpath(absolute) != str(absolute)
    except (OSError, ValueError):
        return True
    return linked and not inside_root(absolute, Path.cwd())


def _frame(f: Finding, cache: dict[str, list[str] | None], style: Callable[..., str]
           ) -> list[str]:
    """The finding's lines with a caret run under its span (ruff's ``full`` format)."""
    text = _source_lines(f.location.path, cache)
    loc = f.location
    if not text or not 1 <= loc.line <= len(text):
        return []
    last = min(loc.end_line, loc.line + _FRAME_LINES - 1, len(text))
    gutter = len(str(last))
    bar = style(" " * gutter + " |", fg="blue")
    out = [bar]
    for number in range(loc.line, last + 1):
        source = visible(text[number - 1])
        out.append(style(f"{number:>{gutter}} |", fg="blue") + f" {source}")
        start = loc.column if number == loc.line else 1
        end = loc.end_column if number == loc.end_line else len(source) + 1
        width = max(1, end - start)
        lead = "".join(ch if ch == "\t" else " " for ch in source[: start - 1])
        carets = style("^" * width, fg=_SEVERITY_COLOUR.get(f.severity), bold=True)
        out.append(f"{bar} {lead}{carets}")
    out.append(bar)
    return out


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(result: CheckResult) -> str:
    where = f"in {_count(result.files, 'file')} ({_count(result.statements, 'statement')})"
    if not result.findings:
        return f"No findings {where}."
    counts = Counter(f.severity for f in result.findings)
    parts = [_count(counts[s], s) for s in ("error", "warning", "info") if counts[s]]
    return f"Found {_count(len(result.findings), 'finding')} ({', '.join(parts)}) {where}."
