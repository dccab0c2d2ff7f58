"""Each migration layout (tests/layouts/<tool>/), applied to PostgreSQL in the order its
tool runs it, gives the catalog sqllint builds from the same folder with no more than its
sqllint.toml: tables, columns, indexes and foreign keys equal pg_catalog's.

The tool's order is written out here by hand, from each tool's documentation, not
computed by sqllint: a layout read in the wrong order fails on the server (a delta that
renames a column before the index on it) or leaves a different catalog.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import psycopg
import pytest

from sqllint.config import load_config
from sqllint.project import load_project
from tests.test_catalog_pg import _compare

LAYOUTS = Path(__file__).resolve().parent / "layouts"

# Layout → the files its tool applies, in its order (dbmate: the up section only).
TOOL_ORDER = {
    "numbered_delta": [
        "schema/full/72/full.sql.postgres",
        "schema/delta/73/2_rename_type.sql",  # version 73, file 2 before file 10
        "schema/delta/73/10_event_type_idx.sql",
        "schema/delta/80/01_drop_content.sql.postgres",
    ],
    "diesel": [  # versions compared without their dashes, as strings
        "migrations/00000000000000_diesel_initial_setup/up.sql",
        "migrations/2019-03-01-120000_create_users/up.sql",
        "migrations/20190501000000_add_email/up.sql",
        "migrations/2019-09-01-120000-0000_add_index/up.sql",
        "migrations/2019-10-01-120000_posts/up.sql",
    ],
    "prisma": [
        "prisma/migrations/20230101000000_init/migration.sql",
        "prisma/migrations/20230202000000_teams/migration.sql",
    ],
    "dbmate": [
        "db/migrations/20200101000000_create_accounts.sql",
        "db/migrations/20200301000000_orders.sql",
    ],
    "sqitch": [  # sqitch.plan order; the reworked change's first version is users@v1.0
        "deploy/appschema.sql",
        "deploy/users@v1.0.sql",
        "deploy/flips.sql",
        "deploy/users.sql",
    ],
    "schema_order": ["a.sql", "b.sql", "c.sql", "d_functions.sql"],  # path order
    "flyway": [  # versions as numbers; repeatable migrations after every versioned one
        "db/migration/V1__init.sql",
        "db/migration/V1_1__email.sql",
        "db/migration/V2__email_key.sql",
        "db/migration/V9__drop_name.sql",
        "db/migration/V10__name_again.sql",
        "db/migration/R__views.sql",
    ],
    "goose": [
        "migrations/20210101000000_users.sql",
        "migrations/20210201000000_orgs.sql",
    ],
    "python_deltas": [  # Python deltas among SQL ones, by (folder, file) number
        "delta/1/01_create.sql",
        "delta/2/01_drop_a.py",
        "delta/2/02_add_b.sql",
        "delta/10/01_index.py",
    ],
    "django": [
        "shop/migrations/0001_initial.py",
        "shop/migrations/0002_price.py",
    ],
}


def _python_sql(text: str) -> list[str]:
    """The SQL a Python migration runs going up: the first argument of each
    ``execute(...)`` / ``RunSQL(...)`` call (never ``reverse_sql``)."""
    out = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if name in ("execute", "RunSQL") and isinstance(first, ast.Constant):
                out.append(str(first.value))
    return out


def _up_part(text: str) -> str:
    """The part of a dbmate or goose file its tool runs going up."""
    up = re.split(r"^-- (?:migrate:down|\+goose Down)", text, flags=re.M)[0]
    return re.sub(r"^-- (?:migrate:up|\+goose Up).*$", "", up, flags=re.M)


@pytest.mark.parametrize("layout", sorted(TOOL_ORDER))
def test_layout_catalog_matches_postgres(
    pg_db: psycopg.Connection, layout: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = LAYOUTS / layout
    for rel in TOOL_ORDER[layout]:
        text = (root / rel).read_text(encoding="utf-8")
        if rel.endswith(".py"):
            parts = _python_sql(text)
        elif layout in ("dbmate", "goose"):
            parts = _up_part(text).split(";\n")
        else:
            parts = [text]
        for part in parts:
            # dbmate runs CREATE INDEX CONCURRENTLY outside a transaction: statement by
            # statement, as the server requires.
            if part.strip():
                pg_db.execute(part.encode())
    monkeypatch.chdir(root)
    project = load_project([Path(".")], load_config(None, start=root))
    applied = [f.display for f in project.files if f.applies]
    assert applied == TOOL_ORDER[layout]
    _compare(pg_db, project.catalog)


def test_every_layout_is_checked() -> None:
    assert sorted(p.name for p in LAYOUTS.iterdir() if p.is_dir()) == sorted(TOOL_ORDER)
    assert os.path.isdir(LAYOUTS)


# Defects of the catalog found on real migration histories, each reduced to a reproducer.
CATALOG_DEFECTS = {
    "mixed-case enum type keeps its quotes (Prisma)": (
        'CREATE TYPE "Algo" AS ENUM (\'A\', \'B\');\n'
        'CREATE TABLE "Token" ("id" SERIAL NOT NULL, "algo" "Algo" NOT NULL, '
        'CONSTRAINT "Token_pkey" PRIMARY KEY ("id"));\n'),
    "enum of another schema is schema-qualified (dbmate)": (
        "CREATE SCHEMA app;\nCREATE TYPE app.state AS ENUM ('on', 'off');\n"
        "CREATE TABLE app.t (id int PRIMARY KEY, s app.state NOT NULL);\n"),
    "UNIQUE on the primary key's column makes no second index (dbmate)": (
        "CREATE TABLE us_states (code varchar(2) PRIMARY KEY NOT NULL UNIQUE, name text);\n"
        "CREATE TABLE c (id int, CONSTRAINT c_u UNIQUE (id), CONSTRAINT c_p PRIMARY KEY (id),"
        " a int UNIQUE, CONSTRAINT c_a UNIQUE (a));\n"),
    "DROP TABLE … CASCADE drops the foreign keys that reference it (dbmate)": (
        "CREATE TABLE surveys (id int PRIMARY KEY);\n"
        "CREATE TABLE answers (survey_id int REFERENCES surveys (id));\n"
        "DROP TABLE surveys CASCADE;\nCREATE TABLE surveys (id int PRIMARY KEY);\n"),
    "CREATE TABLE … AS takes its columns' types from the query (sqitch)": (
        "CREATE TABLE fsm (id bigint NOT NULL, at timestamp(3), ok boolean, "
        "name varchar(20), amount numeric(10, 2));\n"
        "CREATE TABLE fsm_last AS SELECT f.id AS id, max(f.at) AS at, bool_or(ok) AS ok, "
        "max(f.name) AS top_name, min(amount) AS least, f.name, count(*) AS n, "
        "count(f.ok) AS oks, 1 AS one, 3000000000 AS big, 1.5 AS half, 'x' AS label, "
        "NULL AS nothing, true AS yes, now() AS at_now, f.id::text AS id_text, "
        "CAST(min(f.amount) AS numeric(12, 4)) AS wide, length(f.name) AS len "
        "FROM fsm f GROUP BY f.id, f.name;\n"),
    "EXECUTE of a constant string in a DO block runs that DDL (migration guards)": (
        "CREATE TABLE vms (id int PRIMARY KEY);\n"
        "DO $$ BEGIN\n"
        "  IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'vms_state') THEN\n"
        "    EXECUTE 'ALTER TABLE vms ADD COLUMN state text NOT NULL DEFAULT ''new''';\n"
        "    EXECUTE 'CREATE INDEX vms_state ON vms (state)';\n"
        "  END IF;\n"
        "END $$;\n"),
}


def _reproduce(pg_db: psycopg.Connection, tmp_path: Path, sql: str) -> None:
    from sqllint.config import Config

    (tmp_path / "schema.sql").write_text(sql)
    pg_db.execute(sql.encode())
    _compare(pg_db, load_project([tmp_path], Config(root=tmp_path)).catalog)


@pytest.mark.parametrize("sql", list(CATALOG_DEFECTS.values()), ids=list(CATALOG_DEFECTS))
def test_catalog_defect_reproducer(pg_db: psycopg.Connection, tmp_path: Path, sql: str) -> None:
    _reproduce(pg_db, tmp_path, sql)
