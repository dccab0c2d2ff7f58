"""SQL embedded in Python: the strings that reach a database call, or plainly are SQL.

Cheap first: one regex over the raw text decides whether a file can hold SQL at all
(most Python files end there). Then stdlib ``ast`` finds the calls that take SQL, the
names bound to SQL strings and the other string candidates; exact positions come from
each literal's own source text (``python_literals``, with libcst splitting f-strings),
placeholders are rewritten (``python_placeholders``) and pglast parses the result.
"""

from __future__ import annotations

import ast
import bisect
import io
import itertools
import re
import tokenize
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from pglast import parser as pg
from pglast.error import Error as PgError

from sqllint.config import Config, SqlFunction
from sqllint.model import OffsetMap, Statement, with_changes
from sqllint.sources import sqlfile
from sqllint.sources.dialects import (
    DIALECT_NAMES,
    engine_named,
    other_dialect,
    read_in_dialect,
    sqlite_only,
)
from sqllint.sources.python_literals import (
    Atom,
    Interp,
    Source,
    format_atoms,
    literal_atoms,
    scan_literals,
)
from sqllint.sources.python_placeholders import (
    DOLLAR_PARAM,
    Pos,
    Rewritten,
    percent_format,
    rewrite,
    segments,
)
from sqllint.sources.templates import substitute_atoms

__all__ = ["noqa_lines", "statements"]

# Methods whose first argument is SQL whatever the receiver (DB-API, psycopg 2/3, asyncpg).
_DBAPI = frozenset({"execute", "executemany", "executescript", "mogrify", "copy_expert"})
# Names also common outside databases: the string must start like SQL to count.
_GUARDED = frozenset({"fetch", "fetchrow", "fetchval", "raw"})
# An interpolated expression that names a value: `clause`, `self.SQL`.
_NAME = re.compile(r"^(?:[A-Za-z_]\w*|self\.[A-Za-z_]\w*|cls\.[A-Za-z_]\w*)$")
_BATCH = frozenset({"execute_values", "execute_batch"})
_PANDAS = frozenset({"read_sql", "read_sql_query"})
_SQL_KEYWORDS = ("sql", "query", "operation", "statement", "stmt")
# Calls whose string arguments are messages, never SQL.
_MESSAGE_CALLS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "print",
     "_", "gettext", "ngettext", "gettext_lazy"}
)

_STARTS_SQL = re.compile(
    r"\s*(?:select|insert|update|delete|with|create|alter|drop)\b", re.IGNORECASE
)
_STRUCTURAL = re.compile(
    r"\b(?:from|into|set|table|values|where|index|view|join|returning|sequence|schema|"
    r"extension|type|column|constraint|function|trigger|materialized)\b",
    re.IGNORECASE,
)
# What a statement handed to a guarded call (``fetch`` …) must start with.
_STATEMENT_START = re.compile(
    r"(?:\s+|--[^\n]*|/\*.*?\*/)*"  # comments may come first
    r"(?:select|insert|update|delete|with|values|table|call|copy|create|alter|drop|"
    r"truncate|merge|explain|show|lock|refresh|vacuum|analyze|grant|revoke|comment|do|"
    r"commit|rollback|savepoint|release\s+savepoint|"
    r"(?:listen|notify|unlisten|reset|deallocate|reindex|cluster)\s+[\w\"*]|"
    r"discard\s+(?:all|plans|sequences|temp)|"
    # words of English too: only with what makes them a statement
    r"declare\s+\w+\s+(?:(?:binary|insensitive|asensitive|no\s+scroll|scroll)\s+)*cursor|"
    r"(?:fetch|move)\s+(?:next|prior|first|last|absolute|relative|forward|backward|all|"
    r"[\d$%:?]|from|in)|close\s+(?:all|\w+)\s*;?\s*$|"
    r"set\s+(?:local\s+|session\s+)?[\w.]+\s*(?:=|to\b)|"
    r"(?:begin|start\s+transaction)\s*(?:;|$|transaction|work|isolation|read))\b",
    re.IGNORECASE | re.DOTALL,
)

# Cheap test of a whole file. A statement keyword in upper or lower case (prose starts
# with a capital: "Update the cache from disk") right after a quote, with a structural
# keyword close behind; or the name of a call that takes SQL.
_KEYWORDS_UPPER = "SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP"
_STRUCTURAL_UPPER = "FROM|INTO|SET|TABLE|VALUES|WHERE|INDEX|VIEW|JOIN|EXTENSION|SCHEMA|TYPE"
_PREFILTER_BASE = (
    rf"""['"]\s*(?:{_KEYWORDS_UPPER}|{_KEYWORDS_UPPER.lower()})\b[\s\S]{{0,400}}?"""
    rf"\b(?:{_STRUCTURAL_UPPER}|{_STRUCTURAL_UPPER.lower()})\b"
    r"|\b(?:execute|executemany|executescript|execute_values|execute_batch|mogrify|copy_expert|"
    r"read_sql|read_sql_query|"
    r"RunSQL|RawSQL|fetch|fetchrow|fetchval|raw|text|SQL)\s*\("
)
# A string reaching no known call is SQL only if its keyword is all upper or all lower case.
_CASED_KEYWORD = re.compile(rf"\s*(?:{_KEYWORDS_UPPER}|{_KEYWORDS_UPPER.lower()})\b")


@lru_cache(maxsize=32)
def _prefilter(functions: tuple[SqlFunction, ...]) -> re.Pattern[str]:
    names = sorted({re.escape(f.pattern.rsplit(".", 1)[-1]) for f in functions if f.pattern})
    extra = rf"|\b(?:{'|'.join(names)})\s*\(" if names else ""
    return re.compile(_PREFILTER_BASE + extra)


def statements(path: str, text: str, config: Config, *, migration: bool = False) -> list[Statement]:
    """Every SQL statement in the Python source ``text``, in source order."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not _prefilter(config.sql_functions).search(text):
        return []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes in the user's code: not ours
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return _Extractor(path, text, config, migration).from_tokens()
    try:
        return _Extractor(path, text, config, migration).run(tree)
    except RecursionError:  # expressions nested thousands deep: read the tokens instead
        return _Extractor(path, text, config, migration).from_tokens()


_QMARK_DRIVERS = frozenset({"sqlite3", "aiosqlite", "pyodbc"})
# Drivers that write parameters into the statement text on the client.
_CLIENT_BINDING = frozenset({"psycopg2", "psycopg2cffi", "pg8000", "pymysql", "MySQLdb",
                             "sqlite3", "aiosqlite", "pyodbc", "web", "records"})
_SQLITE_CONNECT = frozenset({"sqlite3.connect", "aiosqlite.connect", "sqlite3.Connection"})



@lru_cache(maxsize=32)
def _hit_pattern(functions: tuple[SqlFunction, ...]) -> re.Pattern[str]:
    names = sorted({re.escape(f.pattern.rsplit(".", 1)[-1]) for f in functions if f.pattern})
    extra = rf"|\b(?:{'|'.join(names)})\s*\(" if names else ""
    return re.compile(
        rf"""['"]\s*(?:{_KEYWORDS_UPPER}|{_KEYWORDS_UPPER.lower()})\b"""
        r"|\b(?:execute|executemany|executescript|execute_values|execute_batch|mogrify|copy_expert|"
    r"read_sql|read_sql_query|"
        r"RunSQL|RawSQL|fetch|fetchrow|fetchval|raw|text|SQL)\s*\(" + extra
    )


