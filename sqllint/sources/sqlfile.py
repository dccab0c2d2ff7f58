"""SQL text to statements: psql meta-commands blanked, split and parsed with pglast.

Positions stay exact: blanking keeps every character in place, pglast's byte offsets
are converted to characters, and each statement carries the file line:col it starts at.
"""

from __future__ import annotations

import bisect
import json
import re
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pglast import parser as pg
from pglast.error import Error as PgError

from sqllint.model import OffsetMap, Statement, StatementKind, new_statement
from sqllint.sources import sqlc
from sqllint.sources.dialects import DIALECT_NAMES, other_dialect, path_dialect, sqlite_only
from sqllint.sources.templates import statement_segments, substitute
from sqllint.sources.text import LineIndex

try:  # 2-3x faster than json on pglast's trees, and it shares the key strings
    import orjson as _orjson
except ImportError:  # pragma: no cover - optional speed-up
    _orjson = None  # type: ignore[assignment,unused-ignore]

# A psql meta-command line: backslash first (after blanks), to the end of the line.
_META_LINE = re.compile(r"^[ \t]*\\.*$", re.M)
# `\g`, `\gset`, `\gexec` … ending a query on the same line: psql sends the query.
_META_TAIL = re.compile(r"(?<=[\s)])\\(?:g\w*|crosstabview|watch)\b[^\n]*")
_META_TAIL_WORD = re.compile(r"\\(?:g\w*|crosstabview|watch)\b")
# COPY … FROM stdin, or psql's \copy … from stdin/pstdin: data lines follow until `\.`.
_COPY_START = re.compile(r"^[ \t]*(\\)?copy\b", re.I | re.M)
_FROM_STDIN = re.compile(r"\bfrom\s+p?stdin\b", re.I)
_END_OF_DATA = re.compile(r"^\\\.[ \t]*$", re.M)
_LEADING_NOISE = re.compile(r"(?:\s+|--[^\n]*|/\*(?:[^*]|\*(?!/))*\*/)*")
# psql variable interpolation (:name, :'name', :"name") outside strings is replaced by
# psql before the server sees it; a same-length stand-in keeps positions.
# `:'upto'::date` is a variable and a cast; `:a:b` (a slice bound, a label) is neither.
_PSQL_VAR = re.compile(r"(?<![:\w]):(['\"]?)([A-Za-z_]\w*)\1(?!:(?!:))")

DDL_NODES = frozenset(
    {
        "CreateStmt", "IndexStmt", "AlterTableStmt", "DropStmt", "RenameStmt", "ViewStmt",
        "CreateTableAsStmt", "CreateSchemaStmt", "CreateExtensionStmt", "CreateFunctionStmt",
        "CreateTrigStmt", "CreateSeqStmt", "AlterSeqStmt", "CreateEnumStmt", "CompositeTypeStmt",
        "CreateDomainStmt", "CommentStmt", "GrantStmt", "AlterObjectSchemaStmt", "AlterEnumStmt",
        "CreatePolicyStmt", "AlterOwnerStmt", "DefineStmt", "CreateCastStmt", "RuleStmt",
        "RefreshMatViewStmt", "ReindexStmt", "ClusterStmt", "AlterFunctionStmt", "DoStmt",
        "CreateStatsStmt", "AlterDomainStmt", "TruncateStmt", "CreateRangeStmt",
    }
)
QUERY_NODES = frozenset({"SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"})


@dataclass(frozen=True)
class RawStatement:
    """A statement's span in the (blanked) text, before it becomes a Statement."""

    start: int
    end: int


def blank_psql(text: str) -> str:
    """Replace psql meta-commands and COPY data with spaces, keeping every offset.

    One pass, linear in the text: however many COPY lines or data blocks a file holds,
    each character is looked at a bounded number of times.
    """
    if "\\" not in text:
        return text
    out = _blank_copy_data(text)
    out = _META_LINE.sub(lambda m: " " * (m.end() - m.start()), out)  # no newline in it
    return _blank_meta_tails(out)


