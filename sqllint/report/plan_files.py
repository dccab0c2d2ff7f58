"""The index plan as migration files the project's own tool runs outside a transaction.

``CREATE INDEX CONCURRENTLY`` cannot run inside a transaction block, and each migration
tool wraps files differently, so one plan file does not fit all:

- golang-migrate sends a file as one query string (one implicit transaction when it
  holds several statements): one ``.up.sql``/``.down.sql`` pair per index.
- Flyway wraps a migration in a transaction unless the script's ``.conf`` says
  ``executeInTransaction=false``: one script per index, each with that ``.conf``.
- Alembic: one revision whose statements run in ``op.get_context().autocommit_block()``.
- Django: one migration with ``atomic = False``; ``AddIndexConcurrently`` where the model
  and fields are known, ``RunSQL`` otherwise.
- plain SQL (psql, dbmate-style folders or none): one file, statement by statement.

The tool is the one whose files are in the output folder, or ``--tool``.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqllint import __version__
from sqllint.reading import sidecar_text
from sqllint.report.plan import drop_index
from sqllint.result import PlannedIndex

Tool = Literal["golang-migrate", "flyway", "alembic", "django", "sql"]
TOOLS: tuple[Tool, ...] = ("golang-migrate", "flyway", "alembic", "django", "sql")

_GOLANG = re.compile(r"^(\d+)_.+\.(up|down)\.sql$", re.I)
_FLYWAY = re.compile(r"^V(\d+)((?:[._]\d+)*)__.+\.sql$", re.I)
_NUMBERED = re.compile(r"^(\d+)[_-].+\.(sql|py)$", re.I)
_DJANGO = re.compile(r"class\s+\w+\s*\(\s*migrations\.Migration\s*\)")


class PlanFileError(Exception):
    """The plan cannot be written as asked (the CLI says why, exit 2)."""


@dataclass(frozen=True)
class PlanFile:
    name: str
    text: str


def detect_tool(folder: Path) -> Tool:
    """The migration tool whose files the folder holds ("sql" when none is recognised)."""
    names = _names(folder)
    if any(_GOLANG.match(n) for n in names):
        return "golang-migrate"
    if any(_FLYWAY.match(n) for n in names):
        return "flyway"
    for name in names:
        if name.endswith(".py") and name != "__init__.py":
            text = _read(folder / name)
            if _DJANGO.search(text):
                return "django"
            if re.search(r"^down_revision\s*[:=]", text, re.M):
                return "alembic"
    return "sql"


def tool_of_file(name: str) -> Tool | None:
    """The tool a single ``--out`` file name belongs to, when its scheme says so."""
    if _GOLANG.match(name):
        return "golang-migrate"
    if _FLYWAY.match(name):
        return "flyway"
    return None


def plan_files(indexes: Sequence[PlannedIndex], folder: Path, tool: Tool) -> list[PlanFile]:
    if not indexes:
        return []
    names = _names(folder)
    if tool == "golang-migrate":
        return _golang(indexes, names)
    if tool == "flyway":
        return _flyway(indexes, names)
    if tool == "alembic":
        return [_alembic(indexes, folder, names)]
    if tool == "django":
        return [_django(indexes, folder, names)]
    return [_plain(indexes, names)]


# -- one file per index ---------------------------------------------------------------------

def _golang(indexes: Sequence[PlannedIndex], names: list[str]) -> list[PlanFile]:
    def pair(version: str, what: str, statement: str, down: str) -> list[PlanFile]:
        stem = f"{version}_sqllint_{what}"
        return [PlanFile(f"{stem}.up.sql", statement), PlanFile(f"{stem}.down.sql", down)]

    return _file_per_statement(indexes, names, _GOLANG, 6, pair)


def _flyway(indexes: Sequence[PlannedIndex], names: list[str]) -> list[PlanFile]:
    def script(version: str, what: str, statement: str, down: str) -> list[PlanFile]:
        stem = f"V{version}__sqllint_{what}"
        # Flyway's per-script configuration: run it outside a transaction.
        return [PlanFile(f"{stem}.sql", statement),
                PlanFile(f"{stem}.sql.conf", "executeInTransaction=false\n")]

    return _file_per_statement(indexes, names, _FLYWAY, 1, script)


def _file_per_statement(
    indexes: Sequence[PlannedIndex], names: list[str], scheme: re.Pattern[str],
    default_width: int, files: Callable[[str, str, str, str], list[PlanFile]],
) -> list[PlanFile]:
    """Each statement of the plan in a migration of its own, numbered after the folder's
    highest version in its width: the tool runs a single statement outside a block."""
    versions = [m.group(1) for n in names if (m := scheme.match(n))]
    width = max((len(v) for v in versions), default=default_width)
    version = max((int(v) for v in versions), default=0) + 1
    out: list[PlanFile] = []
    for planned in indexes:
        for i, statement in enumerate(_ups(planned)):
            what = _slug(planned) if i == 0 else f"drop_{_slug_name(planned.replaces[i - 1])}"
            down = _drop(planned) if i == 0 else _recreate_note(planned, i)
            out.extend(files(f"{version:0{width}d}", what,
                             _comment(planned) + statement + "\n", down + "\n"))
            version += 1
    return out


# -- one migration holding every index ------------------------------------------------------

def _alembic(indexes: Sequence[PlannedIndex], folder: Path, names: list[str]) -> PlanFile:
    revisions: dict[str, object] = {}
    for name in names:
        if name.endswith(".py"):
            rev, down = _alembic_ids(_read(folder / name))
            if rev is not None:
                revisions[rev] = down
    pointed = {d for down in revisions.values()
               for d in (down if isinstance(down, tuple) else (down,))}
    heads = sorted(r for r in revisions if r not in pointed)
    if len(heads) > 1:
        raise PlanFileError(f"{folder}: Alembic has several heads ({', '.join(heads)}); "
                            f"merge them first")
    down_revision = heads[0] if heads else None
    revision = hashlib.sha1("".join(p.ddl for p in indexes).encode()).hexdigest()[:12]
    name = f"{_next_number(names, 4)}_sqllint_indexes.py" if _numbered(names) \
        else f"{revision}_sqllint_indexes.py"
    up = "\n".join(f"        op.execute({sql!r})" for p in indexes for sql in _ups(p))
    down = "\n".join(f"        op.execute({_drop(p)!r})" for p in indexes)
    text = (
        f'"""Index plan generated by sqllint {__version__}: {_count(indexes)}.\n\n'
        f"CREATE INDEX CONCURRENTLY cannot run inside a transaction: each runs in an\n"
        f'autocommit block."""\n\n'
        f"from alembic import op\n\n"
        f"revision = {revision!r}\n"
        f"down_revision = {down_revision!r}\n"
        f"branch_labels = None\n"
        f"depends_on = None\n\n\n"
        f"def upgrade() -> None:\n"
        f"{_served_comments(indexes, '    ')}"
        f"    with op.get_context().autocommit_block():\n{up}\n\n\n"
        f"def downgrade() -> None:\n"
        f"    with op.get_context().autocommit_block():\n{down}\n"
    )
    return PlanFile(name, text)