def _hit_lines(text: str, functions: tuple[SqlFunction, ...]) -> list[int]:
    """Sorted 1-based numbers of the lines where something SQL-like starts."""
    lines: list[int] = []
    line = 1
    last = 0
    for m in _hit_pattern(functions).finditer(text):
        line += text.count("\n", last, m.start())
        last = m.start()
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


# --- suppression comments ---------------------------------------------------------------

_CODES = r"[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*"
_NOQA = re.compile(
    rf"#\s*(?:noqa\b(?P<colon>\s*:\s*(?P<codes>{_CODES}))?|"
    rf"sqllint\s*:\s*disable\s*=\s*(?P<disable>{_CODES}))",
    re.IGNORECASE,
)


def noqa_lines(text: str) -> dict[int, frozenset[str]]:
    """1-based line → codes suppressed there; an empty set (bare ``# noqa``) means all."""
    lowered = text.lower()
    if "noqa" not in lowered and "sqllint" not in lowered:
        return {}
    found: dict[int, frozenset[str]] = {}
    line = 1
    last = 0
    for m in _NOQA.finditer(text):
        line += text.count("\n", last, m.start())
        last = m.start()
        codes_text = m.group("codes") or m.group("disable")
        if codes_text is None:
            found[line] = frozenset()
            continue
        codes = frozenset(c.upper() for c in re.split(r"[\s,]+", codes_text) if c)
        if line in found and not found[line]:
            continue  # a bare noqa on the line already suppresses everything
        found[line] = found.get(line, frozenset()) | codes
    return found


# --- extraction ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """A call that takes SQL: where the SQL is, and what it is."""

    origin: str
    arg: int = 0
    keywords: tuple[str, ...] = _SQL_KEYWORDS
    migration: bool = False
    template: bool = False  # psycopg sql.SQL: {} fields are composed in later
    guarded: bool = False
    dbapi: bool = False


@dataclass
class _Binding:
    op: str  # "=" or "+="
    value: ast.expr
    pos: tuple[int, int]
    branches: tuple[tuple[int, str], ...]
    dialect: str = ""  # set in a branch that runs only on another engine


@dataclass
class _Scope:
    kind: str  # module, class, function
    bindings: dict[str, list[_Binding]]
    parent: _Scope | None
    owner: _Scope | None = None  # for a method: its class's scope
    name: str = ""
    key: str = ""  # a function's session key (its temporary tables live until it ends)


@dataclass
class _Built:
    key: tuple[int, ...]
    atoms: list[Atom]
    nodes: list[ast.AST] = field(default_factory=list)
    dialect: str = ""


