"""Driver placeholders and interpolations rewritten to what PostgreSQL's parser reads.

``%s``, ``%(name)s``, ``:name``, ``?`` and interpolated ``{expr}`` become ``$n`` (or,
where an identifier must stand, a quoted identifier naming the expression); ``%%`` is a
literal ``%``. Every output character keeps the file position of the source character
it stands for, so a rewritten placeholder of another length loses no position.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from sqllint.model import Segment
from sqllint.sources.python_literals import Atom, Interp

# One SQL character with its (line, column, escaped) in the file.
Pos = tuple[str, int, int, bool]


@dataclass(frozen=True)
class Rewritten:
    sql: str
    positions: list[Pos]
    # (SQL offset, expression) of each interpolation that stands for an identifier.
    dynamic: tuple[tuple[int, str], ...]
    params: tuple[str, ...]
    # SQL offsets where an interpolated value (not a driver placeholder) stands.
    interpolated: tuple[int, ...]
    # The Python expression of each of those, in the same order.
    interpolated_texts: tuple[str, ...] = ()


_SPECIAL = re.compile(r"[%:?'\"\-/$*\n\x00]")
_NAMED_PCT = re.compile(r"%\(([^)\n]{1,64})\)s")
# `:name`, not `::type`; `:id::uuid` is the parameter `:id` cast to uuid.
_COLON = re.compile(r"(?<![:\w\\]):([A-Za-z_]\w*)(?!\w)(?!:(?!:))")
DOLLAR_PARAM = re.compile(r"\$(\d+)")
_DOLLAR_QUOTE = re.compile(r"\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$")
# web.py's `$name`, `$obj.attr` and `${expr}`: PostgreSQL has no such token (a `$` starts
# a parameter `$1` or a dollar quote `$tag$`), so the client filled it in.
_DOLLAR_NAME = re.compile(r"\$(?:([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?![\w$])|\{([^{}\n]{1,64})\})")
_IDENT_BEFORE = re.compile(
    r"(?:\b(?:from|join|into|update|table|exists|only|truncate)|\.)\s*$", re.IGNORECASE
)
_IN_BEFORE = re.compile(r"\bIN\s*$", re.IGNORECASE)
_GLUED = re.compile(r"\w+")  # ASCII letters, digits, _ (no NUL: an interpolation)
_COLUMN_AFTER = re.compile(
    r"\s*(?:=|<>|!=|<=|>=|<(?!<)|>(?!>)|(?:NOT\s+)?(?:IN|I?LIKE|BETWEEN)\b|IS\b)",
    re.IGNORECASE)
_COLUMN_BEFORE = re.compile(r"(?:\b(?:WHERE|AND|OR|ON|HAVING)|[(,])\s*$", re.IGNORECASE)
_WORD_AT_END = re.compile(r"\w+$")
# A word before `?` after which a value (so a placeholder) comes, not the jsonb operator.
_VALUE_KEYWORDS = frozenset(
    """and or not in is like ilike between then else when select limit offset values set
    where by on returning case fetch first next distinct all any some array row to with""".split()
)
_PERCENT = re.compile(r"%(?:\(([^)\n]{1,64})\))?[-#0 +]*\d*(?:\.\d+)?[sdifrauxXeEgGc%]")


def percent_format(atoms: list[Atom], positional: list[str], named: dict[str, str]) -> list[Atom]:
    """``template % args``: conversions become Interp (named by their argument), ``%%`` → ``%``."""
    flat = "".join(a[0] if isinstance(a, tuple) else "\x00" for a in atoms)
    out: list[Atom] = []
    i = 0
    index = 0
    for m in _PERCENT.finditer(flat):
        if m.start() < i:
            continue
        out.extend(atoms[i : m.start()])
        first = atoms[m.start()]
        assert isinstance(first, tuple)
        if m.group() == "%%":
            out.append(first)
        else:
            key = m.group(1)
            if key is not None:
                text = named.get(key, key)
            else:
                text = positional[index] if index < len(positional) else m.group()
                index += 1
            out.append(Interp(text, first[1], first[2]))
        i = m.end()
    out.extend(atoms[i:])
    return out


def rewrite(
    atoms: list[Atom], *, qmark: bool, identifiers: bool, literal: str | None = None
) -> Rewritten:
    """Rewrite placeholders of a statement text.

    ``qmark``: every ``?`` outside quotes is a placeholder (sqlite3 code); otherwise a
    ``?`` after an operand is the jsonb operator. ``identifiers``: the second attempt,
    where every interpolation and every placeholder after FROM/JOIN/… is an identifier.
    ``literal``: values become this literal instead of ``$n``: the driver fills them in
    on the client in utility statements (``SET x TO %s``), where the server takes none.
    """
    flat = "".join(a[0] if isinstance(a, tuple) else "\x00" for a in atoms)
    numbers: dict[str, int] = {}
    params: dict[int, str] = {}
    existing = [int(m.group(1)) for m in DOLLAR_PARAM.finditer(flat) if len(m.group(1)) < 6]
    next_number = max(existing, default=0) + 1
    chars: list[str] = []
    positions: list[Pos] = []
    dynamic: list[tuple[int, str]] = []
    interpolated: list[int] = []
    interpolated_texts: list[str] = []

    def tail() -> str:
        return "".join(chars[-48:])[-64:]

    def ident_position(after: int) -> bool:
        return bool(_IDENT_BEFORE.search(tail())) or flat.startswith(".", after)

    def emit(
        text: str, key: str | None, pos: tuple[int, int], as_identifier: bool, shown: str,
        after: int,
    ) -> None:
        nonlocal next_number
        if as_identifier:
            stand_in = '"' + shown.replace('"', '""')[:60] + '"'
            dynamic.append((len(positions), text))
        else:
            if key is not None and key in numbers:
                number = numbers[key]
            else:
                number = next_number
                next_number += 1
                if key is not None:
                    numbers[key] = number
            params[number] = text
            stand_in = f"${number}" if literal is None else literal
            if _IN_BEFORE.search(tail()):
                stand_in = f"({stand_in})"  # `IN %s`: the driver writes a tuple as a list
            # `OR{clause}` must not read as one word `OR$1`.
            if chars and (chars[-1][-1:].isalnum() or chars[-1][-1:] in "_$"):
                stand_in = " " + stand_in
            if after < len(flat) and (flat[after].isalnum() or flat[after] in "_$"):
                stand_in += " "
        for ch in stand_in:
            chars.append(ch)
            positions.append((ch, pos[0], pos[1], True))

    state = ""  # "" code, "'" string, '"' identifier, "-" line comment, "*" block, or "$tag$"
    i = 0
    n = len(atoms)
    while i < n:
        # Copy the run of ordinary characters up to the next one that matters, at once.
        special = _SPECIAL.search(flat, i)
        stop = special.start() if special else n
        if stop > i:
            chars.append(flat[i:stop])
            positions.extend(atoms[i:stop])  # type: ignore[arg-type]  # no Interp in a run
            i = stop
            if i >= n:
                break
        atom = atoms[i]
        if isinstance(atom, Interp):
            interpolated.append(len(positions))
            interpolated_texts.append(atom.text)
            as_ident = identifiers or (state == "" and (
                ident_position(i + 1)
                # `WHERE {col} = %s`: a column compared, not a value
                or (_COLUMN_AFTER.match(flat, i + 1) is not None
                    and _COLUMN_BEFORE.search(tail()) is not None)))
            if state in ("'", '"', "-", "*") or state.startswith("$"):
                # Inside quotes or comments the value is text: keep a same-kind stand-in.
                as_ident = False
            shown, end = f"{{{atom.text}}}", i + 1
            if as_ident:
                # `{name}_tmp`, `{table}_id_seq`: the name and the letters after it are
                # one identifier
                glued = _GLUED.match(flat, end)
                if glued is not None:
                    shown, end = shown + glued.group(), glued.end()
            emit(atom.text, None, (atom.line, atom.column), as_ident, shown, end)
            i = end
            continue
        ch, line, col, esc = atom
        if ch == "%" and flat.startswith("%%", i):
            chars.append("%")
            positions.append(atom)
            i += 2
            continue
        if state == "":
            if ch == "%":
                named = _NAMED_PCT.match(flat, i)
                if named or flat.startswith("%s", i):
                    end = named.end() if named else i + 2
                    key = named.group(1) if named else None
                    as_ident = identifiers and ident_position(end)
                    emit(flat[i:end], key, (line, col), as_ident, flat[i:end], end)
                    i = end
                    continue
            elif ch == ":":
                colon = _COLON.match(flat, i)
                if colon:
                    as_ident = identifiers and ident_position(colon.end())
                    emit(colon.group(), colon.group(1), (line, col), as_ident, colon.group(),
                         colon.end())
                    i = colon.end()
                    continue
            elif ch == "?":
                if qmark or _question_is_placeholder(flat, i, tail()):
                    as_ident = identifiers and ident_position(i + 1)
                    emit("?", None, (line, col), as_ident, "?", i + 1)
                    i += 1
                    continue
            elif ch == "'" or ch == '"':
                state = ch
            elif ch == "-" and flat.startswith("--", i):
                state = "-"
            elif ch == "/" and flat.startswith("/*", i):
                state = "*"
            elif ch == "$":
                quote = _DOLLAR_QUOTE.match(flat, i)
                in_word = bool(chars) and (chars[-1][-1:].isalnum() or chars[-1][-1:] in "_$")
                name = None if quote or in_word else _DOLLAR_NAME.match(flat, i)
                if name is not None:
                    key = name.group(1) or name.group(2)
                    as_ident = identifiers and ident_position(name.end())
                    emit(name.group(), key, (line, col), as_ident, name.group(), name.end())
                    i = name.end()
                    continue
                if quote and not in_word:
                    state = quote.group()
                    for k in range(len(quote.group())):
                        q = atoms[i + k]
                        assert isinstance(q, tuple)
                        chars.append(q[0])
                        positions.append(q)
                    i += len(quote.group())
                    continue
        elif state in ("'", '"'):
            if ch == state:
                state = ""
        elif state == "-":
            if ch == "\n":
                state = ""
        elif state == "*":
            if ch == "*" and flat.startswith("*/", i):
                state = ""
                chars.append("*")
                positions.append(atom)
                i += 1
                atom = atoms[i]
                assert isinstance(atom, tuple)
                ch, line, col, esc = atom
        elif state.startswith("$") and ch == "$" and flat.startswith(state, i):
            for k in range(len(state)):
                q = atoms[i + k]
                assert isinstance(q, tuple)
                chars.append(q[0])
                positions.append(q)
            i += len(state)
            state = ""
            continue
        chars.append(ch)
        positions.append((ch, line, col, esc))
        i += 1
    top = max(params, default=0)
    return Rewritten(
        "".join(chars),
        positions,
        tuple(dynamic),
        tuple(params.get(k, "") for k in range(1, top + 1)),
        tuple(interpolated),
        tuple(interpolated_texts),
    )


def _question_is_placeholder(flat: str, i: int, before: str) -> bool:
    if flat.startswith(("?|", "?&"), i):
        return False
    before = before.rstrip()
    if not before:
        return True
    last = before[-1]
    if last in ")]'\"":
        return False
    if last.isalnum() or last == "_":
        word = _WORD_AT_END.search(before)
        return word is not None and word.group().lower() in _VALUE_KEYWORDS
    return True


def segments(sql: str, positions: list[Pos]) -> Iterator[Segment]:
    """The fewest Segments that give every SQL character its file position."""
    expected: tuple[int, int] | None = None
    previous_escaped = False
    previous: tuple[int, int] = (0, 0)
    for index, (_, line, col, esc) in enumerate(positions):
        if esc:
            fresh = not previous_escaped or (line, col) != previous
        else:
            fresh = previous_escaped or (line, col) != expected
        if fresh:
            yield Segment(index, line, col, esc)
        previous_escaped = esc
        previous = (line, col)
        expected = (line + 1, 1) if sql[index] == "\n" else (line, col + 1)