def _alembic_ids(text: str) -> tuple[str | None, object]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None, None
    found: dict[str, object] = {}
    for node in tree.body:
        target: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        elif isinstance(node, ast.AnnAssign):
            target = node.target
        value = getattr(node, "value", None)
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision") \
                and value is not None:
            try:
                literal = ast.literal_eval(value)
            except ValueError:
                continue
            found[target.id] = tuple(literal) if isinstance(literal, list) else literal
    rev = found.get("revision")
    return (rev if isinstance(rev, str) else None), found.get("down_revision")


def _django(indexes: Sequence[PlannedIndex], folder: Path, names: list[str]) -> PlanFile:
    app = folder.parent.name
    latest = max((n[:-3] for n in names if _NUMBERED.match(n) and n.endswith(".py")),
                 default=None)
    deps = f"[({app!r}, {latest!r})]" if latest else "[]"
    operations = [op for p in indexes for op in _django_operations(p, app)]
    uses_postgres_ops = any(op.startswith("AddIndexConcurrently") for op in operations)
    imports = "from django.db import migrations, models\n"
    if uses_postgres_ops:
        imports += "from django.contrib.postgres.operations import AddIndexConcurrently\n"
    body = "".join(f"        {op},\n" for op in operations)
    text = (
        f'"""Index plan generated by sqllint {__version__}: {_count(indexes)}.\n\n'
        f"CREATE INDEX CONCURRENTLY cannot run inside a transaction: the migration is not\n"
        f'atomic."""\n\n'
        f"{imports}\n\n"
        f"class Migration(migrations.Migration):\n"
        f"    atomic = False\n\n"
        f"    dependencies = {deps}\n\n"
        f"{_served_comments(indexes, '    ')}"
        f"    operations = [\n{body}    ]\n"
    )
    return PlanFile(f"{_next_number(names, 4)}_sqllint_indexes.py", text)


