"""Generate sqllint/data/volatility.json and sqllint/data/extensions.json from PostgreSQL.

Starts a throwaway cluster (initdb + pg_ctl in a temp dir, as an unprivileged user when
run as root), creates every contrib extension that is installed, and dumps:

- volatility.json: function volatility from ``pg_proc.provolatile`` (functions whose
  overloads agree are listed by name; the others by argument types, e.g.
  ``date_trunc(text,timestamptz)`` is stable but ``date_trunc(text,timestamp)`` is
  immutable), operators and casts whose function is not immutable, and types whose
  text input/output function is not immutable (what a ``::text`` cast calls).
- extensions.json: which extension provides a function, operator class or type that
  core PostgreSQL does not have (``gin_trgm_ops`` → pg_trgm), from pg_depend.

Usage: python scripts/gen_pg_data.py [--bindir /usr/lib/postgresql/15/bin] [--user pgtest]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg

DATA = Path(__file__).resolve().parent.parent / "sqllint" / "data"
# Extensions worth knowing; any other installed one is created too when it can be.
PREFERRED = ("pg_trgm", "uuid-ossp", "pgcrypto", "btree_gist", "btree_gin", "hstore", "citext",
             "postgis", "ltree", "cube", "earthdistance", "fuzzystrmatch", "intarray", "isn",
             "unaccent", "tablefunc", "seg", "lo", "pg_stat_statements", "bloom", "vector")
SKIP = frozenset({"plpgsql", "adminpack"})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(cmd: list[str], user: str | None) -> None:
    if user and os.geteuid() == 0:
        cmd = ["runuser", "-u", user, "--", *cmd]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def _available_extensions(sharedir: Path) -> list[str]:
    found = sorted(p.stem for p in (sharedir / "extension").glob("*.control"))
    return [e for e in PREFERRED if e in found] + [
        e for e in found if e not in PREFERRED and e not in SKIP]


def _sharedir(bindir: Path) -> Path:
    out = subprocess.run([str(bindir / "pg_config"), "--sharedir"], capture_output=True,
                         text=True, check=False)
    if out.returncode == 0 and out.stdout.strip():
        return Path(out.stdout.strip())
    return Path("/usr/share/postgresql") / bindir.parent.name


def dump(conn: psycopg.Connection[Any], extensions: list[str]) -> tuple[dict[str, Any],
                                                                         dict[str, Any]]:
    created = []
    for ext in extensions:
        try:
            conn.execute(f'CREATE EXTENSION IF NOT EXISTS "{ext}" CASCADE')
            created.append(ext)
        except psycopg.Error as exc:
            print(f"skipping {ext}: {str(exc).splitlines()[0]}", file=sys.stderr)
    version = conn.execute("SHOW server_version_num").fetchone()
    major = int(version[0]) // 10000 if version else 0

    # Functions: name, argument type names, volatility, extension (NULL for core).
    rows = conn.execute("""
        SELECT p.proname, coalesce(array_to_string(array(
                 SELECT t.typname FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY a(oid, n)
                 JOIN pg_type t ON t.oid = a.oid ORDER BY a.n), ','), ''),
               p.provolatile, e.extname
        FROM pg_proc p
        LEFT JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
             AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
        LEFT JOIN pg_extension e ON e.oid = d.refobjid
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.prokind = 'f' AND (n.nspname = 'pg_catalog' OR e.extname IS NOT NULL)
        ORDER BY 1, 2""").fetchall()
    by_name: dict[str, dict[str, str]] = {}
    core_names: set[str] = set()
    ext_functions: dict[str, str] = {}
    for name, args, vol, ext in rows:
        by_name.setdefault(name, {})[args] = vol
        if ext is None:
            core_names.add(name)
        else:
            ext_functions.setdefault(name, ext)
    uniform: dict[str, list[str]] = {"i": [], "s": [], "v": []}
    by_args: dict[str, dict[str, str]] = {}
    for name, sigs in sorted(by_name.items()):
        vols = set(sigs.values())
        if len(vols) == 1:
            uniform[vols.pop()].append(name)
        else:
            by_args[name] = dict(sorted(sigs.items()))

    operators = conn.execute("""
        SELECT o.oprname, coalesce(l.typname, ''), coalesce(r.typname, ''), p.provolatile
        FROM pg_operator o JOIN pg_proc p ON p.oid = o.oprcode
        LEFT JOIN pg_type l ON l.oid = o.oprleft LEFT JOIN pg_type r ON r.oid = o.oprright
        WHERE p.provolatile <> 'i' ORDER BY 1, 2, 3""").fetchall()
    casts = conn.execute("""
        SELECT s.typname, t.typname, p.provolatile
        FROM pg_cast c JOIN pg_proc p ON p.oid = c.castfunc
        JOIN pg_type s ON s.oid = c.castsource JOIN pg_type t ON t.oid = c.casttarget
        WHERE p.provolatile <> 'i' ORDER BY 1, 2""").fetchall()
    io_types = conn.execute("""
        SELECT t.typname, CASE WHEN 'v' IN (i.provolatile, o.provolatile) THEN 'v' ELSE 's' END
        FROM pg_type t JOIN pg_proc i ON i.oid = t.typinput JOIN pg_proc o ON o.oid = t.typoutput
        WHERE t.typtype IN ('b', 'e', 'r', 'm') AND t.typname NOT LIKE '\\_%'
          AND (i.provolatile <> 'i' OR o.provolatile <> 'i') ORDER BY 1""").fetchall()

    volatility = {
        "postgres": major,
        "functions": uniform,
        "by_args": by_args,
        "operators": [list(r) for r in operators],
        "casts": [list(r) for r in casts],
        "io": {name: vol for name, vol in io_types},
    }

    opclasses = conn.execute("""
        SELECT c.opcname, e.extname FROM pg_opclass c
        JOIN pg_depend d ON d.classid = 'pg_opclass'::regclass AND d.objid = c.oid
             AND d.deptype = 'e' AND d.refclassid = 'pg_extension'::regclass
        JOIN pg_extension e ON e.oid = d.refobjid
        WHERE c.opcname NOT IN (SELECT opcname FROM pg_opclass c2
                                JOIN pg_namespace n ON n.oid = c2.opcnamespace
                                WHERE n.nspname = 'pg_catalog')
        ORDER BY 1""").fetchall()
    types = conn.execute("""
        SELECT t.typname, e.extname FROM pg_type t
        JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid
             AND d.deptype = 'e' AND d.refclassid = 'pg_extension'::regclass
        JOIN pg_extension e ON e.oid = d.refobjid
        WHERE t.typname NOT LIKE '\\_%' ORDER BY 1""").fetchall()
    extensions_data = {
        "postgres": major,
        "extensions": created,
        # Only names core PostgreSQL lacks: citext's lower(citext) must not mean "citext".
        "functions": {n: e for n, e in sorted(ext_functions.items()) if n not in core_names},
        "opclasses": {n: e for n, e in opclasses},
        "types": {n: e for n, e in types},
    }
    return volatility, extensions_data


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--bindir", default="/usr/lib/postgresql/15/bin")
    ap.add_argument("--user", default="pgtest", help="runs the server when we are root")
    ap.add_argument("--out", default=str(DATA))
    args = ap.parse_args(argv)
    bindir = Path(args.bindir)
    user = args.user if os.geteuid() == 0 else None
    tmp = Path(tempfile.mkdtemp(prefix="sqllint-gen-"))
    datadir = tmp / "data"
    port = _free_port()
    if user:
        shutil.chown(tmp, user=user)
    try:
        _run([str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "-A", "trust",
              "--no-sync"], user)
        _run([str(bindir / "pg_ctl"), "-D", str(datadir), "-l", str(tmp / "log"), "-w", "-o",
              f"-p {port} -c listen_addresses=127.0.0.1 -k {tmp} -c fsync=off", "start"],
             user)
        try:
            with psycopg.connect(host="127.0.0.1", port=port, user="postgres",
                                 dbname="postgres", autocommit=True) as conn:
                volatility, extensions = dump(conn, _available_extensions(_sharedir(bindir)))
        finally:
            _run([str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"], user)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in (("volatility.json", volatility), ("extensions.json", extensions)):
        (out / name).write_text(json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n",
                                encoding="utf-8")
        print(f"wrote {out / name} ({(out / name).stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
