"""`sqllint indexes --out DIR`: migration files the project's tool runs outside a
transaction. The plan passes sqllint's own check, removes the findings it claims, and
applies on PostgreSQL the way the tool sends it."""

from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import psycopg
import pytest

from sqllint.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _findings(capsys: pytest.CaptureFixture[str], *paths: str) -> set[tuple[str, str, int]]:
    capsys.readouterr()
    main(["check", "--no-cache", "--format", "json", *paths])
    report = json.loads(capsys.readouterr().out)
    return {(f["rule"], f["path"], f["line"]) for f in report["findings"]}


def _plan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    capsys.readouterr()
    code = main(["indexes", *args])
    out = capsys.readouterr()
    return code, out.out.split(), out.err


def _version(path: Path) -> int:
    return int(path.name.split("_", 1)[0])


@pytest.fixture
def novacron(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    repo = tmp_path / "novacron"
    shutil.copytree(ROOT / "fixtures" / "novacron", repo)
    monkeypatch.chdir(repo)
    return repo


def test_golang_migrate_plan_is_a_file_pair_per_index_and_passes_its_own_check(
        novacron: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = _findings(capsys, ".")
    code, written, _ = _plan(capsys, "--out", "migrations/", ".")
    assert code == 0
    ups = sorted(p for p in written if p.endswith(".up.sql"))
    downs = sorted(p for p in written if p.endswith(".down.sql"))
    assert ups and len(ups) == len(downs)
    assert ups[0].startswith("migrations/000014_sqllint_")  # the folder's next version
    for up in ups:
        text = Path(up).read_text()
        assert text.count("CREATE INDEX CONCURRENTLY") == 1
    after = _findings(capsys, ".")
    assert after < before  # fewer findings, and none added (no SL303 for one-query files)
    assert not {r for r, _, _ in after - before}


def test_golang_migrate_plan_applies_as_golang_migrate_sends_it(
        novacron: Path, capsys: pytest.CaptureFixture[str], pg_db: psycopg.Connection) -> None:
    _plan(capsys, "--out", "migrations/", ".")
    ups = sorted((novacron / "migrations").glob("*.up.sql"), key=_version)
    for path in ups:  # one query string per file, as golang-migrate sends it
        pg_db.execute(path.read_text(encoding="utf-8").encode())
    planned = [p for p in ups if "_sqllint_" in p.name]
    names = [p.name.split("_sqllint_")[1].removesuffix(".up.sql") for p in planned]
    valid = {row[0] for row in pg_db.execute(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indisvalid")}
    assert set(names) <= valid
    for path in sorted((novacron / "migrations").glob("*_sqllint_*.down.sql"),
                       key=_version, reverse=True):
        pg_db.execute(path.read_text(encoding="utf-8").encode())
    remaining = {row[0] for row in pg_db.execute("SELECT relname FROM pg_class")}
    assert not set(names) & remaining


def test_a_golang_migrate_file_name_for_the_whole_plan_is_refused(
        novacron: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _plan(capsys, "--out", "migrations/000014_indexes.up.sql", ".")
    assert code == 2
    assert "golang-migrate" in err and "--out migrations/" in err
    assert not (novacron / "migrations" / "000014_indexes.up.sql").exists()


def _flyway_repo(root: Path) -> Path:
    mig = root / "db" / "migration"
    mig.mkdir(parents=True)
    (root / "sqllint.toml").write_text("")
    (mig / "V1__init.sql").write_text(
        "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, status text);\n")
    (mig / "V2__more.sql").write_text("ALTER TABLE orders ADD COLUMN note text;\n")
    (root / "q.sql").write_text("SELECT id FROM orders WHERE customer_id = $1 LIMIT 10;\n")
    return mig


def test_flyway_plan_is_a_script_per_index_with_a_no_transaction_conf(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    mig = _flyway_repo(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = _findings(capsys, ".")
    assert ("SL103", "q.sql", 1) in before
    code, written, _ = _plan(capsys, "--out", "db/migration", ".")
    assert code == 0
    assert sorted(Path(p).name for p in written) == [
        "V3__sqllint_orders_customer_id_idx.sql", "V3__sqllint_orders_customer_id_idx.sql.conf"]
    assert (mig / "V3__sqllint_orders_customer_id_idx.sql.conf").read_text() == \
        "executeInTransaction=false\n"
    after = _findings(capsys, ".")
    assert ("SL103", "q.sql", 1) not in after and after < before


def test_alembic_plan_is_one_revision_in_an_autocommit_block(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "pyapp"
    shutil.copytree(ROOT / "fixtures" / "pyapp", repo)
    monkeypatch.chdir(repo)
    before = _findings(capsys, ".")
    code, written, _ = _plan(capsys, "--out", "migrations/versions", ".")
    assert code == 0 and len(written) == 1
    path = Path(written[0])
    assert path.name == "0002_sqllint_indexes.py"
    tree = ast.parse(path.read_text())
    values = {t.id: ast.literal_eval(n.value) for n in tree.body
              if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    assert values["down_revision"] == "0001"
    assert "with op.get_context().autocommit_block():" in path.read_text()
    after = _findings(capsys, ".")
    assert not {r for r, _, _ in after - before}
    assert len(after) < len(before)


def test_django_plan_is_a_non_atomic_migration_with_add_index_concurrently(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    mig = tmp_path / "shop" / "migrations"
    mig.mkdir(parents=True)
    (tmp_path / "sqllint.toml").write_text("")
    (mig / "__init__.py").write_text("")
    (mig / "0001_initial.py").write_text(
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        "    initial = True\n"
        "    operations = [migrations.RunSQL(\n"
        "        'CREATE TABLE shop_order (id bigint PRIMARY KEY, customer_id bigint)')]\n")
    (tmp_path / "q.sql").write_text(
        "SELECT id FROM shop_order WHERE customer_id = $1 LIMIT 10;\n")
    monkeypatch.chdir(tmp_path)
    assert ("SL103", "q.sql", 1) in _findings(capsys, ".")
    code, written, _ = _plan(capsys, "--out", "shop/migrations", ".")
    assert code == 0
    text = Path(written[0]).read_text()
    assert Path(written[0]).name == "0002_sqllint_indexes.py"
    assert "atomic = False" in text
    assert "dependencies = [('shop', '0001_initial')]" in text
    assert ("AddIndexConcurrently(model_name='order', index=models.Index("
            "fields=['customer_id'], name='shop_order_customer_id_idx'))") in text
    ast.parse(text)


def test_an_unnamed_index_in_a_migration_gets_a_name_in_the_plan(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    # `CREATE INDEX ON t (…)` (PostgreSQL names it) on an existing table, as a real diesel
    # history has it: the plan writes it back with a name, never an empty "" identifier.
    mig = tmp_path / "migrations"
    mig.mkdir()
    (tmp_path / "sqllint.toml").write_text("")
    (mig / "001_init.sql").write_text("CREATE TABLE deps (id int PRIMARY KEY, crate_id int);\n")
    (mig / "002_index.sql").write_text("CREATE INDEX ON deps (crate_id);\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = _plan(capsys, ".")
    assert code == 0, err
    findings = _findings(capsys, ".")
    assert ("SL301", "migrations/002_index.sql", 1) in findings