def _blank_meta_tails(text: str) -> str:
    """``_META_TAIL.sub``: found by its backslash (a look-behind tried at every
    character took half of the time of reading a file)."""
    pieces: list[str] = []
    done = 0
    m = _META_TAIL_WORD.search(text)
    while m is not None:
        at = m.start()
        if at > 0 and (text[at - 1].isspace() or text[at - 1] == ")") and \
                _META_TAIL.match(text, at):
            end = _line_end(text, at)
            pieces.append(text[done:at])
            pieces.append(";" + " " * (end - at - 1))
            done = end
            m = _META_TAIL_WORD.search(text, end)
        else:
            m = _META_TAIL_WORD.search(text, at + 1)
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def _blank_copy_data(text: str) -> str:
    """Blank the data lines after each ``COPY … FROM stdin`` up to their ``\\.`` line."""
    pieces: list[str] = []
    done = 0  # text[:done] is in pieces
    pos = 0
    semi = -2  # the next ';' at or after pos (-1: none), found once and reused
    # The next end-of-data line and the next COPY line at or after a point: searched once
    # for a stretch of text, reused while still ahead (linear however many COPY lines).
    stop_at = stop = next_copy = -1
    low = text.lower()
    find = _CopyFinder(text, low if len(low) == len(text) else None)
    while True:
        m = find(pos)
        if m is None:
            break
        if m.group(1):  # psql's \copy is one line
            end = _line_end(text, m.end())
        else:  # COPY runs to its ';' (or the end): a COPY word before that is inside it
            if semi != -1 and semi < m.end():
                semi = text.find(";", m.end())
            end = len(text) if semi == -1 else semi
        if not _FROM_STDIN.search(text, m.end(), end):
            pos = max(end, m.end())
            continue
        data = _line_end(text, end) + 1
        if data > len(text):
            break
        if stop_at < data:
            stop_m = _END_OF_DATA.search(text, data)
            stop_at, stop = (stop_m.start(), stop_m.end()) if stop_m else (len(text), len(text))
        if next_copy < data:
            copy_m = find(data)
            next_copy = copy_m.start() if copy_m else len(text) + 1
        if next_copy < stop_at:
            # Another COPY before any end-of-data line: this one failed on the server (a
            # bad option, a missing table), psql sent no data, and what follows is SQL.
            pos = data
            continue
        pieces.append(text[done:data])
        pieces.append(_blank(text[data:stop]))
        done = pos = stop
    pieces.append(text[done:])
    return "".join(pieces)


class _CopyFinder:
    """``_COPY_START.search(text, pos)``, the regex tried only where the lower-cased
    text holds ``copy`` (at every line start, it took a third of reading a file)."""

    def __init__(self, text: str, low: str | None) -> None:
        self.text = text
        self.low = low  # None: lower-casing changed offsets (rare letters): the regex

    def __call__(self, pos: int) -> re.Match[str] | None:
        if self.low is None:
            return _COPY_START.search(self.text, pos)
        at = self.low.find("copy", pos)
        while at != -1:
            line = self.text.rfind("\n", 0, at) + 1
            if line >= pos:
                m = _COPY_START.match(self.text, line)
                if m is not None and m.end() == at + 4:
                    return m
            at = self.low.find("copy", at + 1)
        return None


def _blank(s: str) -> str:
    return re.sub(r"[^\n]", " ", s)


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end == -1 else end


def _replace_psql_vars(text: str, bare: str) -> str:
    """Swap psql variables outside quotes and comments for same-length stand-ins.

    ``bare`` is the stand-in's first character for ``:name``: ``1`` where a value is
    expected, ``x`` where an identifier is.
    """
    try:
        tokens = pg.scan(text)
    except PgError:  # unterminated quote or comment: the parser will say so
        return text
    # Token spans are ordered and disjoint: the last one starting at or before a match
    # is the only one that can hold it (bisect, not a scan of all of them).
    quoted = [(t.start, t.end) for t in tokens if t.name in _QUOTED_TOKENS]
    starts = [start for start, _ in quoted]
    chars = list(text)
    for m in _PSQL_VAR.finditer(text):
        a, b = m.start(), m.end()
        at = bisect.bisect_right(starts, a) - 1
        if at >= 0 and quoted[at][0] <= a <= quoted[at][1]:
            continue
        quote = m.group(1)
        if quote:
            repl = quote + "x" * (b - a - 2) + quote
        else:
            repl = bare + " " * (b - a - 1)
        chars[a:b] = list(repl)
    return "".join(chars)


_QUOTED_TOKENS = frozenset({"SCONST", "USCONST", "BCONST", "XCONST", "SQL_COMMENT", "C_COMMENT"})


# The parser splits a text by parsing it whole: its memory (in C) grows with the text, to
# 20 times its size. A longer text is split piece by piece (see ``_split_pieces``).
SPLIT_PIECE = 1 << 20


