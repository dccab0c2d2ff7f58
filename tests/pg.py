"""A throwaway PostgreSQL server for tests: find the binaries, start, connect, stop.

Used by the ``pg_server`` / ``pg_db`` fixtures in ``conftest.py``. The cluster lives
in a private temp dir, listens on 127.0.0.1 and a free port only, trusts every local
connection, and trades durability for speed (fsync off). initdb refuses to run as
root, so under root (CI) the server runs as an unprivileged system user.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

REQUIRE_ENV = "SQLLINT_REQUIRE_PG"  # "1": no PostgreSQL is a test failure, never a skip
BINDIR_ENV = "SQLLINT_PG_BINDIR"  # explicit bin dir holding initdb and pg_ctl
RUN_AS_ENV = "SQLLINT_PG_USER"  # system user that runs the server when we are root
TMPDIR_ENV = "SQLLINT_PG_TMPDIR"  # where to put the cluster (default: /dev/shm or $TMPDIR)
DEFAULT_RUN_AS = "sqllint-pg"
SUPERUSER = "postgres"

SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "autovacuum": "off",
    "jit": "off",  # compiling catalog queries costs more than running them
    "max_connections": "50",
    "timezone": "UTC",
}


class PgUnavailable(Exception):
    """PostgreSQL cannot be used here (binaries or psycopg missing)."""


class PgStartError(Exception):
    """The binaries are there but the server would not start."""


def pg_required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip() not in ("", "0")


def _has_tools(bindir: Path) -> bool:
    return all(os.access(bindir / tool, os.X_OK) for tool in ("initdb", "pg_ctl"))


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", Path(path).parent.name))


def find_bindir() -> Path:
    """Directory holding initdb and pg_ctl, or PgUnavailable.

    Order: $SQLLINT_PG_BINDIR, ``pg_config --bindir``, the newest
    /usr/lib/postgresql/*/bin (Debian keeps initdb off PATH), then PATH.
    """
    candidates: list[Path] = []
    if os.environ.get(BINDIR_ENV):
        candidates.append(Path(os.environ[BINDIR_ENV]))
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            if out:
                candidates.append(Path(out))
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    candidates.extend(Path(d) for d in debian)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for bindir in candidates:
        if _has_tools(bindir):
            return bindir
    raise PgUnavailable("PostgreSQL binaries (initdb, pg_ctl) not found")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _ensure_system_user(name: str) -> str:
    """The user to run the server as when we are root: ``name``, created if missing."""
    try:
        pwd.getpwnam(name)
        return name
    except KeyError:
        pass
    useradd = shutil.which("useradd")
    if useradd:
        nologin = shutil.which("nologin") or "/bin/false"
        subprocess.run(
            [useradd, "--system", "--no-create-home", "--shell", nologin, name],
            capture_output=True,
            check=False,
        )
    with contextlib.suppress(KeyError):  # created by us, or concurrently by another worker
        pwd.getpwnam(name)
        return name
    for fallback in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(fallback)
            return fallback
    raise PgStartError(f"running as root and could not create system user {name!r}")


@dataclass
class PgServer:
    """A running throwaway cluster. Connect over TCP as the trusted superuser."""

    host: str
    port: int
    user: str
    bindir: Path
    base: Path  # temp dir: data/, server.log, the unix socket
    run_as: str | None = None  # OS user running the server (None: ourselves)
    startup_seconds: float = 0.0
    _admin: psycopg.Connection | None = field(default=None, repr=False)
    _counter: itertools.count[int] = field(default_factory=itertools.count, repr=False)

    @property
    def datadir(self) -> Path:
        return self.base / "data"

    @property
    def logfile(self) -> Path:
        return self.base / "server.log"

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"

    def connect(self, dbname: str = "postgres", *, autocommit: bool = True) -> psycopg.Connection:
        import psycopg

        return psycopg.connect(self.conninfo(dbname), autocommit=autocommit)

    @property
    def admin(self) -> psycopg.Connection:
        """A long-lived autocommit connection to ``postgres``, for CREATE/DROP DATABASE."""
        if self._admin is None or self._admin.closed:
            self._admin = self.connect("postgres")
        return self._admin

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database from template0; return its name."""
        from psycopg import sql

        name = name or f"t{os.getpid()}_{next(self._counter)}"
        self.admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name))
        )
        return name

    def drop_database(self, name: str) -> None:
        from psycopg import sql

        # A just-closed connection's backend may still be exiting, and DROP DATABASE
        # waits for it in 100 ms steps: wait here in shorter ones (FORCE does the rest).
        busy = "SELECT 1 FROM pg_stat_activity WHERE datname = %s"
        deadline = time.monotonic() + 2
        while self.admin.execute(busy, (name,)).fetchone() and time.monotonic() < deadline:
            time.sleep(0.002)
        self.admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the server (immediate: nothing here is worth a checkpoint) and remove it all."""
        if self._admin is not None:
            with contextlib.suppress(Exception):
                self._admin.close()
            self._admin = None
        if (self.datadir / "postmaster.pid").exists():
            cmd = [str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-s", "-w"]
            cmd += ["-m", "immediate", "stop"]
            try:
                _run(cmd, self.run_as, self.base, timeout=30)
            except PgStartError:
                _kill_postmaster(self.datadir)
        shutil.rmtree(self.base, ignore_errors=True)


def _as_user(cmd: Sequence[str], run_as: str | None) -> list[str]:
    if run_as is None:
        return list(cmd)
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", run_as, "--", *cmd]
    su = shutil.which("su") or "su"
    return [su, "-s", "/bin/sh", run_as, "-c", shlex.join(cmd)]


def _run(cmd: Sequence[str], run_as: str | None, cwd: Path, timeout: float) -> None:
    """Run quietly; on failure raise PgStartError with the command's output."""
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    try:
        proc = subprocess.run(
            _as_user(cmd, run_as),
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PgStartError(f"{Path(cmd[0]).name}: {exc}") from exc
    if proc.returncode != 0:
        raise PgStartError(
            f"{Path(cmd[0]).name} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}".rstrip()
        )


def _kill_postmaster(datadir: Path) -> None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        pid = int((datadir / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGQUIT)


def _parent_dir(run_as: str | None) -> str:
    """Where the cluster goes: $SQLLINT_PG_TMPDIR, else a roomy tmpfs, else the temp dir.

    On tmpfs CREATE DATABASE takes ~10 ms instead of ~200 ms on a disk (measured).
    Docker's default /dev/shm is 64 MB, too small for a few databases: ask for 512 MB.
    """
    if os.environ.get(TMPDIR_ENV):
        return os.environ[TMPDIR_ENV]
    shm = "/dev/shm"
    with contextlib.suppress(OSError):
        if os.access(shm, os.W_OK | os.X_OK) and shutil.disk_usage(shm).free >= 512 << 20:
            return shm
    parent = tempfile.gettempdir()
    # Under root the server user must be able to reach the dir: /tmp is world-traversable,
    # an inherited TMPDIR such as /root/tmp may not be.
    if run_as is not None:
        probe = _as_user(["test", "-x", parent], run_as)
        if subprocess.run(probe, capture_output=True, check=False).returncode != 0:
            return "/tmp"
    return parent


def _make_base(run_as: str | None) -> Path:
    base = Path(tempfile.mkdtemp(prefix="sqllint-pg-", dir=_parent_dir(run_as)))
    if run_as is not None:
        entry = pwd.getpwnam(run_as)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    return base


def start_server(attempts: int = 3) -> PgServer:
    """Init and start a cluster; raises PgUnavailable or PgStartError.

    The port is picked free then bound by the server, so another process can
    steal it in between: retry on a new port.
    """
    bindir = find_bindir()
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise PgUnavailable("psycopg is not installed") from exc
    run_as = None
    if os.geteuid() == 0:
        run_as = _ensure_system_user(os.environ.get(RUN_AS_ENV) or DEFAULT_RUN_AS)
    base = _make_base(run_as)
    server = PgServer("127.0.0.1", 0, SUPERUSER, bindir, base, run_as)
    started = time.monotonic()
    try:
        initdb = [str(bindir / "initdb"), "-D", str(server.datadir), "-U", SUPERUSER]
        initdb += ["-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]
        _run(initdb, run_as, base, timeout=120)
        pg_ctl = [str(bindir / "pg_ctl"), "-D", str(server.datadir), "-l", str(server.logfile)]
        pg_ctl += ["-s", "-w", "-t", "60"]
        for attempt in range(attempts):
            server.port = free_port()
            settings = {**SERVER_SETTINGS, "port": str(server.port)}
            opts = " ".join(f"-c {k}={v}" for k, v in settings.items())
            opts += f" -k {shlex.quote(str(base))}"  # pg_ctl runs postgres through sh
            try:
                _run([*pg_ctl, "-o", opts, "start"], run_as, base, timeout=90)
                break
            except PgStartError as exc:
                _kill_postmaster(server.datadir)
                if attempt == attempts - 1:
                    raise PgStartError(f"{exc}\n--- server.log ---\n{server.log_tail()}") from None
    except BaseException:
        server.stop()
        raise
    server.startup_seconds = time.monotonic() - started
    return server
