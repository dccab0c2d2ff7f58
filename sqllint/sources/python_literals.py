"""Python string literals as decoded characters, each with its exact place in the file.

A literal's value is rebuilt from its source text: prefixes, quotes, escape sequences,
implicit concatenation and f-string replacement fields are read here, so every
character of the value knows the 1-based line and column (in characters) it came from.
f-strings are split into text and ``{expr}`` parts by libcst, which reads nested
quotes, conversions and format specs exactly as Python does.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Interp:
    """A value computed at run time standing inside the SQL (``{expr}``, ``%s`` of ``%``)."""

    text: str
    line: int
    column: int


# One character of a literal's value: (char, line, column, escaped).
Char = tuple[str, int, int, bool]
Atom = Char | Interp


class Source:
    """A Python file's text with offset ↔ position conversions (columns in characters)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        self.starts = [0]
        for line in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)

    def offset(self, lineno: int, byte_col: int) -> int:
        """Character offset of an ``ast`` position (1-based line, UTF-8 byte column)."""
        row = min(max(lineno - 1, 0), len(self.lines) - 1)
        line = self.lines[row]
        if line.isascii():
            col = byte_col
        else:
            col = len(line.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))
        return self.starts[row] + min(col, len(line))

    def position(self, offset: int) -> tuple[int, int]:
        row = bisect.bisect_right(self.starts, offset) - 1
        return row + 1, offset - self.starts[row] + 1


@dataclass(frozen=True)
class Literal:
    """One string token: ``prefix`` (lower case), quote, and where its body lies."""

    prefix: str
    quote: str
    start: int
    body_start: int
    body_end: int
    end: int


_OPEN = re.compile(r"([rRbBuUfF]{0,2})('''|\"\"\"|'|\")")
_GAP = re.compile(r"(?:[ \t\f\n]+|\\\n|#[^\n]*)*")


def scan_literals(text: str, start: int, end: int) -> list[Literal]:
    """The string tokens between ``start`` and ``end`` (an implicit concatenation)."""
    found: list[Literal] = []
    pos = start
    while pos < end:
        gap = _GAP.match(text, pos)
        if gap:
            pos = gap.end()
        if pos >= end:
            break
        m = _OPEN.match(text, pos)
        if not m:
            break
        quote = m.group(2)
        body_start = m.end()
        body_end = _closing(text, body_start, quote)
        if body_end < 0:
            break
        found.append(
            Literal(m.group(1).lower(), quote, pos, body_start, body_end, body_end + len(quote))
        )
        pos = body_end + len(quote)
    return found


def _closing(text: str, pos: int, quote: str) -> int:
    single = len(quote) == 1
    n = len(text)
    while pos < n:
        ch = text[pos]
        if ch == "\\":
            pos += 2
            continue
        if ch == quote[0] and text.startswith(quote, pos):
            return pos
        if single and ch == "\n":
            return -1
        pos += 1
    return -1


def literal_atoms(src: Source, lit: Literal, *, format_fields: bool = False) -> list[Atom] | None:
    """The value of one literal, character by character; ``None`` if it cannot be read.

    ``format_fields``: the value is a ``str.format`` / ``sql.SQL`` template, so its
    ``{field}`` parts become :class:`Interp` and ``{{``/``}}`` single braces.
    """
    raw = "r" in lit.prefix
    is_bytes = "b" in lit.prefix
    if "f" not in lit.prefix:
        line, col = src.position(lit.body_start)
        atoms = decode(src.text[lit.body_start : lit.body_end], line, col, raw, is_bytes)
        return format_atoms(atoms) if format_fields else atoms
    parts = _fstring_parts(src.text[lit.start : lit.end])
    if parts is None:
        return None
    out: list[Atom] = []
    offset = lit.body_start
    for is_expr, raw_text, expr in parts:
        line, col = src.position(offset)
        if is_expr:
            out.append(Interp(expr, line, col))
        else:
            out.extend(decode(raw_text, line, col, raw, is_bytes, braces=True))
        offset += len(raw_text)
    return out