def split(text: str, piece: int = SPLIT_PIECE) -> list[RawStatement]:
    """Statement spans (character offsets) of ``text``, which must already be blanked."""
    try:
        if len(text) > piece:
            found = _split_pieces(text, piece)
            if isinstance(found, list):
                return found
            if found == _BROKEN:  # it will not parse whole either: never try
                return _scan_split(text, piece)
        slices = pg.split(text, with_parser=True, only_slices=True)
        return [RawStatement(s.start, s.stop) for s in slices]
    except PgError:
        pass
    # The file has a syntax error somewhere: fall back to the scanner, where a
    # statement that does not parse does not hide its neighbours.
    return _scan_split(text, piece)


_BROKEN, _UNSETTLED = "broken", "unsettled"


def _split_pieces(text: str, piece: int) -> list[RawStatement] | str:
    """The parser's split of ``text``, made on pieces of about ``piece`` characters
    that end after a semicolon at the end of a line: a piece that does not parse alone
    (the cut fell inside a quote, a comment or a function body) takes in the next one.
    ``_BROKEN`` when a piece the scanner reads as whole statements does not parse (a
    syntax error: the text will not parse whole either); ``_UNSETTLED`` when taking in
    pieces does not settle within a few (split it whole)."""
    out: list[RawStatement] = []
    start = 0
    end = 0
    tries = 0
    while start < len(text):
        cut = text.find(";\n", max(end, start + piece))
        end = len(text) if cut == -1 else cut + 1
        try:
            slices = pg.split(text[start:end], with_parser=True, only_slices=True)
        except PgError:
            if _whole_statements(text[start:end]):
                return _BROKEN
            tries += 1
            if end == len(text) or tries > 4:
                return _UNSETTLED
            continue
        out.extend(RawStatement(start + s.start, start + s.stop) for s in slices)
        start, tries = end, 0
    return out


def _whole_statements(chunk: str) -> bool:
    """Does the scanner read ``chunk`` as statements that all end in it (no quote,
    comment, parenthesis or routine body left open)?"""
    tokens = _scan_or_none(chunk)
    return tokens is not None and _token_spans(tokens, 0)[1] is None


def _scan_split(text: str, window: int = SPLIT_PIECE) -> list[RawStatement]:
    """Statement spans from the scanner's tokens: cut at top-level semicolons.

    A lexical error (``123abc``, ``0x``) stops the scanner: the statements before it
    are kept, the statement holding it runs to the next ``;``, and scanning resumes
    after that, so one bad literal does not swallow the rest of the file. An
    unterminated quote or comment runs to the end, as it does in PostgreSQL (the
    statements before it stay theirs).

    The text is scanned ``window`` characters at a time (tokens take 40 times the
    memory of their text), each window cut after a semicolon at the end of a line and
    taken in up to the last statement that ends in it: the scanner starts again after
    a top-level semicolon as it stood there, so the spans are those of one scan of
    the whole. A window cut inside a quote or a comment, or holding no statement's
    end, takes in more.
    """
    spans: list[RawStatement] = []
    base = 0
    errors = 0
    size = window
    while base < len(text):
        cut = text.find(";\n", base + size)
        end = len(text) if cut == -1 else cut + 1
        whole = end == len(text)
        chunk = text[base:end]
        try:
            tokens = pg.scan(chunk)
        except PgError as exc:
            pos = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
            message = str(exc.args[0]) if exc.args else ""
            if not whole and (pos is None or message.startswith("unterminated")):
                size *= 2  # the cut fell inside a quote or a comment
                continue
            errors += 1
            if pos is None or errors > 64:
                spans.extend(_rest(text, base))
                break
            pos = max(0, min(pos, len(chunk)))
            head, open_start, _ = _token_spans(_scan_or_none(chunk[:pos]) or [], base)
            spans.extend(head)
            start = open_start if open_start is not None else base + pos
            if message.startswith("unterminated"):  # it runs to the end
                spans.extend(_rest(text, start))
                break
            semi = text.find(";", base + pos)
            stop = len(text) if semi == -1 else semi
            spans.append(RawStatement(start, stop))
            base, size = stop + 1, window
            continue
        found, open_start, after = _token_spans(tokens, base)
        if not whole:
            if after is None:  # no statement ends in it
                size *= 2
                continue
            spans.extend(found)
            base, size = after, window
            continue
        spans.extend(found)
        if open_start is not None:
            spans.append(RawStatement(open_start, base + _last_end(tokens)))
        if not found and open_start is None and chunk.strip() and not tokens:
            spans.extend(_rest(text, base))
        break
    return spans


def _scan_or_none(text: str) -> list[Any] | None:
    try:
        return list(pg.scan(text))
    except PgError:
        return None


def _rest(text: str, base: int) -> list[RawStatement]:
    rest = text[base:]
    lead = len(rest) - len(rest.lstrip())
    return [RawStatement(base + lead, len(text))] if rest.strip() else []


