"""Inline suppression comments: ``-- sqllint: disable=SL101``, ``# noqa: SL101``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_DIRECTIVE = re.compile(
    r"(?:--|#)\s*sqllint:\s*(disable|disable-file|disable-next-line)\s*=\s*([A-Za-z0-9_, -]+)"
)
_NOQA = re.compile(r"#\s*noqa\b(?::\s*([A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.I)

ALL = "*"


@dataclass(frozen=True)
class Suppressions:
    lines: dict[int, frozenset[str]] = field(default_factory=dict)  # 1-based line → codes
    file: frozenset[str] = frozenset()

    def suppressed(self, code: str, *lines: int) -> bool:
        if _hit(code, self.file):
            return True
        return any(_hit(code, self.lines.get(n, frozenset())) for n in lines)


def _hit(code: str, codes: frozenset[str]) -> bool:
    return ALL in codes or code in codes or any(code.startswith(c) for c in codes if c)


def _codes(raw: str) -> frozenset[str]:
    return frozenset(c.strip().upper() for c in re.split(r"[\s,]+", raw) if c.strip())


def parse_suppressions(text: str, python: bool = False) -> Suppressions:
    """Directives of one file. ``disable`` applies to its own line and the next one."""
    if "sqllint:" not in text and not (python and "noqa" in text):
        return Suppressions()
    lines: dict[int, set[str]] = {}
    file_codes: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        for m in _DIRECTIVE.finditer(line):
            kind, codes = m.group(1), _codes(m.group(2))
            if kind == "disable-file":
                file_codes |= codes
                continue
            if kind == "disable":
                lines.setdefault(number, set()).update(codes)
            # On a line of its own the comment speaks about the next line.
            if kind == "disable-next-line" or not line[: m.start()].strip():
                lines.setdefault(number + 1, set()).update(codes)
        if python:
            for m in _NOQA.finditer(line):
                codes = _codes(m.group(1)) if m.group(1) else frozenset({ALL})
                lines.setdefault(number, set()).update(codes)
    return Suppressions({k: frozenset(v) for k, v in lines.items()}, frozenset(file_codes))


def directive_codes(text: str, python: bool = False) -> Iterator[tuple[int, int, str]]:
    """(line, column, code) of every code a suppression comment names, 1-based: all
    those of ``sqllint:`` directives, and the ``SL`` ones of a noqa comment (its other
    codes belong to other linters)."""
    if "sqllint:" not in text and not (python and "noqa" in text):
        return
    for number, line in enumerate(text.splitlines(), start=1):
        found = [(m.start(2), m.group(2), False) for m in _DIRECTIVE.finditer(line)]
        if python:
            found += [(m.start(1), m.group(1), True) for m in _NOQA.finditer(line)
                      if m.group(1)]
        for start, raw, noqa in found:
            for code in re.finditer(r"[^\s,]+", raw):
                # Codes only: the prose after them (``disable=SL101 slow on purpose``)
                # and the codes other linters read in a noqa comment are not ours.
                if not re.fullmatch(r"[A-Za-z]+\d+", code.group(0)) or (
                        noqa and not code.group(0).upper().startswith("SL")):
                    continue
                yield number, start + code.start() + 1, code.group(0)