@lru_cache(maxsize=4096)
def _fstring_parts(literal: str) -> tuple[tuple[bool, str, str], ...] | None:
    """(is expression, raw source of the part, expression source) for each f-string part."""
    import libcst as cst  # here, not at import: 0.15 s that most runs never need

    try:
        node = cst.parse_expression(literal)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return None
    if not isinstance(node, cst.FormattedString):
        return None
    module = cst.Module([])
    parts: list[tuple[bool, str, str]] = []
    for part in node.parts:
        if isinstance(part, cst.FormattedStringExpression):
            parts.append((True, module.code_for_node(part), module.code_for_node(part.expression)))
        elif isinstance(part, cst.FormattedStringText):
            parts.append((False, part.value, ""))
        else:
            return None
    return tuple(parts)


_SIMPLE_ESCAPES = {
    "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f",
    "n": "\n", "r": "\r", "t": "\t", "v": "\v",
}


def decode(
    raw: str, line: int, col: int, is_raw: bool, is_bytes: bool, *, braces: bool = False
) -> list[Atom]:
    """Decode a literal body starting at ``line``:``col``; escapes become escaped chars."""
    out: list[Atom] = []
    i = 0
    n = len(raw)
    while i < n:
        ch = raw[i]
        if ch == "\\" and not is_raw and i + 1 < n:
            if raw[i + 1] == "\n":  # line continuation inside the string: no character
                i += 2
                line += 1
                col = 1
                continue
            width, value = _escape(raw, i, is_bytes)
            if value is not None:
                out.append((value, line, col, True))
                i += width
                col += width
                continue
        if braces and ch in "{}" and raw.startswith(ch, i + 1):
            out.append((ch, line, col, False))
            i += 2
            col += 2
            continue
        out.append((ch, line, col, False))
        i += 1
        if ch == "\n":
            line += 1
            col = 1
        else:
            col += 1
    return out


_OCTAL = re.compile(r"[0-7]{1,3}")
_HEX = {"x": 2, "u": 4, "U": 8}


def _escape(raw: str, i: int, is_bytes: bool) -> tuple[int, str | None]:
    """Width in source characters and value of the escape at ``raw[i]`` (a backslash)."""
    nxt = raw[i + 1]
    if nxt in _SIMPLE_ESCAPES:
        return 2, _SIMPLE_ESCAPES[nxt]
    octal = _OCTAL.match(raw, i + 1)
    if octal:
        return 1 + len(octal.group()), chr(int(octal.group(), 8))
    if nxt in _HEX and not (is_bytes and nxt != "x"):
        digits = raw[i + 2 : i + 2 + _HEX[nxt]]
        if len(digits) == _HEX[nxt] and all(c in "0123456789abcdefABCDEF" for c in digits):
            code = int(digits, 16)
            # A lone surrogate cannot reach a parser (nor a report) as text: U+FFFD
            # stands in for it, one character for one, so positions hold.
            valid = code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF
            return 2 + len(digits), chr(code) if valid else "\ufffd"
        return 2, None
    if nxt == "N" and not is_bytes and raw.startswith("{", i + 2):
        close = raw.find("}", i + 3)
        if close > 0:
            try:
                return close + 1 - i, unicodedata.lookup(raw[i + 3 : close])
            except KeyError:
                return close + 1 - i, "\ufffd"
    return 2, None


def format_atoms(atoms: list[Atom]) -> list[Atom]:
    """``str.format`` fields of a template: ``{x}`` → Interp, ``{{`` → ``{``."""
    out: list[Atom] = []
    i = 0
    n = len(atoms)
    auto = 0
    while i < n:
        atom = atoms[i]
        if isinstance(atom, Interp) or atom[0] not in "{}":
            out.append(atom)
            i += 1
            continue
        ch = atom[0]
        nxt = atoms[i + 1] if i + 1 < n else None
        if isinstance(nxt, tuple) and nxt[0] == ch:
            out.append(atom)
            i += 2
            continue
        if ch == "}":
            out.append(atom)
            i += 1
            continue
        depth = 1
        j = i + 1
        field: list[str] = []
        while j < n and depth:
            inner = atoms[j]
            if isinstance(inner, Interp):
                break
            if inner[0] == "{":
                depth += 1
            elif inner[0] == "}":
                depth -= 1
            if depth:
                field.append(inner[0])
            j += 1
        if depth:  # unbalanced: a literal brace (str.format would raise; keep the text)
            out.append(atom)
            i += 1
            continue
        name = re.split(r"[!:]", "".join(field), maxsplit=1)[0].strip()
        if not name:
            name = str(auto)
            auto += 1
        out.append(Interp(name, atom[1], atom[2]))
        i = j
    return out
