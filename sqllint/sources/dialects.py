"""SQL of other engines: which dialect a statement PostgreSQL rejects is written in.

Projects that support SQLite or MySQL beside PostgreSQL keep both dialects' SQL side
by side. A statement pglast rejects is another dialect's SQL when (1) a construct of
that dialect stands where PostgreSQL's parser stopped (``INSERT OR IGNORE``,
``PRAGMA``, ``MATCH``, backticks, ``ON DUPLICATE KEY`` …) and (2) sqlglot reads the
whole statement in that dialect. sqlglot alone is too lenient to decide (it reads
"update the cache from disk" as an UPDATE, and ``SELECT id, FROM t`` in every
dialect): a statement with a typo and no such construct stays a PostgreSQL error.

sqlglot is imported only when a statement needs it, so start-up does not pay.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = [
    "DIALECT_NAMES", "DialectRead", "OtherDialect", "engine_named", "other_dialect",
    "path_dialect", "read_in_dialect", "sqlite_only",
]

DIALECT_NAMES = {"sqlite": "SQLite", "mysql": "MySQL", "other": "another engine"}


@dataclass(frozen=True)
class _Marker:
    pattern: re.Pattern[str]
    dialects: tuple[str, ...]
    feature: str
    # Anywhere in the statement explains an error after it (not only one inside it).
    anywhere: bool = False


def _m(regex: str, dialects: tuple[str, ...], feature: str, anywhere: bool = False) -> _Marker:
    return _Marker(re.compile(regex, re.IGNORECASE), dialects, feature, anywhere)


_SQLITE = ("sqlite",)
_MYSQL = ("mysql",)
_BOTH = ("sqlite", "mysql")
_MARKERS = (
    _m(r"\bINSERT\s+OR\s+(?:IGNORE|REPLACE|ABORT|FAIL|ROLLBACK)\b", _SQLITE, "INSERT OR …"),
    _m(r"\bREPLACE\s+INTO\b", _BOTH, "REPLACE INTO"),
    _m(r"^\s*PRAGMA\b", _SQLITE, "PRAGMA"),
    _m(r"\bMATCH\b", _SQLITE, "MATCH"),
    _m(r"\bAUTOINCREMENT\b", _SQLITE, "AUTOINCREMENT"),
    _m(r"\bGLOB\b", _SQLITE, "GLOB"),
    _m(r"\bINDEXED\s+BY\b", _SQLITE, "INDEXED BY"),
    _m(r"\bWITHOUT\s+ROWID\b", _SQLITE, "WITHOUT ROWID"),
    _m(r"\bCREATE\s+VIRTUAL\s+TABLE\b", _SQLITE, "CREATE VIRTUAL TABLE"),
    _m(r"\bBEGIN\s+(?:DEFERRED|IMMEDIATE|EXCLUSIVE)\b", _SQLITE, "BEGIN IMMEDIATE"),
    _m(r"\bCREATE\s+(?:TEMP\w*\s+)?TRIGGER\b[^;]*?\bBEGIN\b", _SQLITE, "a trigger body",
       anywhere=True),
    _m(r"\bLIMIT\s+[^\s,;]+\s*,", _BOTH, "LIMIT offset, count"),
    _m(r"`", _BOTH, "backtick quotes", anywhere=True),
    _m(r"\bINSERT\s+IGNORE\b", _MYSQL, "INSERT IGNORE"),
    _m(r"\bON\s+DUPLICATE\s+KEY\b", _MYSQL, "ON DUPLICATE KEY"),
    _m(r"\bENGINE\s*=", _MYSQL, "ENGINE="),
    _m(r"\bUNSIGNED\b", _MYSQL, "UNSIGNED"),
    _m(r"\bAUTO_INCREMENT\b", _MYSQL, "AUTO_INCREMENT"),
)


@dataclass(frozen=True)
class OtherDialect:
    dialect: str
    feature: str

    def reason(self) -> str:
        return f"{DIALECT_NAMES[self.dialect]} SQL ({self.feature})"


def other_dialect(sql: str, error_offset: int, dialects: Sequence[str]) -> OtherDialect | None:
    """The other dialect a statement PostgreSQL rejects at ``error_offset`` is written in."""
    for marker in _MARKERS:
        for m in marker.pattern.finditer(sql):
            if marker.anywhere:
                if error_offset < m.start():
                    continue
            elif not m.start() <= error_offset <= m.end():
                continue
            for dialect in marker.dialects:
                if dialect in dialects and _sqlglot_reads(sql, dialect):
                    return OtherDialect(dialect, marker.feature)
    return None


@lru_cache(maxsize=1024)
def _sqlglot_trees(sql: str, dialect: str) -> tuple[Any, ...] | None:
    """sqlglot's trees of ``sql`` read as ``dialect``; None when it cannot read it."""
    import logging

    import sqlglot  # here: only statements of another dialect pay for it
    from sqlglot.errors import SqlglotError

    logger = logging.getLogger("sqlglot")
    level = logger.level
    logger.setLevel(logging.CRITICAL)  # "falling back to parsing as a Command": expected
    try:
        return tuple(t for t in sqlglot.parse(sql, read=dialect) if t is not None)
    except (SqlglotError, RecursionError, ValueError):
        return None
    finally:
        logger.setLevel(level)