def _last_end(tokens: Any) -> int:
    for tok in reversed(tokens):
        if tok.name not in ("SQL_COMMENT", "C_COMMENT"):
            return int(tok.end) + 1
    return 0


def _token_spans(
    tokens: Any, base: int
) -> tuple[list[RawStatement], int | None, int | None]:
    """Spans ended by a top-level ';', where an unended last statement starts, and
    where the text after the last top-level ';' starts.

    As psql does: in CREATE [OR REPLACE] FUNCTION/PROCEDURE, BEGIN and CASE open a
    block that END closes, and a ';' inside one (a BEGIN ATOMIC body) does not end the
    statement. One pass over the tokens.
    """
    spans: list[RawStatement] = []
    start: int | None = None
    end = 0
    after: int | None = None
    depth = 0
    words: list[str] = []  # the statement's first four words
    blocks = 0
    for tok in tokens:
        if tok.name in ("SQL_COMMENT", "C_COMMENT"):
            continue
        if tok.name == "ASCII_59" and depth == 0 and blocks == 0:  # ';'
            if start is not None:
                spans.append(RawStatement(base + start, base + end))
            start = None
            words = []
            after = base + tok.end + 1
            continue
        if tok.name == "ASCII_40":
            depth += 1
        elif tok.name == "ASCII_41":
            depth = max(0, depth - 1)
        elif tok.kind != "NO_KEYWORD" or tok.name == "IDENT":
            if len(words) < 4:
                words.append(tok.name)
            if tok.name in ("BEGIN_P", "CASE") and _routine(words):
                blocks += 1
            elif tok.name == "END_P" and blocks:
                blocks -= 1
        if start is None:
            start = tok.start
        end = tok.end + 1
    return spans, (base + start if start is not None else None), after


_ROUTINE = ("FUNCTION", "PROCEDURE")


def _routine(words: list[str]) -> bool:
    """Do the first words say CREATE [OR REPLACE] FUNCTION/PROCEDURE?"""
    return len(words) > 1 and words[0] == "CREATE" and (
        words[1] in _ROUTINE or (words[1:3] == ["OR", "REPLACE"] and words[3:4] in (
            ["FUNCTION"], ["PROCEDURE"])))


def _parses(sql: str) -> bool:
    """Does ``sql`` parse? (The parser runs; no tree comes back to Python.)"""
    try:
        pg.split(sql, with_parser=True, only_slices=True)
    except PgError:
        return False
    return True


def parse(sql: str) -> Parsed:
    """Parse one statement: (node with character offsets, error message, error offset)."""
    try:
        raw = pg.parse_sql_json(sql)
    except PgError as exc:
        message = str(exc.args[0]) if exc.args else str(exc)
        pos = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
        offset = len(sql.rstrip()) if pos is None else max(0, min(pos, len(sql)))
        return None, message, offset
    except RecursionError:
        return None, "statement nests too deeply to analyse", 0
    try:
        tree = _load_json(raw)
    except RecursionError:
        return None, "statement nests too deeply to analyse", 0
    stmts = tree.get("stmts") or []
    if not stmts:
        return None, None, 0
    node: dict[str, Any] = stmts[0]["stmt"]
    if not sql.isascii():
        _bytes_to_chars(node, _byte_to_char_table(sql))
    return node, None, 0


def _load_json(raw: str) -> Any:
    if _orjson is not None:
        try:
            return _orjson.loads(raw)
        except _orjson.JSONDecodeError:  # nesting beyond orjson's limit: the slow path
            pass
    return json.loads(raw)


def _byte_to_char_table(sql: str) -> list[int]:
    table: list[int] = []
    for i, ch in enumerate(sql):
        table.extend([i] * len(ch.encode("utf-8")))
    table.append(len(sql))
    return table


def _bytes_to_chars(node: Any, table: list[int]) -> None:
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            for key, value in cur.items():
                if key == "location" and isinstance(value, int) and value >= 0:
                    cur[key] = table[min(value, len(table) - 1)]
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(cur, list):
            stack.extend(cur)


_FIRST_WORD = re.compile(r"[A-Za-z]+")
_QUERY_WORDS = frozenset({"insert", "update", "delete", "merge"})
_SELECT_WORDS = frozenset({"select", "with", "values", "table"})


def _plain_query(sql: str) -> bool:
    """Does ``sql`` start with a query keyword, and could it not create a table?"""
    lead = _LEADING_NOISE.match(sql)
    word = _FIRST_WORD.match(sql, lead.end() if lead else 0)
    if word is None:
        return False
    first = word.group().lower()
    if first in _QUERY_WORDS:
        return True
    low = sql.lower()
    # SELECT … INTO creates a table; set_config('search_path', …) sets the session's path.
    return first in _SELECT_WORDS and "into" not in low and "set_config" not in low