class _Extractor:
    def __init__(self, path: str, text: str, config: Config, migration: bool) -> None:
        self.path = path
        self.src = Source(text)
        self.config = config
        self.migration = migration
        self.imports: dict[str, str] = {}
        self.qmark = False
        self.server_binding = False
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.module_scope = _Scope("module", {}, None)
        self.consumed: set[int] = set()
        self.emitted: set[tuple[int, ...]] = set()
        self.found: list[tuple[tuple[int, int], int, Statement]] = []
        self.creates: set[str] = set()  # tables the module creates (any dialect)
        self.candidates: list[tuple[ast.expr, str, str]] = []
        self.hits = _hit_lines(text, config.sql_functions)

    # .. driving

    def run(self, tree: ast.Module) -> list[Statement]:
        self._collect_imports(tree)
        self.functions = {n.name: n for n in tree.body
                          if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
        # psycopg 3 sends parameters to the server (unless a ClientCursor binds them):
        # a utility statement such as `SET x TO %s` then fails at `$1`.
        drivers = {full.split(".")[0] for full in self.imports.values()}
        self.server_binding = ("psycopg" in drivers and not drivers & _CLIENT_BINDING
                               and "ClientCursor" not in self.src.text)
        module = self.module_scope = _Scope("module", _bindings(tree.body), None)
        self._walk(tree, module)
        for node, dialect, key in self.candidates:
            if id(node) not in self.consumed:
                self._heuristic(node, dialect, key)
        return self._result()

    def _result(self) -> list[Statement]:
        self.found.sort(key=lambda item: (item[0], item[1]))
        # Another engine's statements may use the tables the module creates, in any of
        # its functions (a SQLite branch's work table).
        return [
            with_changes(stmt, dialect_tables=tuple(
                t for t in stmt.dialect_tables if t[0] not in self.creates))
            if any(t[0] in self.creates for t in stmt.dialect_tables) else stmt
            for _, _, stmt in self.found
        ]

    def _collect_imports(self, tree: ast.Module) -> None:
        stack: list[ast.stmt] = list(tree.body)
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        self.imports[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".")[0]
                        self.imports[head] = head
                    if alias.name.split(".")[0] in _QMARK_DRIVERS:
                        self.qmark = True
            elif isinstance(node, ast.ImportFrom):
                if node.module and node.module.split(".")[0] in _QMARK_DRIVERS:
                    self.qmark = True

                for alias in node.names:
                    self.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            else:
                for name in ("body", "orelse", "finalbody", "handlers"):
                    block = getattr(node, name, None)
                    if isinstance(block, list):
                        stack.extend(block)

    def _hit(self, node: ast.stmt) -> bool:
        """Whether a statement's lines hold a quoted SQL keyword or a SQL call's name."""
        index = bisect.bisect_left(self.hits, node.lineno)
        end = node.end_lineno or node.lineno
        return index < len(self.hits) and self.hits[index] <= end

    def _walk(self, root: ast.AST, scope: _Scope) -> None:
        """Visit every node once (iteratively: generated code nests deeply), scope-aware.

        Each node carries the dialect of the branch it sits in ("" for PostgreSQL or
        unknown; ``if isinstance(engine, Sqlite3Engine):`` makes its body "sqlite").
        """
        stack: list[tuple[ast.AST, _Scope, bool, str]] = [(root, scope, False, "")]
        while stack:
            node, scope, quiet, dialect = stack.pop()
            if isinstance(node, ast.stmt) and not self._hit(node):
                continue  # nothing that can be SQL in these lines: skip the subtree
            children: list[tuple[ast.AST, _Scope, bool, str]] = []
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inner = _Scope(
                    "function",
                    _bindings(node.body),
                    scope,
                    owner=scope if scope.kind == "class" else scope.owner,
                    name=node.name,
                    key=f"{scope.key}/{node.name}:{node.lineno}",
                )
                children = [(n, scope, quiet, dialect) for n in node.decorator_list]
                children += [(n, scope, quiet, dialect) for n in _defaults(node.args)]
                children += [(n, inner, quiet, guard or dialect)
                             for n, guard in zip(node.body, _after_guards(node.body),
                                                 strict=True)]
            elif isinstance(node, ast.ClassDef):
                inner = _Scope("class", _bindings(node.body), scope, name=node.name,
                               key=scope.key)
                children = [(n, scope, quiet, dialect)
                            for n in (*node.decorator_list, *node.bases)]
                children += [(n, inner, quiet, dialect) for n in node.body]
            elif isinstance(node, ast.If):
                body, orelse = _branch_dialects(node.test)
                children = [(node.test, scope, quiet, dialect)]
                children += [(n, scope, quiet, body or dialect) for n in node.body]
                children += [(n, scope, quiet, orelse or dialect) for n in node.orelse]
            elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
                continue  # docstrings and bare string statements are prose
            elif _is_string_expr(node):
                assert isinstance(node, ast.expr)
                if not quiet:
                    self.candidates.append((node, dialect, scope.key))
                if isinstance(node, ast.Call):  # "…".format(args): args may hold calls
                    children = [(n, scope, quiet, dialect) for n in node.args]
            else:
                if isinstance(node, ast.Call):
                    self._call(node, scope, dialect)
                    quiet = quiet or _dotted(node.func).rsplit(".", 1)[-1] in _MESSAGE_CALLS
                elif isinstance(node, ast.Raise):
                    quiet = True
                children = [(n, scope, quiet, dialect) for n in ast.iter_child_nodes(node)]
            stack.extend(reversed(children))

    # .. calls

    def _call(self, call: ast.Call, scope: _Scope, dialect: str = "") -> None:
        target = self._target(call)
        if target is None:
            return
        # The database is the connection's, whatever the text.
        connection = (not dialect and not target.migration
                      and isinstance(call.func, ast.Attribute)
                      and self._on_sqlite(call.func.value, scope, 0))
        if target.migration:
            # The reverse of a migration is not a step of it: the catalog must not apply it.
            undo = [kw.value for kw in call.keywords if kw.arg == "reverse_sql"]
            if _in_downgrade(scope):
                undo = [call]
            elif target.origin.endswith("RunSQL") and len(call.args) > 1:
                undo.append(call.args[1])
            for expr in undo:
                self.consumed.update(id(n) for n in ast.walk(expr))
            if _in_downgrade(scope):
                return
        func = call.func
        if target.template and isinstance(func, ast.Attribute) and func.attr == "format":
            exprs: list[ast.expr] = [call]  # sql.SQL("…").format(…): with its fields
        else:
            exprs = self._arguments(call, target)
        for expr in exprs:
            for built in self._resolve(expr, scope, call, target.template, 0):
                built = _Built(built.key, self._splice(built.atoms, scope, call, 0),
                               built.nodes, built.dialect)
                if connection:
                    self._emit(built, target, "sqlite", scope.key,
                               why="run on a SQLite connection")
                else:
                    self._emit(built, target, built.dialect or dialect, scope.key)

    def _on_sqlite(self, expr: ast.expr, scope: _Scope, depth: int) -> bool:
        """Is ``expr`` a SQLite connection or cursor: ``sqlite3.connect(…)``, its
        ``.cursor()``, or a name (``self.x``) bound to one in scope?"""
        if depth > 8:
            return False
        if isinstance(expr, ast.Call):
            func = expr.func
            if isinstance(func, ast.Attribute) and func.attr == "cursor":
                return self._on_sqlite(func.value, scope, depth + 1)
            resolved = self._resolve_import(_dotted(func))
            if resolved == "contextlib.closing" and expr.args:  # with closing(connect(…))
                return self._on_sqlite(expr.args[0], scope, depth + 1)
            return resolved in _SQLITE_CONNECT
        if isinstance(expr, ast.Await):
            return self._on_sqlite(expr.value, scope, depth + 1)
        owner: _Scope | None = scope
        name = ""
        if isinstance(expr, ast.Name):
            name = expr.id
        elif isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            owner, name = _class_scope(scope, expr.value.id), expr.attr
        while owner is not None and name:
            bound = owner.bindings.get(name)
            if bound:
                return all(b.op == "=" and self._on_sqlite(b.value, owner, depth + 1)
                           for b in bound)
            owner = owner.parent
        return False

    def _splice(self, atoms: list[Atom], scope: _Scope, at: ast.AST, depth: int) -> list[Atom]:
        """Interpolated names bound to SQL text in scope, written in: ``sql % (clause,)``
        with ``clause = "… FROM sgs"``, ``f"{cte} SELECT …"``. The binding that reaches
        the use is the last one before it (its first path through any branches)."""
        if depth > 2 or not any(isinstance(a, Interp) for a in atoms):
            return atoms
        out: list[Atom] = []
        for atom in atoms:
            if isinstance(atom, Interp) and _NAME.match(atom.text):
                head, _, attr = atom.text.partition(".")
                owner = _class_scope(scope, head) if attr else scope
                found = self._reaching(attr or head, owner, None if attr else at)
                if found is not None:
                    binding, built = found
                    where = ast.Pass(lineno=binding.pos[0], col_offset=binding.pos[1])
                    out.extend(self._splice(built.atoms, scope, where, depth + 1))
                    continue
            elif isinstance(atom, Interp) and (text := _constant_text(atom.text)) is not None:
                out.extend((ch, atom.line, atom.column, True) for ch in text)
                continue
            out.append(atom)
        return out

    def _reaching(
        self, name: str, scope: _Scope | None, at: ast.AST | None
    ) -> tuple[_Binding, _Built] | None:
        """The last string binding of ``name`` before ``at`` and its text."""
        where = (at.lineno, at.col_offset) if isinstance(at, (ast.expr, ast.stmt)) else None
        current = scope
        while current is not None:
            bindings = current.bindings.get(name)
            if bindings and not (current.kind == "class" and current is not scope):
                local = where if current is scope else None
                usable = [b for b in bindings if local is None or b.pos < local]
                starts = [i for i, b in enumerate(usable) if b.op == "="]
                if not starts:
                    return None
                last = usable[starts[-1]]
                if last.branches and any(
                        not _makes_text(usable[i].value) for i in starts[:-1]):
                    # Another path binds it to a value not known here: a stand-in, and
                    # its texts are parts of this statement, not statements of their own.
                    for b in usable:
                        self.consumed.update(id(n) for n in ast.walk(b.value))
                    return None
                chain = usable[starts[-1] :]
                built = self._from_bindings(chain, None, current, False, 3)
                return (chain[0], built[0]) if built else None
            current = current.parent
        return None

    def _target(self, call: ast.Call) -> _Target | None:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "format":
            # sql.SQL("…").format(…) is the composed statement: the template's target.
            inner = self._target(func.value) if isinstance(func.value, ast.Call) else None
            return inner if inner is not None and inner.template else None
        dotted = _dotted(call.func)
        if not dotted:
            return None
        resolved = self._resolve_import(dotted)
        for fn in self.config.sql_functions:
            if _matches(fn.pattern, dotted) or _matches(fn.pattern, resolved):
                # `*.run` also names subprocess.run: what it takes must start like SQL.
                return _Target(dotted, fn.arg, _SQL_KEYWORDS if fn.arg == 0 else (),
                               guarded=fn.pattern.startswith("*."))
        last = dotted.rsplit(".", 1)[-1]
        attribute = isinstance(call.func, ast.Attribute)
        if last in _BATCH:
            # psycopg2.extras.execute_values(cur, sql, rows); a wrapper method
            # (txn.execute_values(sql, rows)) takes the SQL first.
            function = not attribute or resolved.startswith("psycopg2.") or (
                dotted.startswith("extras.")
            )
            return _Target(dotted, arg=1 if function else 0, keywords=("sql",), dbapi=True)
        if attribute and last in _DBAPI:
            if dotted == "op.execute" or resolved.endswith("alembic.op.execute"):
                return _Target("op.execute", keywords=("sqltext", "sql"), migration=True)
            return _Target(dotted, dbapi=True)
        if last == "RunSQL":
            return _Target(dotted, keywords=("sql",), migration=True)
        if last == "RawSQL":
            return _Target(dotted)
        if last == "text" and (resolved.startswith("sqlalchemy.") or dotted == "sa.text"):
            return _Target("sqlalchemy.text", keywords=("text",))
        if last == "SQL" and (dotted == "sql.SQL" or resolved.startswith("psycopg")):
            return _Target(resolved if resolved.startswith("psycopg") else dotted, template=True,
                           guarded=True)  # SQL(",") and other parts are fragments
        if last in _PANDAS and (attribute or resolved.startswith("pandas.")):
            return _Target(resolved, keywords=("sql",))
        if attribute and last in _GUARDED:
            if last == "raw" and dotted.endswith("objects.raw"):
                return _Target(dotted, keywords=("raw_query",))
            return _Target(dotted, guarded=True)
        return None

    def _resolve_import(self, dotted: str) -> str:
        head, _, rest = dotted.partition(".")
        full = self.imports.get(head)
        if full is None:
            return dotted
        return f"{full}.{rest}" if rest else full

    @staticmethod
    def _arguments(call: ast.Call, target: _Target) -> list[ast.expr]:
        for kw in call.keywords:
            if kw.arg is not None and kw.arg in target.keywords:
                return [kw.value]
        args = call.args
        for arg in args[: target.arg + 1]:
            if isinstance(arg, ast.Starred):
                return []
        return [args[target.arg]] if len(args) > target.arg else []

    # .. from an expression to SQL text

    def _resolve(
        self, expr: ast.expr, scope: _Scope, at: ast.AST, template: bool, depth: int
    ) -> list[_Built]:
        """The SQL texts ``expr`` can hold where ``at`` uses it (names followed to strings)."""
        if depth > 6:
            return []
        self.consumed.add(id(expr))
        if isinstance(expr, ast.Name):
            return self._resolve_name(expr.id, scope, at, template, depth)
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            owner = _class_scope(scope, expr.value.id)
            if owner is not None:
                return self._resolve_name(expr.attr, owner, None, template, depth)
            return []
        if isinstance(expr, ast.IfExp):
            body, orelse = _branch_dialects(expr.test)
            return [
                _Built(b.key, b.atoms, b.nodes, b.dialect or dialect)
                for branch, dialect in ((expr.body, body), (expr.orelse, orelse))
                for b in self._resolve(branch, scope, at, template, depth + 1)
            ]
        if (
            isinstance(expr, ast.BinOp)
            and isinstance(expr.op, ast.Add)
            and not _is_literal(expr)
        ):
            # `sql + clause`, `base + " WHERE " + where`: the head's SQL, the rest after it.
            operands = _flatten_add(expr)
            heads = self._resolve(operands[0], scope, at, template, depth + 1)
            if heads:
                tail: list[Atom] = []
                for operand in operands[1:]:
                    self.consumed.add(id(operand))
                    piece = self._string(operand, template) if _is_literal(operand) else None
                    tail += piece if piece is not None else [self._interp(operand)]
                return [
                    _Built((*b.key, id(expr)), b.atoms + tail, b.nodes, b.dialect)
                    for b in heads
                ]
        if isinstance(expr, (ast.List, ast.Tuple)):
            built: list[_Built] = []
            for elt in expr.elts:
                if isinstance(elt, ast.Tuple) and elt.elts:
                    elt = elt.elts[0]
                built += self._resolve(elt, scope, at, template, depth + 1)
            return built
        if isinstance(expr, ast.Call):
            func = expr.func
            composed = isinstance(func, ast.Attribute) and func.attr == "format"
            inner = None if composed else self._target(expr)
            if inner is not None and (inner.template or inner.origin == "sqlalchemy.text"):
                found: list[_Built] = []
                for arg in self._arguments(expr, inner):
                    found += self._resolve(arg, scope, at, inner.template, depth + 1)
                return found
            func = expr.func
            if isinstance(func, ast.Attribute) and func.attr == "format":
                receiver = func.value
                if isinstance(receiver, ast.Call):
                    names = _format_names(expr, self.src)
                    fills = _format_fills(expr)
                    return [
                        _Built(b.key, _rename(_fill(b.atoms, fills), names), b.nodes,
                               b.dialect)
                        for b in self._resolve(receiver, scope, at, template, depth + 1)
                    ]
                if isinstance(receiver, (ast.Name, ast.Attribute)):
                    names = _format_names(expr, self.src)
                    fills = _format_fills(expr)
                    return [
                        _Built(b.key, _rename(_fill(format_atoms(b.atoms), fills), names),
                               b.nodes, b.dialect)
                        for b in self._resolve(receiver, scope, at, False, depth + 1)
                    ]
            if isinstance(func, ast.Name) and func.id in self.functions:
                # `execute(build(owners))`: what the module's own function returns.
                fn = self.functions[func.id]
                inner_scope = _Scope("function", _bindings(fn.body), self.module_scope,
                                     name=fn.name, key=f"/{fn.name}:{fn.lineno}")
                returned: list[_Built] = []
                for ret in _returns(fn):
                    returned += [
                        _Built(b.key, self._splice(b.atoms, inner_scope, ret, 0), b.nodes,
                               b.dialect)
                        for b in self._resolve(ret, inner_scope, ret, template, depth + 1)]
                return returned
        if (
            isinstance(expr, ast.BinOp)
            and isinstance(expr.op, ast.Mod)
            and isinstance(expr.left, (ast.Name, ast.Attribute))
        ):
            positional, named = _percent_args(expr.right, self.src)
            return [
                _Built(b.key, percent_format(b.atoms, positional, named), b.nodes, b.dialect)
                for b in self._resolve(expr.left, scope, at, False, depth + 1)
            ]
        atoms = self._string(expr, template)
        if atoms is None:
            return []
        return [_Built((id(expr),), atoms, [expr])]

    def _resolve_name(
        self, name: str, scope: _Scope, at: ast.AST | None, template: bool, depth: int
    ) -> list[_Built]:
        where = (at.lineno, at.col_offset) if isinstance(at, (ast.expr, ast.stmt)) else None
        current: _Scope | None = scope
        while current is not None:
            if current.kind == "class" and current is not scope:
                current = current.parent  # methods do not see class names unqualified
                continue
            bindings = current.bindings.get(name)
            if bindings:
                local = where if current is scope else None
                return self._from_bindings(bindings, local, current, template, depth)
            current = current.parent
        return []

    def _from_bindings(
        self,
        bindings: list[_Binding],
        before: tuple[int, int] | None,
        scope: _Scope,
        template: bool,
        depth: int,
    ) -> list[_Built]:
        usable = [b for b in bindings if before is None or b.pos < before]
        result: list[_Built] = []
        for index, binding in enumerate(usable):
            if binding.op != "=":
                continue
            later = list(itertools.takewhile(lambda b: b.op != "=", usable[index + 1 :]))
            self.consumed.add(id(binding.value))
            heads = self._resolve(binding.value, scope, binding.value, template, depth + 1)
            for head in heads:
                for additions in _paths(later):
                    atoms = list(head.atoms)
                    key = list(head.key)
                    for extra in additions:
                        self.consumed.add(id(extra.value))
                        piece = self._string(extra.value, template)
                        if piece is None:
                            piece = [self._interp(extra.value)]
                        atoms += piece
                        key.append(id(extra.value))
                    dialect = head.dialect or binding.dialect
                    result.append(_Built(tuple(key), atoms, head.nodes, dialect))
        return result

    def _interp(self, expr: ast.expr) -> Interp:
        start = self.src.offset(expr.lineno, expr.col_offset)
        end_line = expr.end_lineno or expr.lineno
        end = self.src.offset(end_line, expr.end_col_offset or 0)
        line, col = self.src.position(start)
        return Interp(self.src.text[start:end], line, col)

    def _string(self, expr: ast.expr, template: bool) -> list[Atom] | None:
        """Atoms of a string-valued expression written with literals, or None."""
        if isinstance(expr, ast.Constant):
            if not isinstance(expr.value, (str, bytes)):
                return None
            return self._literal(expr, template)
        if isinstance(expr, ast.JoinedStr):
            return self._literal(expr, template)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            operands = _flatten_add(expr)
            pieces: list[Atom] = []
            any_string = False
            for operand in operands:
                part = self._string(operand, template) if _is_literal(operand) else None
                if part is None:
                    pieces.append(self._interp(operand))
                else:
                    any_string = True
                    pieces += part
            return pieces if any_string else None
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod) and _is_literal(expr.left):
            left = self._string(expr.left, False)
            if left is None:
                return None
            positional, named = _percent_args(expr.right, self.src)
            return percent_format(left, positional, named)
        if (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and expr.func.attr == "format"
            and _is_literal(expr.func.value)
        ):
            receiver = self._string(expr.func.value, True)
            if receiver is None:
                return None
            return _rename(_fill(receiver, _format_fills(expr)), _format_names(expr, self.src))
        return None

    def _literal(self, expr: ast.expr, template: bool) -> list[Atom] | None:
        start = self.src.offset(expr.lineno, expr.col_offset)
        end = self.src.offset(expr.end_lineno or expr.lineno, expr.end_col_offset or 0)
        literals = scan_literals(self.src.text, start, end)
        if not literals:
            return None
        atoms: list[Atom] = []
        for lit in literals:
            part = literal_atoms(self.src, lit, format_fields=template)
            if part is None:
                return None
            atoms += part
        return atoms

    # .. strings that reach no known call

    def _heuristic(self, node: ast.expr, dialect: str = "", scope: str = "") -> None:
        static = _static_text(node)
        if static is None or not _CASED_KEYWORD.match(static) or not _STRUCTURAL.search(static):
            return
        atoms = self._string(node, False)
        if atoms is None:
            return
        self._emit(_Built((id(node),), atoms, [node]), None, dialect, scope)

    # .. from atoms to Statements

    def _emit(
        self, built: _Built, target: _Target | None, dialect: str = "", scope: str = "",
        why: str = "",
    ) -> None:
        if built.key in self.emitted or not built.atoms:
            return
        self.emitted.add(built.key)
        if target is not None and target.guarded:
            text = "".join(a[0] if isinstance(a, tuple) else "x" for a in built.atoms)
            if not _STATEMENT_START.match(text):
                return
        atoms = _expand_values(substitute_atoms(built.atoms, self.config.placeholders))
        migration = self.migration or (target is not None and target.migration)
        # sqlite3 code is SQLite: its SQL is that dialect's even when not configured.
        dialects = (*self.config.dialects, "sqlite") if self.qmark else self.config.dialects
        for part in self._parse_best(atoms):
            node, unchecked, part_dialect = part.node, "", dialect
            if part_dialect:
                node = None
                unchecked = why or f"in a branch for {DIALECT_NAMES[part_dialect]}"
            elif part.error is not None:
                if target is None:
                    continue  # not known to be SQL
                other = other_dialect(part.sql, part.error_offset, dialects)
                if other is not None:
                    part_dialect, unchecked = other.dialect, other.reason()
                elif self.qmark and target.dbapi:
                    part_dialect = "sqlite"
                    unchecked = "SQLite SQL (sqlite3 code)"
                elif part.interpolated and part.error_offset >= part.interpolated[0]:
                    # The unknown interpolated text may be what it lacks.
                    unchecked = _why_unchecked(part)
            elif (only := sqlite_only(part.sql, dialects)) is not None:
                node, part_dialect, unchecked = None, only.dialect, only.reason()
            if node is None and part.error is None and not unchecked:
                continue
            checked_as = ""
            tables: tuple[tuple[str, int], ...] = ()
            if part_dialect and (read := read_in_dialect(part.sql, part_dialect,
                                                         dialects)) is not None:
                part_dialect, checked_as = read.dialect, read.checked_as()
                tables = tuple(t for t in read.tables if not t[0].startswith("{"))
                self.creates.update(read.creates)
            elif node is not None and (created := _created_table(node)):
                self.creates.add(created)
            stmt = Statement(
                path=self.path,
                sql=part.sql,
                offsets=OffsetMap(tuple(segments(part.sql, part.positions))),
                kind=sqlfile.classify(node, migration),
                origin=target.origin if target is not None else self.path,
                node=node,
                error=part.error,
                error_offset=part.error_offset,
                migration=migration,
                dynamic=part.dynamic,
                params=part.params,
                dialect=part_dialect,
                unchecked=unchecked,
                scope=scope,
                checked_as=checked_as,
                dialect_tables=tables,
            )
            start = part.positions[0] if part.positions else ("", 0, 0, False)
            self.found.append(((start[1], start[2]), len(self.found), stmt))

    def _parse_best(self, atoms: list[Atom]) -> list[_Part]:
        """The statements of a string, with the stand-ins that make most of them parse.

        Each unknown interpolation is first a parameter (a value, a boolean clause, a
        list), then an identifier, then nothing (an optional clause). Driver parameters
        of a utility statement are filled in by the client: a literal stands there.
        """
        first = _parse_all(rewrite(atoms, qmark=self.qmark, identifiers=False))
        chosen = first
        if any(p.error is not None for p in first) and _has_substitutions(first):
            blank: list[Atom] = [
                (" ", a.line, a.column, True) if isinstance(a, Interp) else a for a in atoms
            ]
            for attempt in (
                _parse_all(rewrite(atoms, qmark=self.qmark, identifiers=True)),
                _parse_all(rewrite(blank, qmark=self.qmark, identifiers=False)),
            ):
                if sum(p.error is None for p in attempt) > sum(p.error is None for p in chosen):
                    chosen = attempt
        # psycopg2 and most DB-API drivers write values into the text on the client,
        # where `SET x TO %s` and `IS NOT %(flag)s` are SQL: a literal stands there.
        unfilled = {i for i, p in enumerate(chosen)
                    if p.params and not _prepares(p) and not self.server_binding}
        for literal in ("1", "'x'", "TRUE") if unfilled else ():
            filled = _parse_all(rewrite(atoms, qmark=self.qmark, identifiers=False,
                                        literal=literal))
            if len(filled) != len(chosen):
                break
            for i in sorted(unfilled):
                if filled[i].error is None:
                    chosen[i] = filled[i]
                    unfilled.discard(i)
        if self.server_binding:
            # The server parses a utility statement's `$1` as PostgreSQL does, not as
            # pglast's more lenient grammar: "syntax error at or near "$1"".
            for i, part in enumerate(chosen):
                param = DOLLAR_PARAM.search(part.sql) if part.node is not None else None
                if param is not None and part.params and not _prepares(part):
                    chosen[i] = replace(part, node=None, error_offset=param.start(),
                                        error=f'syntax error at or near "{param.group()}"')
        return chosen

    # .. a file ast cannot read

    def from_tokens(self) -> list[Statement]:
        """Statements that look like SQL among the tokens of a file with a syntax error."""
        groups: list[tuple[int, int]] = []
        joinable = False
        try:
            for tok in tokenize.generate_tokens(io.StringIO(self.src.text).readline):
                if tok.type == tokenize.STRING:
                    start = self.src.offset(tok.start[0], 0) + tok.start[1]
                    end = self.src.offset(tok.end[0], 0) + tok.end[1]
                    if joinable:
                        groups[-1] = (groups[-1][0], end)
                    else:
                        groups.append((start, end))
                    joinable = True
                elif tok.type not in (tokenize.NL, tokenize.COMMENT):
                    joinable = False
        except (tokenize.TokenError, SyntaxError, ValueError, RecursionError):
            pass
        for start, end in groups:
            literals = scan_literals(self.src.text, start, end)
            if not literals or any("f" in lit.prefix for lit in literals):
                continue
            atoms: list[Atom] = []
            for lit in literals:
                part = literal_atoms(self.src, lit)
                if part is None:
                    break
                atoms += part
            else:
                static = "".join(a[0] for a in atoms if isinstance(a, tuple))
                if _CASED_KEYWORD.match(static) and _STRUCTURAL.search(static):
                    self._emit(_Built((start,), atoms), None)
        return self._result()