def _django_operations(planned: PlannedIndex, app: str) -> list[str]:
    """``AddIndexConcurrently`` for a plain column index on a model Django names by its
    default table (``<app>_<model>``); the index's SQL itself otherwise. Then the drops
    of the indexes it makes redundant."""
    drops = [f"migrations.RunSQL(sql={drop_index(planned.table, old)!r}, "
             f"reverse_sql=migrations.RunSQL.noop)" for old in planned.replaces]
    columns = _plain_columns(planned.ddl)
    table = planned.table.split(".")[-1]
    if columns and table.startswith(f"{app}_") and "." not in planned.table:
        model = table[len(app) + 1:]
        fields = ", ".join(repr(c) for c in columns)
        return [f"AddIndexConcurrently(model_name={model!r}, "
                f"index=models.Index(fields=[{fields}], name={planned.name!r}))", *drops]
    return [f"migrations.RunSQL(sql={planned.ddl!r}, reverse_sql={_drop(planned)!r})", *drops]


def _plain_columns(ddl: str) -> list[str] | None:
    """Field names (``-col`` for DESC) when the index is a plain B-tree over columns."""
    from pglast import parse_sql

    try:
        (raw,) = parse_sql(ddl)
    except Exception:  # a statement pglast cannot read gets RunSQL, which needs nothing
        return None
    stmt: Any = raw.stmt
    if stmt.unique or stmt.whereClause or stmt.indexIncludingParams or \
            (stmt.accessMethod or "btree") != "btree":
        return None
    fields: list[str] = []
    for elem in stmt.indexParams:
        if elem.name is None or elem.opclass or elem.collation:
            return None
        descending = int(elem.ordering) == 2  # SORTBY_DESC
        fields.append(("-" if descending else "") + elem.name)
    return fields


def _plain(indexes: Sequence[PlannedIndex], names: list[str]) -> PlanFile:
    from sqllint.report.plan import plan_text

    prefix = f"{_next_number(names, 3)}_" if _numbered(names) else ""
    return PlanFile(f"{prefix}sqllint_indexes.sql", plan_text(indexes))


# -- shared pieces --------------------------------------------------------------------------

def _names(folder: Path) -> list[str]:
    try:
        return sorted(p.name for p in folder.iterdir() if p.is_file())
    except OSError:
        return []


def _read(path: Path) -> str:
    """A migration already in the folder the plan goes to (its tool, its revision ids):
    read as sidecars are, never through a symlink out of that folder."""
    return sidecar_text(path, path.parent) or ""


def _numbered(names: list[str]) -> bool:
    return any(_NUMBERED.match(n) for n in names)


def _next_number(names: list[str], default_width: int) -> str:
    numbers = [m.group(1) for n in names if (m := _NUMBERED.match(n))]
    width = max((len(v) for v in numbers), default=default_width)
    return f"{max((int(v) for v in numbers), default=0) + 1:0{width}d}"


def _slug(planned: PlannedIndex) -> str:
    return _slug_name(planned.name or planned.table)


def _slug_name(name: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")[:60]


def _recreate_note(planned: PlannedIndex, i: int) -> str:
    return (f"-- {_one_line(planned.replaces[i - 1])} was dropped as redundant with "
            f"{_one_line(planned.name)}: recreate it with its original definition if needed.")


def _drop(planned: PlannedIndex) -> str:
    return drop_index(planned.table, planned.name)


def _ups(planned: PlannedIndex) -> list[str]:
    """The index, then the existing indexes it makes redundant, dropped once it is built."""
    return [planned.ddl, *(drop_index(planned.table, old) for old in planned.replaces)]


def _count(indexes: Sequence[PlannedIndex]) -> str:
    return f"{len(indexes)} index{'' if len(indexes) == 1 else 'es'}"


def _comment(planned: PlannedIndex) -> str:
    return "".join(f"-- {line}\n" for line in _serves(planned))


def _served_comments(indexes: Sequence[PlannedIndex], indent: str) -> str:
    return "".join(f"{indent}# {line}\n" for p in indexes for line in _serves(p))


def _serves(planned: PlannedIndex) -> list[str]:
    n = len(planned.serves)
    lines = [f"{planned.name or planned.table}: fixes {n} finding{'' if n == 1 else 's'}:"]
    lines.extend(f"  {where}" for where in planned.serves)
    lines.extend(f"  makes existing index {old} redundant: dropped once this one is built"
                 for old in planned.replaces)
    return [_one_line(line) for line in lines]


def _one_line(text: str) -> str:
    """A comment line stays one line whatever a path or name holds."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)
