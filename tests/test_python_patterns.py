# ruff: noqa: E501 - each pattern reads best as the one line of Python it stands for
"""Every way SQL reaches the database from Python gives the finding at the exact .py
line and column: here SL101 on the ``*`` of ``SELECT *``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sqllint.cli import main

SCHEMA = "CREATE TABLE vms (id bigint PRIMARY KEY, name text, state text);\n"
STAR = "SELECT * FROM vms WHERE id = "

# (name, source, line of the star, column of the star)
PATTERNS = [
    ("cursor.execute", 'cur.execute("SELECT * FROM vms WHERE id = %s", (1,))\n', 1, 21),
    ("executemany", 'cur.executemany("SELECT * FROM vms WHERE id = %s", rows)\n', 1, 25),
    ("mogrify", 'cur.mogrify("SELECT * FROM vms WHERE id = %(id)s", {"id": 1})\n', 1, 21),
    ("sqlalchemy.text", 'import sqlalchemy\nq = sqlalchemy.text("SELECT * FROM vms WHERE id = :id")\n',
     2, 29),
    ("psycopg.sql.SQL", 'from psycopg import sql\nq = sql.SQL("SELECT * FROM vms WHERE id = {}")\n',
     2, 21),
    ("pandas.read_sql", 'import pandas as pd\ndf = pd.read_sql("SELECT * FROM vms WHERE id = 1", c)\n',
     2, 26),
    ("Django raw", 'vms = Vm.objects.raw("SELECT * FROM vms WHERE id = %s", [1])\n', 1, 30),
    ("asyncpg fetchrow", 'async def f(c):\n    return await c.fetchrow("SELECT * FROM vms WHERE id = $1", 1)\n',
     2, 37),
    ("module constant", 'Q = "SELECT * FROM vms WHERE id = %s"\ndef f(cur):\n    cur.execute(Q, (1,))\n',
     1, 13),
    ("class constant", 'class Repo:\n    Q = "SELECT * FROM vms WHERE id = %s"\n'
     '    def f(self, cur):\n        cur.execute(self.Q, (1,))\n', 2, 17),
    ("local variable built with +=", 'def f(cur):\n    q = "SELECT *"\n    q += " FROM vms WHERE id = %s"\n'
     '    cur.execute(q, (1,))\n', 2, 17),
    ("raw string", 'cur.execute(r"SELECT * FROM vms WHERE id = %s", (1,))\n', 1, 22),
    ("byte string", 'cur.execute(b"SELECT * FROM vms WHERE id = %s", (1,))\n', 1, 22),
    ("plus of literals", 'cur.execute("SELECT id, " + "* FROM vms WHERE id = %s", (1,))\n', 1, 30),
    ("parenthesised multi-line", 'cur.execute(\n    (\n        "SELECT name,"\n        " *"\n'
     '        " FROM vms WHERE id = %s"\n    ),\n    (1,),\n)\n', 4, 11),
    ("% formatting", 'cur.execute("SELECT * FROM vms WHERE id = %s" % vm_id)\n', 1, 21),
    (".format", 'cur.execute("SELECT * FROM vms WHERE id = {}".format(vm_id))\n', 1, 21),
    ("f-string after an interpolation", 'def f(cur, a):\n    cur.execute(f"SELECT {a} AS x, * FROM vms WHERE id = 1")\n',
     2, 36),
    ("? placeholder", 'import sqlite3\ncur.execute("SELECT * FROM vms WHERE id = ?", (1,))\n', 2, 21),
]


@pytest.mark.parametrize(("name", "source", "line", "column"), PATTERNS,
                         ids=[p[0] for p in PATTERNS])
def test_pattern_reports_at_the_star(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    name: str, source: str, line: int, column: int,
) -> None:
    (tmp_path / "schema.sql").write_text(SCHEMA)
    (tmp_path / "app.py").write_text(source)
    monkeypatch.chdir(tmp_path)
    main(["check", "--select", "SL101", "--format", "json", "."])
    found = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in found] == [
        ("SL101", "app.py", line, column)], name


def test_index_created_in_an_alembic_migration_serves_a_later_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "migrations" / "versions").mkdir(parents=True)
    (tmp_path / "migrations" / "versions" / "0001_init.py").write_text(
        "from alembic import op\n"
        "def upgrade():\n"
        '    op.execute("CREATE TABLE vms (id bigint PRIMARY KEY, name text, state text)")\n')
    (tmp_path / "app.py").write_text(
        'def running(cur):\n    cur.execute("SELECT id FROM vms WHERE name = %s LIMIT 10", ("a",))\n')
    monkeypatch.chdir(tmp_path)
    main(["check", "--select", "SL103", "--format", "json", "."])
    found = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["path"], f["line"]) for f in found] == [("app.py", 2)]
    assert "vms.name" in found[0]["message"]

    (tmp_path / "migrations" / "versions" / "0002_name_idx.py").write_text(
        "from alembic import op\n"
        "def upgrade():\n"
        "    with op.get_context().autocommit_block():\n"
        '        op.execute("CREATE INDEX CONCURRENTLY vms_name_idx ON vms (name)")\n')
    main(["check", "--select", "SL103", "--format", "json", "."])
    assert json.loads(capsys.readouterr().out)["findings"] == []


def test_index_created_in_a_django_runsql_migration_serves_a_later_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "schema.sql").write_text(SCHEMA)
    mig = tmp_path / "shop" / "migrations"
    mig.mkdir(parents=True)
    (mig / "0001_state_idx.py").write_text(
        "from django.db import migrations\n"
        "class Migration(migrations.Migration):\n"
        "    atomic = False\n"
        "    operations = [migrations.RunSQL(\n"
        '        "CREATE INDEX CONCURRENTLY vms_name_idx ON vms (name)",\n'
        '        reverse_sql="DROP INDEX vms_name_idx")]\n')
    (tmp_path / "app.py").write_text(
        'cur.execute("SELECT id FROM vms WHERE name = %s LIMIT 10", ("a",))\n')
    monkeypatch.chdir(tmp_path)
    main(["check", "--select", "SL103", "--format", "json", "."])
    assert json.loads(capsys.readouterr().out)["findings"] == []