def _prepares(part: _Part) -> bool:
    """Whether the server takes parameters in this statement (it does in queries only)."""
    return part.node is not None and next(iter(part.node)) in _PARAMETERISED


_PARAMETERISED = frozenset({*sqlfile.QUERY_NODES, "DeclareCursorStmt", "ExplainStmt",
                            "CopyStmt"})


def _why_unchecked(part: _Part) -> str:
    """Which interpolation stands where the statement stopped parsing."""
    before = [t for at, t in zip(part.interpolated, part.interpolated_texts, strict=False)
              if at <= part.error_offset]
    expr = before[-1] if before else part.interpolated_texts[0]
    return f"the text interpolated from {{{expr}}} decides whether it parses ({part.error})"


@dataclass(frozen=True)
class _Part:
    sql: str
    positions: list[Pos]
    node: dict[str, Any] | None
    error: str | None
    error_offset: int
    dynamic: tuple[str, ...]
    params: tuple[str, ...]
    interpolated: tuple[int, ...]
    interpolated_texts: tuple[str, ...] = ()


def _parse_all(rewritten: Rewritten) -> list[_Part]:
    """Split a string into its statements and parse each."""
    sql = rewritten.sql
    parts: list[_Part] = []
    for start, stop in _split(sql):
        text = sql[start:stop]
        node, error, error_offset = sqlfile.parse(text)
        parts.append(
            _Part(
                text,
                rewritten.positions[start:stop],
                node,
                error,
                error_offset,
                tuple(d for at, d in rewritten.dynamic if start <= at < stop),
                rewritten.params,
                tuple(i - start for i in rewritten.interpolated if start <= i < stop),
                tuple(t for i, t in zip(rewritten.interpolated, rewritten.interpolated_texts,
                                        strict=False) if start <= i < stop),
            )
        )
    return parts


