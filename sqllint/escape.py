"""Text from the repository made safe for the medium it is printed in.

Names, messages and statements come from files someone else wrote. In a terminal or a
gcc-style line, a newline would forge a line of its own and an escape sequence would
drive the terminal (clear the screen, write the clipboard with OSC 52): every control
character is shown as a Python-style escape instead. In Markdown (a pull-request
comment), text cannot open links, mention people, or leave its code fence. In an SQL
comment, a newline would end the comment and start a statement. Every report calls
these functions; none writes repository text raw.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, lone surrogates, and the bidirectional overrides that make
# code read differently from how it runs ("trojan source").
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u2028\u2029"
                     "\u202a-\u202e\u2066-\u2069]")
_UNSAFE_KEEP_LINES = re.compile(_UNSAFE.pattern.replace("\x00-\x1f", "\x00-\x08\x0b-\x1f"))
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _show(m: re.Match[str]) -> str:
    ch = m.group()
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (a file name's)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, lines: bool = False) -> str:
    """``text`` with every control character shown as an escape (``\\n``, ``\\x1b``).

    With ``lines``, newlines (and tabs) stay: the text is a block, not one line. Lone
    surrogates become escapes too, so the result always encodes as UTF-8.
    """
    pattern = _UNSAFE_KEEP_LINES if lines else _UNSAFE
    if lines:
        text = text.replace("\r\n", "\n")
    return pattern.sub(_show, text)


def sql_comment(text: str) -> str:
    """Text for the rest of an SQL ``--`` comment line: it cannot end the comment."""
    return visible(text)


# -- Markdown -------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_MD_LINE_START = re.compile(r"^([#>+\-=]|\d+[.)])")
_MENTION = re.compile(r"@(?=\w)")
_LONGEST_TICKS = re.compile(r"`+")


def _ticks(text: str) -> int:
    return max((len(m.group()) for m in _LONGEST_TICKS.finditer(text)), default=0)


def md_text(text: str) -> str:
    """Plain Markdown text on one line: no markup, link, HTML, heading or @mention."""
    flat = " ".join(visible(text).split())
    escaped = _MD_SPECIAL.sub(r"\\\1", flat.replace("&", "&amp;"))
    # What would start a heading, quote or list at the start of a line.
    escaped = _MD_LINE_START.sub(lambda m: m.group()[:-1] + "\\" + m.group()[-1], escaped)
    # A zero-width space after '@' keeps GitHub from notifying whoever is named.
    return _MENTION.sub("@\u200b", escaped)


def md_cell(text: str) -> str:
    """Text for one Markdown table cell (``|`` escaped with the rest)."""
    return md_text(text)


def md_code(text: str) -> str:
    """An inline code span holding ``text`` on one line, whatever backticks it has."""
    flat = " ".join(visible(text).split())
    fence = "`" * (_ticks(flat) + 1)
    # Inside a table a '|' ends the cell even in a code span: GFM takes '\|' there.
    flat = flat.replace("|", "\\|")
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def md_fenced(text: str, lang: str = "sql") -> str:
    """A fenced code block whose fence is longer than any backtick run inside."""
    body = visible(text.rstrip(), lines=True)
    fence = "`" * max(3, _ticks(body) + 1)
    return f"{fence}{lang}\n{body}\n{fence}"