def classify(node: dict[str, Any] | None, migration: bool) -> StatementKind:
    if migration:
        return "migration"
    if node is None:
        return "other"
    kind = next(iter(node))
    if kind in QUERY_NODES:
        return "query"
    if kind in DDL_NODES:
        return "ddl"
    return "other"


Parsed = tuple[dict[str, Any] | None, str | None, int]


def statements(
    path: str,
    text: str,
    *,
    migration: bool = False,
    placeholders: Sequence[tuple[str, str]] = (),
    dialects: Sequence[str] = ("postgresql",),
    memo: dict[str, Parsed] | None = None,
    queries: bool = True,
    spans: array[int] | None = None,
    query_trees: bool = True,
) -> Iterator[Statement]:
    """Every statement of a SQL file, parsed, with its position in the file.

    ``placeholders``: template markers replaced before parsing (positions still point
    into ``text``). ``dialects``: the engines the project's SQL is written for; a file
    named ``*.sqlite`` / ``*.mysql`` is that engine's and not checked as PostgreSQL.
    ``memo`` (statement text → parse) spares an editor session re-parsing the statements
    of a file that an edit did not touch; its trees are shared, never modified.

    ``queries=False``: a statement that starts as a plain query (and cannot create a
    table, as SELECT … INTO does) is not parsed: it comes with neither tree nor error.
    The same statements come out, in the same order, for a fraction of the time.

    ``spans``: an empty array is filled with the statements' (start, end) offsets; a
    filled one (from an earlier read of the same text) saves splitting it again.

    ``query_trees=False``: such a plain query is checked for syntax only and comes
    without its tree, which is never built (a 50 MB INSERT's would take gigabytes).
    """
    lines = LineIndex(text)
    sqlc_params = sqlc.is_sqlc_file(text)
    text, edits = substitute(text, placeholders)
    blanked = blank_psql(text)
    file_dialect = path_dialect(path)
    found: Iterable[tuple[int, int]]
    if spans:
        pairs = iter(spans)
        found = zip(pairs, pairs, strict=True)  # (start, end), two by two
    else:
        raw = split(blanked)
        if spans is not None:
            for span in raw:
                spans.extend((span.start, span.end))
        found = [(span.start, span.end) for span in raw]
    for start, end in found:
        sql = blanked[start:end]
        if not sql or sql.isspace():
            continue
        if sqlc_params:
            sql = sqlc.replace_params(sql)
        if not queries and _plain_query(sql):
            line, col = lines.position(start)
            yield new_statement(path=path, sql=sql, offsets=OffsetMap.at(line, col),
                                kind=classify(None, migration), origin=path, node=None,
                                migration=migration)
            continue
        known = memo.get(sql) if memo is not None else None
        treeless = not query_trees and _plain_query(sql) and _parses(sql)
        if treeless:
            known = (None, None, 0)
        elif known is None:
            known = parse(sql)
            if memo is not None:
                memo[sql] = known
        node, error, error_offset = known
        if error is not None and ":" in sql:
            # psql replaces :var before the server sees the statement.
            for bare in ("1", "x"):
                alt = _replace_psql_vars(sql, bare)
                if alt != sql:
                    alt_node, alt_error, _ = parse(alt)
                    if alt_error is None:
                        sql, node, error = alt, alt_node, None
                        break
        if node is None and error is None and not treeless:
            continue  # only comments
        if edits:
            offsets = OffsetMap(tuple(statement_segments(
                edits, start, end, lines.position)))
        else:
            line, col = lines.position(start)
            offsets = OffsetMap.at(line, col)
        dialect, unchecked = file_dialect, ""
        if dialect:
            unchecked = f"a {DIALECT_NAMES[dialect]} file"
            node = None
        elif error is not None:
            other = other_dialect(sql, error_offset, dialects)
            if other is not None:
                dialect, unchecked = other.dialect, other.reason()
        elif (only := sqlite_only(sql, dialects)) is not None:
            node, dialect, unchecked = None, only.dialect, only.reason()
        yield new_statement(
            path=path,
            sql=sql,
            offsets=offsets,
            kind=("migration" if migration else "query") if treeless else
            classify(node, migration),
            origin=path,
            node=node,
            error=error,
            error_offset=error_offset,
            migration=migration,
            dialect=dialect,
            unchecked=unchecked,
        )