def _split(sql: str) -> list[tuple[int, int]]:
    """Character spans of the statements of ``sql``, cut at ``;`` tokens.

    pglast's scanner, not ``split(with_parser=False)``: that one drops a piece that
    does not start with a keyword, and text handed to ``execute`` must be reported
    even when it is not SQL at all.
    """
    try:
        tokens = pg.scan(sql)
    except PgError:
        stripped = sql.strip()
        start = sql.find(stripped[:1]) if stripped else 0
        return [(start, start + len(stripped))] if stripped else []
    spans: list[tuple[int, int]] = []
    first = -1
    last = -1
    for tok in tokens:
        if tok.name == "ASCII_59":
            if first >= 0:
                spans.append((first, last + 1))
            first = -1
        else:
            if first < 0:
                first = tok.start
            last = tok.end
    if first >= 0:
        spans.append((first, last + 1))
    return spans


def _has_substitutions(parts: list[_Part]) -> bool:
    return any(p.interpolated or p.params for p in parts)


# --- ast helpers ----------------------------------------------------------------------------


def _bindings(body: list[ast.stmt]) -> dict[str, list[_Binding]]:
    """Assignments of names in one scope's statements (nested defs excluded), in order."""
    found: dict[str, list[_Binding]] = {}
    Branches = tuple[tuple[int, str], ...]
    stack: list[tuple[list[ast.stmt], Branches, str]] = [(body, (), "")]
    ordered: list[tuple[str, _Binding]] = []
    while stack:
        stmts, branches, outer = stack.pop()
        for stmt, guard in zip(stmts, _after_guards(stmts), strict=True):
            dialect = guard or outer
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        value = stmt.value
                        if (
                            isinstance(value, ast.BinOp)
                            and isinstance(value.op, ast.Add)
                            and isinstance(value.left, ast.Name)
                            and value.left.id == target.id
                        ):
                            op, value = "+=", value.right
                        else:
                            op = "="
                        ordered.append(
                            (target.id, _Binding(op, value, _pos(stmt), branches, dialect))
                        )
                    elif isinstance(target, (ast.Tuple, ast.List)):
                        # `schema, name = full.split(".")`: bound, to a value not known here
                        for elt in target.elts:
                            if isinstance(elt, ast.Name):
                                ordered.append((elt.id, _Binding(
                                    "=", stmt.value, _pos(stmt), branches, dialect)))
            elif isinstance(stmt, ast.AnnAssign):
                if isinstance(stmt.target, ast.Name) and stmt.value is not None:
                    ordered.append(
                        (stmt.target.id,
                         _Binding("=", stmt.value, _pos(stmt), branches, dialect))
                    )
            elif isinstance(stmt, ast.AugAssign):
                if isinstance(stmt.target, ast.Name) and isinstance(stmt.op, ast.Add):
                    ordered.append(
                        (stmt.target.id,
                         _Binding("+=", stmt.value, _pos(stmt), branches, dialect))
                    )
            elif isinstance(stmt, ast.If):
                body_dialect, else_dialect = _branch_dialects(stmt.test)
                stack.append(
                    (stmt.body, (*branches, (id(stmt), "body")), body_dialect or dialect)
                )
                stack.append(
                    (stmt.orelse, (*branches, (id(stmt), "else")), else_dialect or dialect)
                )
            elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
                stack.append((stmt.body, branches, dialect))
                stack.append((stmt.orelse, branches, dialect))
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                for item in stmt.items:  # `with sqlite3.connect(p) as conn:`
                    if isinstance(item.optional_vars, ast.Name):
                        ordered.append((item.optional_vars.id, _Binding(
                            "=", item.context_expr, _pos(stmt), branches, dialect)))
                stack.append((stmt.body, branches, dialect))
            elif isinstance(stmt, (ast.Try, ast.TryStar)):
                # The try body and each handler are alternatives (as an if's arms are).
                tried = (*branches, (id(stmt), "try"))
                stack.append((stmt.body, tried, dialect))
                for n, handler in enumerate(stmt.handlers):
                    stack.append((handler.body, (*branches, (id(stmt), f"except{n}")), dialect))
                stack.append((stmt.orelse, tried, dialect))
                stack.append((stmt.finalbody, branches, dialect))
            elif isinstance(stmt, ast.Match):
                for case in stmt.cases:
                    stack.append((case.body, branches, dialect))
    ordered.sort(key=lambda item: item[1].pos)
    for name, binding in ordered:
        found.setdefault(name, []).append(binding)
    return found


