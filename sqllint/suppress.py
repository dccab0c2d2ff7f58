"""Inline suppression comments, and which of them were used.

SQL and Python both accept ``sqllint: disable=SL101`` (its own line and, alone on a
line, the next one), ``disable-next-line=…``, ``disable-file=…`` and ``noqa: SL101``
(its own line), after ``--`` or ``#``. Without codes (``-- sqllint: disable``,
``-- noqa``) a directive suppresses every rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_CODES = r"(?:[A-Za-z]+[0-9]+|ALL)(?:[\s,]+[A-Za-z]+[0-9]+)*"
_DIRECTIVE = re.compile(
    r"(?:--|#)\s*sqllint:\s*(disable-file|disable-next-line|disable)(?![\w-])"
    # `=` then codes, or no `=` at all (a bare directive): `disable=garbage` is no directive.
    rf"(?:\s*=\s*({_CODES})|(?!\s*=))"
)
_NOQA = re.compile(
    r"(?:--|#)\s*noqa(?![\w-])(?::\s*([A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)|(?!\s*:))", re.I)
_CODE = re.compile(r"[A-Za-z]+[0-9]+|ALL")

ALL = "*"


@dataclass(frozen=True)
class Code:
    code: str  # upper case; ALL for a directive without codes
    column: int  # 1-based span of the code in its line (the directive's, for ALL)
    end_column: int


@dataclass(frozen=True)
class Directive:
    """One suppression comment: where it is and what it names."""

    line: int
    column: int  # 1-based: the comment marker
    end_column: int  # exclusive: the end of the directive
    kind: str  # "disable" | "disable-next-line" | "disable-file" | "noqa"
    codes: tuple[Code, ...]
    alone: bool  # nothing but the comment on its line

    @property
    def bare(self) -> bool:
        return any(c.code == ALL for c in self.codes)


@dataclass(frozen=True)
class Suppressions:
    directives: tuple[Directive, ...] = ()
    lines: dict[int, tuple[int, ...]] = field(default_factory=dict)  # line → directive indexes
    file: tuple[int, ...] = ()  # disable-file directive indexes

    def match(self, rule: str, *lines: int) -> tuple[int, Code] | None:
        """The directive (index) and its code that suppress ``rule`` on one of ``lines``."""
        for i in self.file:
            code = _hit(rule, self.directives[i])
            if code is not None:
                return i, code
        for line in lines:
            for i in self.lines.get(line, ()):
                code = _hit(rule, self.directives[i])
                if code is not None:
                    return i, code
        return None

    def suppressed(self, rule: str, *lines: int) -> bool:
        return self.match(rule, *lines) is not None


def _hit(rule: str, directive: Directive) -> Code | None:
    for code in directive.codes:
        if code.code == ALL or rule == code.code or rule.startswith(code.code):
            return code
    return None


def _codes(line: str, start: int, raw: str | None, whole: tuple[int, int]) -> tuple[Code, ...]:
    if not raw:
        return (Code(ALL, whole[0] + 1, whole[1] + 1),)
    return tuple(Code(ALL if m.group() == "ALL" else m.group().upper(), start + m.start() + 1,
                      start + m.end() + 1) for m in _CODE.finditer(raw))


def _matches(line: str, python: bool) -> Iterator[tuple[str, re.Match[str], str | None]]:
    for m in _DIRECTIVE.finditer(line):
        yield m.group(1), m, m.group(2)
    for m in _NOQA.finditer(line):
        yield "noqa", m, m.group(1)


def parse_suppressions(text: str, python: bool = False) -> Suppressions:
    """The directives of one file."""
    if "sqllint:" not in text and "noqa" not in text.lower():
        return Suppressions()
    directives: list[Directive] = []
    lines: dict[int, list[int]] = {}
    file: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if "sqllint:" not in line and "noqa" not in line.lower():
            continue
        for kind, m, raw in _matches(line, python):
            group = 2 if kind != "noqa" else 1
            codes = _codes(line, m.start(group) if raw else 0, raw, (m.start(), m.end()))
            alone = not line[: m.start()].strip()
            at = len(directives)
            directives.append(Directive(number, m.start() + 1, m.end() + 1, kind, codes, alone))
            if kind == "disable-file":
                file.append(at)
                continue
            if kind in ("disable", "noqa"):
                lines.setdefault(number, []).append(at)
            # On a line of its own a `disable` speaks about the next line.
            if kind == "disable-next-line" or (kind == "disable" and alone):
                lines.setdefault(number + 1, []).append(at)
    return Suppressions(tuple(directives), {k: tuple(v) for k, v in lines.items()},
                        tuple(file))


def directive_codes(text: str, python: bool = False) -> Iterator[tuple[int, int, str]]:
    """(line, column, code as written) of every code a suppression comment names, 1-based:
    all those of ``sqllint:`` directives, and the ``SL`` ones of a noqa comment (its other
    codes belong to other linters)."""
    directives = parse_suppressions(text, python).directives
    lines = text.splitlines() if directives else []  # most files have none
    for directive in directives:
        for code in directive.codes:
            if code.code == ALL or (directive.kind == "noqa" and not code.code.startswith("SL")):
                continue
            written = lines[directive.line - 1][code.column - 1 : code.end_column - 1]
            yield directive.line, code.column, written