def _sqlglot_reads(sql: str, dialect: str) -> bool:
    return bool(_sqlglot_trees(sql, dialect))


@dataclass(frozen=True)
class DialectRead:
    """Another engine's statement as sqlglot reads it in that engine's dialect."""

    dialect: str
    # The tables it reads or writes, as (name, offset in the statement); [schema.]name
    # folded as that engine folds it. Not the ones it creates, drops or renames to.
    tables: tuple[tuple[str, int], ...]
    creates: tuple[str, ...]

    def checked_as(self) -> str:
        return f"{DIALECT_NAMES[self.dialect]} (syntax and table names)"


def read_in_dialect(sql: str, dialect: str, dialects: Sequence[str]) -> DialectRead | None:
    """``sql`` read by sqlglot as ``dialect`` ("other": each configured other dialect in
    turn), with the tables it names; ``None`` when no such dialect reads it whole."""
    wanted = [dialect] if dialect in DIALECT_NAMES and dialect != "other" else [
        d for d in dialects if d in DIALECT_NAMES and d != "other"]
    for name in wanted:
        read = _read(sql, name)
        if read is not None:
            return read
    return None


def _read(sql: str, dialect: str) -> DialectRead | None:
    from sqlglot import exp

    trees = _sqlglot_trees(sql, dialect)
    if not trees or any(isinstance(t, exp.Command) for t in trees):
        return None  # sqlglot gave up on it and kept the text
    tables: list[tuple[str, int]] = []
    creates: list[str] = []
    for tree in trees:
        ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
        for table in tree.find_all(exp.Table):
            ident = table.this
            if not isinstance(ident, exp.Identifier):
                continue  # a table function: json_each(…), pragma_table_info(…)
            name = ident.name if ident.quoted else ident.name.lower()
            parent = table.parent
            if isinstance(parent, exp.Schema):
                parent = parent.parent
            if isinstance(parent, exp.Create) and str(parent.args.get("kind", "")).upper() in (
                    "TABLE", "VIEW"):
                creates.append(name)
                continue
            if isinstance(parent, (exp.Drop, exp.AlterRename)) or name in ctes:
                continue
            if table.db and table.db.lower() not in ("main", "temp"):  # SQLite's own
                name = f"{table.db.lower()}.{name}"
            if name.startswith(("sqlite_", "pragma_")):
                continue
            start = ident.meta.get("start")
            tables.append((name, int(start) if isinstance(start, int) else 0))
    return DialectRead(dialect, tuple(tables), tuple(creates))


_ROWID = re.compile(r"\b(?:_rowid_|rowid|oid)\b", re.IGNORECASE)
# SQLite's core functions that PostgreSQL has no function of that name for (a call to one
# fails there with "function does not exist"; `substr`, `replace`, `date` are in both).
_SQLITE_FUNCTION = re.compile(
    r"\b(typeof|ifnull|instr|group_concat|strftime|julianday|datetime|unixepoch|printf"
    r"|randomblob|zeroblob|last_insert_rowid|changes|total_changes|likelihood|likely"
    r"|unlikely|iif|sqlite_\w+|json_extract|json_group_array|json_group_object|hex"
    r"|total)\s*\(", re.IGNORECASE)


def sqlite_only(sql: str, dialects: Sequence[str]) -> OtherDialect | None:
    """A statement PostgreSQL parses that reads SQLite's implicit ``rowid`` column or
    calls a function of SQLite's core that PostgreSQL lacks (``typeof(value)``)."""
    if "sqlite" not in dialects:
        return None
    if _ROWID.search(sql):
        return OtherDialect("sqlite", "rowid")
    if (call := _SQLITE_FUNCTION.search(sql)) is not None:
        return OtherDialect("sqlite", f"{call.group(1).lower()}()")
    return None


# Names of engines and dialects as code spells them (`Sqlite3Engine`, `"postgresql"`,
# `USE_POSTGRES`, `is_mysql`).
_ENGINE_WORDS = (
    ("sqlite", re.compile(r"sqlite", re.IGNORECASE)),
    ("postgresql", re.compile(r"postgres|psycopg|(?<![a-z])pg(?![a-z])", re.IGNORECASE)),
    ("mysql", re.compile(r"mysql|mariadb", re.IGNORECASE)),
)


def engine_named(name: str) -> str | None:
    """The dialect a name or string from a branch condition names, if exactly one."""
    found = {dialect for dialect, pattern in _ENGINE_WORDS if pattern.search(name)}
    return found.pop() if len(found) == 1 else None


def path_dialect(path: str) -> str:
    """``schema.sql.sqlite`` is SQLite, ``x.sql.mysql`` MySQL; anything else ""."""
    lowered = path.lower()
    for suffix, dialect in ((".sqlite", "sqlite"), (".sqlite3", "sqlite"), (".mysql", "mysql")):
        if lowered.endswith(suffix):
            return dialect
    return ""
