"""Which files are read, which are migrations, and the order they apply in."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sqllint.config import Config
from sqllint.discover import discover, migration_version
from sqllint.project import load_project


def _touch(root: Path, *names: str, text: str = "SELECT 1;\n") -> None:
    for name in names:
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


@pytest.mark.parametrize(
    ("name", "role", "version"),
    [
        ("V1__init.sql", "migration", (1,)),
        ("V10__later.sql", "migration", (10,)),
        ("V2_1__point.sql", "migration", (2, 1)),
        ("U3__undo.sql", "down", (3,)),
        ("000012_add_index.up.sql", "migration", (12,)),
        ("000012_add_index.down.sql", "down", (12,)),
        ("20240101120000_create_users.sql", "migration",
         (int("20240101120000".ljust(24, "0")) * 100 + 14,)),
    ],
)
def test_migration_names(name: str, role: str, version: tuple[int, ...]) -> None:
    assert migration_version(Path("db") / name, Config()) == (role, version)


def test_plain_sql_file_is_not_a_migration() -> None:
    assert migration_version(Path("queries") / "report.sql", Config()) is None


def test_versions_compare_as_numbers(tmp_path: Path) -> None:
    _touch(tmp_path / "db", "V9__a.sql", "V10__b.sql", "V1__c.sql", "V2__d.sql")
    files = discover([tmp_path], Config(root=tmp_path))
    assert [f.path.name for f in files] == ["V1__c.sql", "V2__d.sql", "V9__a.sql", "V10__b.sql"]


def test_schema_files_apply_before_migrations_in_path_order(tmp_path: Path) -> None:
    _touch(tmp_path, "a_queries.sql", "migrations/0002_b.up.sql", "migrations/0001_a.up.sql")
    files = discover([tmp_path], Config(root=tmp_path))
    assert [(f.path.name, f.role) for f in files] == [
        ("a_queries.sql", "schema"), ("0001_a.up.sql", "migration"),
        ("0002_b.up.sql", "migration")]


def test_gitignore_and_exclude_are_respected(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("generated/\n*.tmp.sql\n")
    _touch(tmp_path, "keep.sql", "generated/x.sql", "y.tmp.sql", "legacy/old.sql", "app.py")
    config = Config(root=tmp_path, exclude=("legacy/**",))
    names = sorted(f.path.name for f in discover([tmp_path], config))
    assert names == ["app.py", "keep.sql"]


def test_down_migrations_never_change_the_catalog(tmp_path: Path) -> None:
    mig = tmp_path / "migrations"
    _touch(mig, "000001_init.up.sql", text="CREATE TABLE vms (id int PRIMARY KEY);\n")
    _touch(mig, "000001_init.down.sql", text="DROP TABLE vms;\n")
    project = load_project([tmp_path], Config(root=tmp_path))
    assert "public.vms" in project.catalog.tables


def test_schema_files_are_never_reordered_by_content(tmp_path: Path) -> None:
    _touch(tmp_path, "a.sql", text="CREATE TABLE t (id int);\n")
    _touch(tmp_path, "b.sql", text="DROP TABLE t;\n")
    _touch(tmp_path, "c.sql", text="CREATE TABLE t (id int, name text);\n")
    project = load_project([tmp_path], Config(root=tmp_path))
    assert [Path(s.path).name for s in project.statements] == ["a.sql", "b.sql", "c.sql"]
    assert project.catalog.tables["public.t"].column_names == ("id", "name")


def test_queries_in_files_without_ddl_see_the_whole_schema(tmp_path: Path) -> None:
    _touch(tmp_path, "a_queries.sql", text="SELECT id FROM vms;\n")
    _touch(tmp_path, "z_schema.sql", text="CREATE TABLE vms (id int PRIMARY KEY);\n")
    project = load_project([tmp_path], Config(root=tmp_path))
    query = next(s for s in project.statements if s.kind == "query")
    assert "public.vms" in project.catalogs.get(query.seq, project.catalog).tables


def test_psql_include_is_followed_once_with_its_own_positions(tmp_path: Path) -> None:
    _touch(tmp_path / "db", "tables.sql", text="\n\nCREATE TABLE vms (id int PRIMARY KEY);\n")
    _touch(tmp_path / "db", "schema.sql",
           text="CREATE TABLE a (id int);\n\\ir tables.sql\n\\ir tables.sql\n"
                "CREATE TABLE b (x int);\n")
    project = load_project([tmp_path / "db" / "schema.sql"], Config(root=tmp_path / "db"))
    where = [(Path(s.path).name, s.line) for s in project.statements]
    assert where == [("schema.sql", 1), ("tables.sql", 3), ("schema.sql", 4)]
    assert "public.vms" in project.catalog.tables


def test_only_changed_files_given_still_loads_the_schema(tmp_path: Path) -> None:
    _touch(tmp_path / "migrations", "0001_init.up.sql", text="CREATE TABLE vms (id int);\n")
    _touch(tmp_path / "queries", "list.sql", text="SELECT id FROM vms;\n")
    project = load_project([tmp_path / "queries" / "list.sql"], Config(root=tmp_path))
    assert "public.vms" in project.catalog.tables
    assert project.targets == {f.display for f in project.files if f.path.name == "list.sql"}


def test_a_base_schema_file_applies_before_the_migrations_that_build_on_it(
    tmp_path: Path,
) -> None:
    _touch(tmp_path, "schema.sql", text="CREATE TABLE vms (id int PRIMARY KEY, state text);\n")
    _touch(tmp_path / "migrations", "0001_state_idx.up.sql",
           text="CREATE INDEX vms_state_idx ON vms (state);\n")
    project = load_project([tmp_path], Config(root=tmp_path))
    assert "public.vms_state_idx" in project.catalog.indexes


def test_a_missing_include_is_reported_at_the_include_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from sqllint.cli import main

    _touch(tmp_path, "schema.sql", text="CREATE TABLE a (id int);\n\\ir missing.sql\n")
    monkeypatch.chdir(tmp_path)
    main(["check", "--select", "SL001", "--format", "json", "."])
    found = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["path"], f["line"]) for f in found] == [("schema.sql", 2)]
    assert "missing.sql" in found[0]["message"]


def test_a_broken_symlink_is_reported_under_its_own_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from sqllint.cli import main

    (tmp_path / "broken.sql").symlink_to(tmp_path / "nowhere" / "x.sql")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--format", "json", "broken.sql"]) == 1
    found = json.loads(capsys.readouterr().out)["findings"]
    assert [(f["rule"], f["path"]) for f in found] == [("SL001", "broken.sql")]


# -- the project root ---------------------------------------------------------------------


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from sqllint.cli import main

    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_file_of_a_subfolder_sees_the_schema_of_its_work_tree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".git").write_text("gitdir: ../.git/worktrees/x\n")  # a worktree: a file
    _touch(tmp_path, "db/schema.sql", text="CREATE TABLE vms (id int PRIMARY KEY);\n")
    _touch(tmp_path, "app/sql/q.sql", text="SELECT nme FROM vms WHERE id = 1;\n")
    monkeypatch.chdir(tmp_path / "app")
    monkeypatch.setenv("SQLLINT_CACHE", "0")
    code, out, _ = _cli(["check", "--select", "SL002,SL003", "sql/q.sql"], capsys)
    assert code == 1
    assert "sql/q.sql:1:8: SL003" in out  # vms is known: only the column is wrong
    # The same from an editor's buffer.
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("SELECT id FROM vmz;\n"))
    code, out, _ = _cli(["check", "--select", "SL002", "--stdin-filename", "sql/q.sql",
                         "-"], capsys)
    assert "SL002 table vmz does not exist" in out


def test_the_nearest_config_is_the_root_whatever_its_toml_spelling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".git").mkdir()
    _touch(tmp_path, "other/schema.sql", text="CREATE TABLE vms (id int);\n")
    project = tmp_path / "svc"
    (project / "pyproject.toml").parent.mkdir()
    (project / "pyproject.toml").write_text('[tool]\nsqllint = {schema = ["db/*.sql"]}\n')
    _touch(project, "db/schema.sql", text="CREATE TABLE orders (id int);\n")
    _touch(project, "q.sql", text="SELECT id FROM vms;\n")
    monkeypatch.chdir(project)
    monkeypatch.setenv("SQLLINT_CACHE", "0")
    _, out, _ = _cli(["check", "--select", "SL002", "q.sql"], capsys)
    # Nothing above the config's folder is read: vms (in the work tree above) is unknown.
    assert "q.sql:1:16: SL002 table vms does not exist" in out


def test_a_path_with_no_root_reads_only_itself_and_writes_no_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _touch(tmp_path, "schema.sql", text="CREATE TABLE vms (id int);\n")
    _touch(tmp_path, "q.sql", text="SELECT * FROM vms;\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SQLLINT_CACHE", raising=False)
    _, out, _ = _cli(["check", "--format", "json", "q.sql"], capsys)
    import json

    summary = json.loads(out)["summary"]
    assert summary["files"] == 1
    assert not (tmp_path / ".sqllint_cache").exists()


def test_a_large_tree_is_announced_with_how_to_narrow_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqllint.discover as disc

    (tmp_path / ".git").mkdir()
    for i in range(12):
        _touch(tmp_path, f"dump/part{i:02}.sql", text="SELECT 1;\n")
    monkeypatch.setattr(disc, "LARGE_FILES", 10)
    disc._warn_large.cache_clear()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SQLLINT_CACHE", "0")
    _touch(tmp_path, "q.sql", text="SELECT 1;\n")
    _, _, err = _cli(["check", "q.sql"], capsys)
    assert "reading 13 files" in err and "exclude = [...]" in err and "schema = [...]" in err


# -- configured files ---------------------------------------------------------------------


def test_configured_globs_name_sql_files_whatever_their_suffix(tmp_path: Path) -> None:
    from dataclasses import replace

    _touch(tmp_path, "schema/full.sql.postgres", text="CREATE TABLE a (id int);\n")
    _touch(tmp_path, "schema/more.ddl", text="CREATE TABLE b (id int);\n")
    _touch(tmp_path, "schema/extra.pgsql", text="CREATE TABLE c (id int);\n")
    config = replace(Config(root=tmp_path), schema=("schema/*",))
    project = load_project([tmp_path], config)
    assert {"public.a", "public.b", "public.c"} <= set(project.catalog.tables)


def test_a_glob_that_matches_nothing_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sqllint.toml").write_text('schema = ["db/schema.sql", "db/typo/*.sql"]\n')
    _touch(tmp_path, "db/schema.sql", text="CREATE TABLE a (id int);\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = _cli(["check", "."], capsys)
    assert code == 2
    assert err == ("sqllint: sqllint.toml: schema glob 'db/typo/*.sql' matches no file "
                   "under .\n")


def test_an_explicit_non_sql_file_is_not_read_as_sql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _touch(tmp_path, "README.md", text="Select the best option.\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = _cli(["check", "README.md"], capsys)
    assert code == 0
    assert "SL001" not in out


# -- migration layouts --------------------------------------------------------------------


def _order(tmp_path: Path, config: Config | None = None) -> list[tuple[str, str]]:
    files = discover([tmp_path], config or Config(root=tmp_path))
    return [(f.path.relative_to(tmp_path).as_posix(), f.role) for f in files]


def test_numbered_version_folders_order_by_folder_then_file(tmp_path: Path) -> None:
    from dataclasses import replace

    _touch(tmp_path, "schema/delta/9/10_b.sql", "schema/delta/9/2_a.sql",
           "schema/delta/10/01_c.sql", "schema/delta/10/02_d.sql.postgres",
           "schema/delta/10/03_e.py")
    config = replace(Config(root=tmp_path), migrations=("schema/delta/**/*.sql",
                     "schema/delta/**/*.sql.postgres", "schema/delta/**/*.py"))
    assert _order(tmp_path, config) == [
        ("schema/delta/9/2_a.sql", "migration"), ("schema/delta/9/10_b.sql", "migration"),
        ("schema/delta/10/01_c.sql", "migration"),
        ("schema/delta/10/02_d.sql.postgres", "migration"),
        ("schema/delta/10/03_e.py", "migration")]


def test_diesel_applies_up_and_never_down(tmp_path: Path) -> None:
    mig = tmp_path / "migrations"
    _touch(mig, "2019-03-01-120000_users/up.sql", text="CREATE TABLE users (id int);\n")
    _touch(mig, "2019-03-01-120000_users/down.sql", text="DROP TABLE users;\n")
    _touch(mig, "2019-10-01-120000_more/up.sql", text="ALTER TABLE users ADD c int;\n")
    _touch(mig, "2019-10-01-120000_more/down.sql", text="SELECT nonsense FROM nowhere;\n")
    _touch(mig, "00000000000000_diesel_initial_setup/up.sql", text="SELECT 1;\n")
    # diesel compares versions without their dashes: 2019-10-01 comes after 20190501.
    _touch(mig, "20190501000000_plain/up.sql", text="ALTER TABLE users ADD b int;\n")
    # ... and as strings: a longer timestamp of an earlier day is earlier.
    _touch(mig, "2019-09-01-120000-0000_zone/up.sql", text="ALTER TABLE users ADD z int;\n")
    # ... and the shorter of two equal timestamps first.
    _touch(mig, "2019-09-01-120000_before_zone/up.sql", text="ALTER TABLE users ADD y int;\n")
    assert _order(tmp_path) == [
        ("migrations/00000000000000_diesel_initial_setup/up.sql", "migration"),
        ("migrations/2019-03-01-120000_users/up.sql", "migration"),
        ("migrations/20190501000000_plain/up.sql", "migration"),
        ("migrations/2019-09-01-120000_before_zone/up.sql", "migration"),
        ("migrations/2019-09-01-120000-0000_zone/up.sql", "migration"),
        ("migrations/2019-10-01-120000_more/up.sql", "migration"),
        ("migrations/2019-03-01-120000_users/down.sql", "down"),
        ("migrations/2019-10-01-120000_more/down.sql", "down")]
    project = load_project([tmp_path], Config(root=tmp_path))
    assert project.catalog.tables["public.users"].column_names == ("id", "b", "y", "z", "c")
    assert not any("down.sql" in s.path for s in project.statements)  # never linted


def test_prisma_migration_folders(tmp_path: Path) -> None:
    mig = tmp_path / "prisma" / "migrations"
    _touch(mig, "20230102000000_b/migration.sql", text="ALTER TABLE a ADD b int;\n")
    _touch(mig, "20221231000000_a/migration.sql", text="CREATE TABLE a (id int);\n")
    project = load_project([tmp_path], Config(root=tmp_path))
    assert project.catalog.tables["public.a"].column_names == ("id", "b")


def test_dbmate_applies_only_the_up_section(tmp_path: Path) -> None:
    _touch(tmp_path / "db" / "migrations", "20200101000000_users.sql",
           text="-- migrate:up\nCREATE TABLE users (id int);\n\n"
                "-- migrate:down\nDROP TABLE users;\n")
    project = load_project([tmp_path], Config(root=tmp_path))
    assert "public.users" in project.catalog.tables
    assert [s.node_type for s in project.statements] == ["CreateStmt"]


def test_sqitch_applies_deploy_scripts_in_plan_order(tmp_path: Path) -> None:
    (tmp_path / "sqitch.plan").write_text(
        "%syntax-version=1.0.0\n%project=x\n\n"
        "users 2020-01-01T00:00:00Z A <a@b> # users\n"
        "flips [users] 2020-01-02T00:00:00Z A <a@b> # flips\n"
        "@v1 2020-01-03T00:00:00Z A <a@b> # tag\n"
        "users [users@v1] 2020-01-04T00:00:00Z A <a@b> # reworked\n")
    _touch(tmp_path, "deploy/users@v1.sql", text="CREATE TABLE users (id int);\n")
    _touch(tmp_path, "deploy/flips.sql", text="CREATE TABLE flips (uid int);\n")
    _touch(tmp_path, "deploy/users.sql", text="ALTER TABLE users ADD nick text;\n")
    _touch(tmp_path, "revert/users.sql", text="DROP TABLE users;\n")
    _touch(tmp_path, "verify/users.sql", text="SELECT nick FROM users WHERE FALSE;\n")
    assert _order(tmp_path) == [
        ("deploy/users@v1.sql", "migration"), ("deploy/flips.sql", "migration"),
        ("deploy/users.sql", "migration"), ("revert/users.sql", "down"),
        ("verify/users.sql", "down")]
    project = load_project([tmp_path], Config(root=tmp_path))
    assert project.catalog.tables["public.users"].column_names == ("id", "nick")


def test_python_migrations_take_their_place_in_the_version_order(tmp_path: Path) -> None:
    from dataclasses import replace

    _touch(tmp_path, "delta/1/01_t.sql", text="CREATE TABLE t (id int);\n")
    _touch(tmp_path, "delta/2/01_drop.py",
           text='def run_upgrade(cur):\n    cur.execute("ALTER TABLE t DROP COLUMN id")\n')
    _touch(tmp_path, "delta/3/01_add.sql", text="ALTER TABLE t ADD id bigint;\n")
    config = replace(Config(root=tmp_path), migrations=("delta/**",))
    project = load_project([tmp_path], config)
    assert [c.type for c in project.catalog.tables["public.t"].columns] == ["bigint"]


def test_alembic_revisions_follow_the_down_revision_chain(tmp_path: Path) -> None:
    versions = tmp_path / "alembic" / "versions"
    _touch(tmp_path / "alembic", "env.py", text="")
    _touch(versions, "ffff_first.py",
           text='revision = "ffff"\ndown_revision = None\n'
                'def upgrade():\n    op.execute("CREATE TABLE t (id int)")\n')
    _touch(versions, "0aaa_second.py",
           text='revision = "0aaa"\ndown_revision = "ffff"\n'
                'def upgrade():\n    op.execute("ALTER TABLE t ADD b int")\n')
    assert [n for n, _ in _order(tmp_path) if "versions" in n] == [
        "alembic/versions/ffff_first.py", "alembic/versions/0aaa_second.py"]
    project = load_project([tmp_path], Config(root=tmp_path))
    assert project.catalog.tables["public.t"].column_names == ("id", "b")


# -- runtime DDL --------------------------------------------------------------------------


def test_ddl_run_by_application_code_does_not_change_the_catalog(tmp_path: Path) -> None:
    _touch(tmp_path, "schema.sql", text="CREATE TABLE jobs (id int, payload text);\n")
    _touch(tmp_path, "app/cleanup.py",
           text='def purge(cur):\n    cur.execute("ALTER TABLE jobs DROP COLUMN payload")\n'
                '    cur.execute("CREATE TEMP TABLE work (id int)")\n'
                '    cur.execute("SELECT id FROM work")\n')
    _touch(tmp_path, "funcs.sql",
           text="CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n"
                "  CREATE TABLE scratch (id int);\n  DROP TABLE jobs;\nEND $$;\n")
    project = load_project([tmp_path], Config(root=tmp_path))
    assert project.catalog.tables["public.jobs"].column_names == ("id", "payload")
    assert "public.scratch" not in project.catalog.tables
    # The temporary table is there for the rest of its own file, then gone.
    select = next(s for s in project.statements if s.sql.startswith("SELECT id FROM work"))
    assert "pg_temp.work" in project.catalogs.get(select.seq, project.catalog).tables
    assert "pg_temp.work" not in project.catalog.tables


def test_the_order_of_schema_globs_is_kept(tmp_path: Path) -> None:
    from dataclasses import replace

    _touch(tmp_path, "a_types.sql", text="CREATE TABLE t (id int);\n")
    _touch(tmp_path, "b_tables.sql", text="DROP TABLE t;\n")
    config = replace(Config(root=tmp_path), schema=("b_tables.sql", "a_types.sql"))
    project = load_project([tmp_path], config)
    assert [Path(f.display).name for f in project.files] == ["b_tables.sql", "a_types.sql"]
    assert "public.t" in project.catalog.tables


# -- saying what was read -----------------------------------------------------------------


def test_show_files_lists_every_file_in_the_order_applied_with_its_role(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    (tmp_path / "sqllint.toml").write_text('schema = ["schema.sql"]\n'
                                           'migrations = ["migrations/*/up.sql"]\n')
    _touch(tmp_path, "schema.sql", text="CREATE TABLE a (id int);\n")
    _touch(tmp_path, "queries/report.sql", text="CREATE TEMP TABLE r AS SELECT 1;\n")
    _touch(tmp_path, "migrations/2020-02-01-000000_b/up.sql", text="CREATE TABLE b (id int);\n")
    _touch(tmp_path, "migrations/2020-02-01-000000_b/down.sql", text="DROP TABLE b;\n")
    _touch(tmp_path, "migrations/20200101000000_c/up.sql", text="CREATE TABLE c (id int);\n")
    _touch(tmp_path, "app/jobs.py", text='cur.execute("DROP TABLE a")\n')
    monkeypatch.chdir(tmp_path)
    code, out, _ = _cli(["check", "--show-files", "--format", "json", "."], capsys)
    assert code == 0
    rows = [(r["path"], r["role"], r.get("order")) for r in json.loads(out)["files"]]
    assert rows == [
        ("schema.sql", "schema", 1),
        ("migrations/20200101000000_c/up.sql", "migration", 2),
        ("migrations/2020-02-01-000000_b/up.sql", "migration", 3),
        ("app/jobs.py", "source", None),
        ("migrations/2020-02-01-000000_b/down.sql", "down", None),
        ("queries/report.sql", "source", None)]
    code, out, _ = _cli(["schema", "--files", "."], capsys)
    assert out.splitlines()[:3] == [
        "1  schema                         schema.sql",
        "2  migration                      migrations/20200101000000_c/up.sql",
        "3  migration                      migrations/2020-02-01-000000_b/up.sql"]
    assert "down migration: not applied" in out and "code: its DDL is not applied" in out


def test_no_schema_found_says_the_schema_rules_are_off_and_how_to_fix_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    _touch(tmp_path, "q.sql", text="SELECT id FROM vms WHERE id = 1;\n")
    monkeypatch.chdir(tmp_path)
    _, out, _ = _cli(["check", "q.sql"], capsys)
    assert "No schema found" in out and "schema rules" in out and "schema = [...]" in out
    _, out, _ = _cli(["check", "--format", "json", "q.sql"], capsys)
    summary = json.loads(out)["summary"]
    assert summary["schema"]["found"] is False
    assert "schema = [...]" in summary["schema"]["note"]
    assert {"files", "statements", "findings"} <= set(summary)
    _touch(tmp_path, "schema.sql", text="CREATE TABLE vms (id int);\n")
    _, out, _ = _cli(["check", "q.sql", "schema.sql"], capsys)
    assert "No schema found" not in out


@pytest.mark.parametrize(
    ("args", "config", "message"),
    [
        (["--select", "SL1O3"], None, "--select: unknown rule code 'SL1O3' (did you mean SL103?)"),
        (["--ignore", "SL2O4"], None, "--ignore: unknown rule code 'SL2O4' (did you mean SL204?)"),
        ([], 'select = ["SL", "SL999"]', "sqllint.toml: select: unknown rule code 'SL999'"),
        ([], 'ignore = ["SL1O9"]', "sqllint.toml: ignore: unknown rule code 'SL1O9' "
                                   "(did you mean SL109?)"),
        ([], '[per-file-ignores]\n"tests/**" = ["SL12"]',
         "sqllint.toml: per-file-ignores 'tests/**': unknown rule code 'SL12'"),
    ],
)
def test_unknown_rule_codes_are_an_error_with_the_closest_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    args: list[str], config: str | None, message: str,
) -> None:
    if config is not None:
        (tmp_path / "sqllint.toml").write_text(config + "\n")
    _touch(tmp_path, "q.sql", text="SELECT 1;\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = _cli(["check", *args, "q.sql"], capsys)
    assert code == 2
    assert err.startswith(f"sqllint: {message}"), err


def test_known_codes_prefixes_and_all_are_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _touch(tmp_path, "q.sql", text="SELECT 1;\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = _cli(["check", "--select", "SL1,SL204,ALL", "--ignore", "SL", "q.sql"],
                        capsys)
    assert code == 0, err


def test_configured_files_are_the_whole_schema(tmp_path: Path) -> None:
    from dataclasses import replace

    _touch(tmp_path, "db/deploy/001_t.sql", text="CREATE TABLE t (id int);\n")
    _touch(tmp_path, "db/test/t001.sql", text="CREATE TABLE fixture_only (id int);\n")
    config = replace(Config(root=tmp_path), migrations=("db/deploy/*.sql",))
    project = load_project([tmp_path], config)
    assert "public.t" in project.catalog.tables
    assert "public.fixture_only" not in project.catalog.tables


def test_the_work_trees_gitignore_applies_to_a_project_inside_it(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("generated/\n")
    _touch(tmp_path, "svc/generated/big.sql", "svc/db/schema.sql")
    config = Config(root=tmp_path / "svc")
    assert [f.path.name for f in discover([tmp_path / "svc"], config)] == ["schema.sql"]


def test_the_summary_counts_the_files_read_not_the_down_migrations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mig = tmp_path / "migrations"
    _touch(mig, "2019-03-01-120000_users/up.sql", text="CREATE TABLE users (id int);\n")
    _touch(mig, "2019-03-01-120000_users/down.sql", text="DROP TABLE users;\n")
    (tmp_path / "sqllint.toml").write_text("[tool.sqllint]\n")
    from sqllint.cli import main

    main(["check", "--format", "json", "--no-cache", str(tmp_path)])
    assert json.loads(capsys.readouterr().out)["summary"]["files"] == 1