def _after_guards(body: list[ast.stmt]) -> list[str]:
    """The dialect each statement of a block runs on, from the guards before it:
    after ``if not isinstance(engine, Sqlite3Engine): return`` the rest is SQLite's."""
    out: list[str] = []
    rest = ""
    for stmt in body:
        out.append(rest)
        if (
            isinstance(stmt, ast.If)
            and not stmt.orelse
            and isinstance(stmt.body[-1], (ast.Return, ast.Raise, ast.Continue, ast.Break))
        ):
            rest = _branch_dialects(stmt.test)[1] or rest
    return out


def _branch_dialects(test: ast.expr) -> tuple[str, str]:
    """The dialects of an ``if``'s body and else branch, from its condition.

    A condition that names one engine (``isinstance(db, Sqlite3Engine)``,
    ``engine.name == "sqlite"``, ``USE_POSTGRES``) tells both: the body runs on that
    engine, the else branch on another. "" is PostgreSQL or unknown: checked as ever.
    A capability test (``engine.supports_returning``) names no engine: ("", "").
    """
    negated = False
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        negated = not negated
        test = test.operand
    named: str | None = None
    if isinstance(test, ast.Call) and _dotted(test.func) == "isinstance" and len(test.args) == 2:
        kinds = test.args[1]
        elts = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
        found = {engine_named(_dotted(e)) for e in elts}
        named = found.pop() if len(found) == 1 else None
    elif isinstance(test, ast.Compare) and len(test.ops) == 1:
        texts = [
            e.value for e in (test.left, *test.comparators)
            if isinstance(e, ast.Constant) and isinstance(e.value, str)
        ]
        if len(texts) == 1:
            named = engine_named(texts[0])
            if isinstance(test.ops[0], (ast.NotEq, ast.IsNot, ast.NotIn)):
                negated = not negated
    elif isinstance(test, (ast.Name, ast.Attribute)):
        named = engine_named(_dotted(test).rsplit(".", 1)[-1])
    if named is None:
        return "", ""
    body, orelse = ("", "other") if named == "postgresql" else (named, "")
    return (orelse, body) if negated else (body, orelse)


