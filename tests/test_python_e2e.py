"""SQL in Python, end to end: findings point into the .py file, suppression works, and
Python migrations build the schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sqllint.cli import main

SCHEMA = "CREATE TABLE vms (id bigint PRIMARY KEY, name text, state text, node_id bigint);\n"


def _check(tmp_path: Path, files: dict[str, str], monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    monkeypatch.chdir(tmp_path)
    main(["check", "--format", "json", *args, "."])
    return list(json.loads(capsys.readouterr().out)["findings"])


@pytest.mark.parametrize(
    ("source", "line", "column"),
    [
        # a plain call
        ('cur.execute("SELECT * FROM vms WHERE id = %s", (1,))\n', 1, 21),
        # implicit concatenation across lines: the star is in the second piece
        ('cur.execute(\n    "SELECT id, name, "\n    "* FROM vms WHERE id = %s", (1,))\n', 3, 6),
        # triple-quoted, star on the third line of the string
        ('Q = """\n    SELECT\n        *\n    FROM vms WHERE id = %(id)s\n"""\n'
         'def f(cur):\n    cur.execute(Q, {"id": 1})\n', 3, 9),
        # after a placeholder of a different length
        ('cur.execute("SELECT %(name)s AS label, * FROM vms WHERE id = %(id)s", {})\n', 1, 40),
        # an f-string with an interpolated value
        ('def f(cur, vm):\n    cur.execute(f"SELECT * FROM vms WHERE id = {vm}")\n', 2, 26),
    ],
)
def test_finding_points_into_the_python_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    source: str, line: int, column: int,
) -> None:
    found = _check(tmp_path, {"schema.sql": SCHEMA, "app.py": source}, monkeypatch, capsys,
                   "--select", "SL101")
    assert [(f["path"], f["line"], f["column"]) for f in found] == [("app.py", line, column)]


def test_noqa_on_the_call_line_suppresses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = (
        'cur.execute("SELECT * FROM vms WHERE id = %s", (1,))  # noqa: SL101\n'
        'cur.execute("SELECT * FROM vms WHERE id = %s", (2,))  # noqa: SL102\n'
    )
    found = _check(tmp_path, {"schema.sql": SCHEMA, "app.py": source}, monkeypatch, capsys,
                   "--select", "SL101")
    assert [f["line"] for f in found] == [2]


def test_unparsable_sql_reaching_execute_is_sl001(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = 'def f(cur):\n    cur.execute("SELEC id FROM vms")\n'
    found = _check(tmp_path, {"schema.sql": SCHEMA, "app.py": source}, monkeypatch, capsys,
                   "--select", "SL001")
    assert [(f["line"], f["column"]) for f in found] == [(2, 18)]


def test_prose_and_logs_produce_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = (
        '"""Select the plan from the menu, then update the cache from disk."""\n'
        'import logging\n'
        'log = logging.getLogger(__name__)\n'
        'def f():\n'
        '    log.info("select all rows from the table where needed")\n'
        '    return "Delete from the list where it is not used"\n'
    )
    found = _check(tmp_path, {"schema.sql": SCHEMA, "app.py": source}, monkeypatch, capsys)
    assert [f for f in found if f["path"] == "app.py"] == []


def test_statements_lists_python_sql_with_its_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "app.py").write_text(
        "import sqlalchemy\n"
        "def f(cur, conn):\n"
        '    cur.execute("SELECT id FROM vms WHERE id = %s", (1,))\n'
        '    conn.execute(sqlalchemy.text("SELECT name FROM vms WHERE id = :id"))\n'
    )
    monkeypatch.chdir(tmp_path)
    main(["statements", "--format", "json", "."])
    rows = json.loads(capsys.readouterr().out)["statements"]
    assert [(r["line"], r["column"], r["origin"], r["parsed"]) for r in rows] == [
        (3, 18, "cur.execute", True), (4, 35, "conn.execute", True)]


def test_wrapper_named_in_sql_functions_is_linted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Mixed-case keywords: nothing but the call site says this string is SQL.
    source = ('class Repo:\n    def get(self, vm_id):\n'
              '        return self.store.fetch_one("Select * From vms Where id = $1", vm_id)\n')
    files = {"schema.sql": SCHEMA, "app.py": source}
    assert _check(tmp_path, files, monkeypatch, capsys, "--select", "SL101") == []
    files["pyproject.toml"] = '[tool.sqllint]\nsql-functions = ["*.fetch_one"]\n'
    found = _check(tmp_path, files, monkeypatch, capsys, "--select", "SL101")
    assert [(f["path"], f["line"]) for f in found] == [("app.py", 3)]


def test_alembic_migration_changes_the_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        "migrations/versions/0001_init.py": (
            "from alembic import op\n"
            "def upgrade():\n"
            '    op.execute("CREATE TABLE vms (id bigint PRIMARY KEY, state text, n int)")\n'
        ),
        "app.py": 'cur.execute("SELECT * FROM vms WHERE id = %s", (1,))\n',
    }
    found = _check(tmp_path, files, monkeypatch, capsys, "--select", "SL101")
    assert [f["message"] for f in found] == [
        "SELECT * from vms expands to 3 columns (id, state, n); name the columns the "
        "caller uses"]
