"""Which files are read, which are migrations, and the order they apply in."""

from __future__ import annotations

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
        ("20240101120000_create_users.sql", "migration", (20240101120000,)),
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


def test_migrations_apply_before_other_sql(tmp_path: Path) -> None:
    _touch(tmp_path, "a_queries.sql", "migrations/0002_b.up.sql", "migrations/0001_a.up.sql")
    files = discover([tmp_path], Config(root=tmp_path))
    assert [f.path.name for f in files] == ["0001_a.up.sql", "0002_b.up.sql", "a_queries.sql"]


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


def test_schema_files_apply_before_queries_whatever_their_names(tmp_path: Path) -> None:
    _touch(tmp_path, "a_queries.sql", text="SELECT id FROM vms;\n")
    _touch(tmp_path, "z_schema.sql", text="CREATE TABLE vms (id int PRIMARY KEY);\n")
    project = load_project([tmp_path], Config(root=tmp_path))
    kinds = [s.kind for s in project.statements]
    assert kinds == ["ddl", "query"]


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