_MAX_PATHS = 8


def _paths(additions: list[_Binding]) -> list[list[_Binding]]:
    """The ``+=`` additions each path through the branches takes, longest path first.

    ``if types: sql += " AND type = ?" else: sql += " AND processed"`` gives two
    statements; an addition outside any branch is on every path. At most 8 paths.
    """
    paths: list[tuple[list[_Binding], dict[int, str]]] = [([], {})]
    for extra in additions:
        grown: list[tuple[list[_Binding], dict[int, str]]] = []
        for taken, sides in paths:
            chosen = [sides.get(n) for n, _ in extra.branches]
            if any(c is not None and c != side for c, (_, side) in zip(chosen, extra.branches,
                                                                       strict=True)):
                grown.append((taken, sides))  # a path through another side of its if
                continue
            grown.append(([*taken, extra], {**sides, **dict(extra.branches)}))
            if extra.branches and chosen[-1] is None:
                n, side = extra.branches[-1]
                grown.append((taken, {**sides, n: "else" if side == "body" else "body"}))
        paths = grown[:_MAX_PATHS]
    return [taken for taken, _ in paths]


def _in_downgrade(scope: _Scope) -> bool:
    current: _Scope | None = scope
    while current is not None:
        if current.kind == "function" and current.name.startswith("downgrade"):
            return True
        current = current.parent
    return False


def _pos(node: ast.stmt) -> tuple[int, int]:
    return node.lineno, node.col_offset


def _defaults(args: ast.arguments) -> list[ast.expr]:
    return [*args.defaults, *(d for d in args.kw_defaults if d is not None)]


def _class_scope(scope: _Scope, name: str) -> _Scope | None:
    """The class scope ``self.X`` / ``cls.X`` / ``ClassName.X`` refers to from ``scope``."""
    if name in ("self", "cls"):
        return scope.owner
    current: _Scope | None = scope
    while current is not None:
        if current.kind == "class" and current.name == name:
            return current
        if current.owner is not None and current.owner.name == name:
            return current.owner
        current = current.parent
    return None


def _dotted(func: ast.expr) -> str:
    parts: list[str] = []
    node: ast.expr = func
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            break
        elif isinstance(node, ast.Call):
            parts.append("()")
            node = node.func
        else:
            parts.append("…")
            break
    dotted = ".".join(reversed(parts))
    return dotted.replace(".()", "()")


def _matches(pattern: str, dotted: str) -> bool:
    """Whether a configured ``sql-functions`` pattern names the call ``dotted``."""
    if pattern.startswith("*."):
        return dotted.endswith(pattern[1:]) or dotted == pattern[2:]
    return dotted == pattern or dotted.endswith("." + pattern)


def _is_literal(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, (str, bytes))
    if isinstance(expr, ast.JoinedStr):
        return True
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Mod)):
        return _is_literal(_leftmost(expr))
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        return expr.func.attr == "format" and _is_literal(expr.func.value)
    return False


