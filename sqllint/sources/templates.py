"""Template markers replaced by their configured text before parsing.

``[tool.sqllint.placeholders]`` maps a marker to the text that stands there when the
SQL runs: a migration tool's placeholder (Flyway ``${schema}``) or a project's own
marker (``$%AUTO_INCREMENT_PRIMARY_KEY%$``). The replaced text parses; every position
still points into the original file: a character of a replacement maps to the start of
its marker, the text after it to where it really is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqllint.model import Segment
from sqllint.sources.python_literals import Atom


@dataclass(frozen=True)
class Edit:
    """``original[old_start:old_end]`` became ``text[new_start:new_end]``."""

    new_start: int
    new_end: int
    old_start: int
    old_end: int


@lru_cache(maxsize=16)
def _pattern(markers: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first: `${schema}` must not be cut short by a marker that is its prefix.
    ordered = sorted(markers, key=len, reverse=True)
    return re.compile("|".join(re.escape(m) for m in ordered))


def substitute(text: str, placeholders: Sequence[tuple[str, str]]) -> tuple[str, list[Edit]]:
    """``text`` with every marker replaced, and the edits made (in order)."""
    if not placeholders or not any(marker in text for marker, _ in placeholders):
        return text, []
    values = dict(placeholders)
    pattern = _pattern(tuple(values))
    out: list[str] = []
    edits: list[Edit] = []
    last = 0
    length = 0
    for m in pattern.finditer(text):
        out.append(text[last : m.start()])
        length += m.start() - last
        value = values[m.group()]
        out.append(value)
        edits.append(Edit(length, length + len(value), m.start(), m.end()))
        length += len(value)
        last = m.end()
    out.append(text[last:])
    return "".join(out), edits


def original_offset(edits: Sequence[Edit], offset: int) -> int:
    """Where substituted-text ``offset`` lies in the original text."""
    shift = 0
    for edit in edits:
        if offset < edit.new_start:
            break
        if offset < edit.new_end:
            return edit.old_start
        shift = edit.old_end - edit.new_end
    return offset + shift


def statement_segments(
    edits: Sequence[Edit], start: int, end: int, position: Callable[[int], tuple[int, int]]
) -> Iterator[Segment]:
    """Segments for the statement ``text[start:end]`` of substituted text;
    ``position(original offset)`` is the (line, column) of an original character."""
    inside = next((e for e in edits if e.new_start <= start < e.new_end), None)
    if inside is not None:
        yield Segment(0, *position(inside.old_start), escaped=True)
    else:
        yield Segment(0, *position(original_offset(edits, start)))
    for edit in edits:
        if edit.new_end <= start or edit.new_start >= end:
            continue
        if edit.new_start > start:
            yield Segment(edit.new_start - start, *position(edit.old_start), escaped=True)
        if edit.new_end < end:
            yield Segment(edit.new_end - start, *position(edit.old_end))


def substitute_atoms(atoms: list[Atom], placeholders: Sequence[tuple[str, str]]) -> list[Atom]:
    """A Python string's characters with every marker replaced by its text.

    The replacement's characters all sit at the marker's first character.
    """
    if not placeholders:
        return atoms
    flat = "".join(a[0] if isinstance(a, tuple) else "\x00" for a in atoms)
    if not any(marker in flat for marker, _ in placeholders):
        return atoms
    values = dict(placeholders)
    out: list[Atom] = []
    last = 0
    for m in _pattern(tuple(values)).finditer(flat):
        out.extend(atoms[last : m.start()])
        first = atoms[m.start()]
        assert isinstance(first, tuple)
        out.extend((ch, first[1], first[2], True) for ch in values[m.group()])
        last = m.end()
    out.extend(atoms[last:])
    return out