def _returns(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    """The values a function returns (not those of functions defined inside it)."""
    out: list[ast.expr] = []
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return) and node.value is not None:
            out.append(node.value)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                   ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return sorted(out, key=lambda n: (n.lineno, n.col_offset))


def _is_string_expr(node: ast.AST) -> bool:
    return isinstance(node, ast.expr) and _is_literal(node)


def _makes_text(node: ast.expr) -> bool:
    """A string expression, or a clause list joined by one (``" UNION ".join(parts)``)."""
    if _is_string_expr(node):
        return True
    func = node.func if isinstance(node, ast.Call) else None
    return isinstance(func, ast.Attribute) and func.attr == "join" and _is_literal(func.value)


def _leftmost(expr: ast.expr) -> ast.expr:
    while isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Mod)):
        expr = expr.left
    return expr


def _flatten_add(expr: ast.BinOp) -> list[ast.expr]:
    operands: list[ast.expr] = []
    stack: list[ast.expr] = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            stack.append(node.right)
            stack.append(node.left)
        else:
            operands.append(node)
    return operands


def _static_text(expr: ast.expr) -> str | None:
    """The literal text of a string expression, values unknown at run time as ``x``."""
    if isinstance(expr, ast.Constant):
        value = expr.value
        if isinstance(value, bytes):
            return value.decode("latin-1")
        return value if isinstance(value, str) else None
    if isinstance(expr, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else " x "
            for v in expr.values
        )
    if isinstance(expr, ast.BinOp):
        if isinstance(expr.op, ast.Add):
            texts = [_static_text(op) for op in _flatten_add(expr)]
            return "".join(t if t is not None else " x " for t in texts)
        return _static_text(expr.left)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        return _static_text(expr.func.value)
    return None


def _source(expr: ast.expr, src: Source) -> str:
    start = src.offset(expr.lineno, expr.col_offset)
    end = src.offset(expr.end_lineno or expr.lineno, expr.end_col_offset or 0)
    return src.text[start:end]


def _percent_args(right: ast.expr, src: Source) -> tuple[list[str], dict[str, str]]:
    if isinstance(right, ast.Tuple):
        return [_source(e, src) for e in right.elts], {}
    if isinstance(right, ast.Dict):
        named = {
            k.value: _source(v, src)
            for k, v in zip(right.keys, right.values, strict=False)
            if isinstance(k, ast.Constant) and isinstance(k.value, str)
        }
        return [], named
    return [_source(right, src)], {}


def _format_names(call: ast.Call, src: Source) -> dict[str, str]:
    names = {str(i): _source(arg, src) for i, arg in enumerate(call.args)}
    names.update({kw.arg: _source(kw.value, src) for kw in call.keywords if kw.arg})
    return names


def _rename(atoms: list[Atom], names: dict[str, str]) -> list[Atom]:
    """Name each ``str.format`` field by the expression passed for it."""
    out: list[Atom] = []
    for atom in atoms:
        if isinstance(atom, Interp):
            head = re.split(r"[.\[]", atom.text, maxsplit=1)[0]
            if head in names:
                atom = Interp(names[head] + atom.text[len(head) :], atom.line, atom.column)
        out.append(atom)
    return out



@lru_cache(maxsize=1024)
def _constant_text(source: str) -> str | None:
    """The text of a constant interpolation: ``{"?"}``, ``{"UNIQUE" if u else ""}``
    (the first branch: either is SQL of the same shape)."""
    if '"' not in source and "'" not in source:
        return None
    try:
        node = ast.parse(source.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return None
    if isinstance(node, ast.IfExp):
        node = node.body
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _format_fills(call: ast.Call) -> dict[str, str]:
    """``.format`` fields whose text is known: ``sql.Identifier("t")``, ``sql.SQL("…")``,
    a string constant. The rest stay values computed at run time."""
    fields = [(str(i), arg) for i, arg in enumerate(call.args)]
    fields += [(kw.arg, kw.value) for kw in call.keywords if kw.arg]
    fills: dict[str, str] = {}
    for name, value in fields:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            fills[name] = value.value
        elif isinstance(value, ast.Call) and value.args and all(
            isinstance(a, ast.Constant) and isinstance(a.value, str) for a in value.args
        ):
            texts = [a.value for a in value.args
                     if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            kind = _dotted(value.func).rsplit(".", 1)[-1]
            if kind == "Identifier":
                fills[name] = ".".join('"' + t.replace('"', '""') + '"' for t in texts)
            elif kind == "SQL" and len(texts) == 1:
                fills[name] = texts[0]
    return fills


def _fill(atoms: list[Atom], fills: dict[str, str]) -> list[Atom]:
    """Known field texts written in, each character at its field's place."""
    if not fills:
        return atoms
    out: list[Atom] = []
    for atom in atoms:
        if isinstance(atom, Interp) and atom.text in fills:
            out.extend((ch, atom.line, atom.column, True) for ch in fills[atom.text])
        else:
            out.append(atom)
    return out


_VALUES_ROWS = re.compile(r"\bVALUES\s+(%s|\?)(?!\s*,)", re.IGNORECASE)
_INSERT_COLUMNS = re.compile(r"\bINTO\s+[^\s(]+\s*\(([^()]*)\)", re.IGNORECASE)
# `name(a, b) AS (VALUES ?)` before, or `(VALUES ?) AS name(a, b)` after.
_CTE_COLUMNS = re.compile(r"\w+\s*\(([^()]*)\)\s*AS\s*(?:MATERIALIZED\s*)?\(\s*$", re.I)
_ALIAS_COLUMNS = re.compile(r"\s*\)\s*(?:AS\s+)?\w+\s*\(([^()]*)\)", re.IGNORECASE)


def _last(matches: Iterator[re.Match[str]]) -> re.Match[str] | None:
    found: re.Match[str] | None = None
    for match in matches:
        found = match
    return found


def _expand_values(atoms: list[Atom]) -> list[Atom]:
    """``VALUES %s`` / ``VALUES ?`` (execute_values fills in the rows) as one row."""
    flat = "".join(a[0] if isinstance(a, tuple) else "\x00" for a in atoms)
    m = _VALUES_ROWS.search(flat)
    if m is None:
        return atoms
    before = flat[: m.start()]
    columns = (_CTE_COLUMNS.search(before) or _ALIAS_COLUMNS.match(flat, m.end())
               or _last(_INSERT_COLUMNS.finditer(before)))
    count = columns.group(1).count(",") + 1 if columns else 1
    first = atoms[m.start(1)]
    assert isinstance(first, tuple)
    row = "(" + ", ".join([m.group(1)] * count) + ")"
    placed: list[Atom] = [(ch, first[1], first[2], True) for ch in row]
    return [*atoms[: m.start(1)], *placed, *atoms[m.end(1) :]]


def _created_table(node: dict[str, Any]) -> str:
    """The table a CREATE TABLE (… AS) tree creates ("" for any other statement)."""
    body = node.get("CreateStmt") or node.get("CreateTableAsStmt") or {}
    rel = body.get("relation") or (body.get("into") or {}).get("rel") or {}
    return str(rel.get("relname", ""))
