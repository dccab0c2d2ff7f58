"""Configuration: ``[tool.sqllint]`` in pyproject.toml or a sqllint.toml, plus CLI overrides."""

from __future__ import annotations

import stat
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqllint.model import SEVERITY_RANK


class ConfigError(Exception):
    """A configuration problem the user must fix; the CLI turns it into exit code 2."""


@dataclass(frozen=True)
class SqlFunction:
    """A Python call target whose argument ``arg`` is SQL (``*.fetch_one``, ``repo.query``)."""

    pattern: str
    arg: int = 0


@dataclass(frozen=True)
class Config:
    root: Path = field(default_factory=Path.cwd)
    source: Path | None = None
    select: tuple[str, ...] = ()
    # Added to the selection (default: every rule that is not opt-in); names opt-in rules.
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    schema: tuple[str, ...] = ()
    migrations: tuple[str, ...] = ()
    fail_on: str = "warning"
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    sql_functions: tuple[SqlFunction, ...] = ()
    transactional_migrations: tuple[tuple[str, bool], ...] = ()
    postgres_version: int = 15
    tables: tuple[tuple[str, str], ...] = ()
    timeseries_tables: tuple[str, ...] = ()
    # The search_path every file's session starts with (the role's or PGOPTIONS' one);
    # empty: PostgreSQL's default, and unqualified names fall back to any schema.
    search_path: tuple[str, ...] = ()
    # False with --no-cache: the run neither reads nor writes .sqllint_cache.
    cache: bool = True
    # Engines the project's SQL is written for besides PostgreSQL: a statement
    # PostgreSQL rejects that is valid in one of them is reported as such (SL006).
    dialects: tuple[str, ...] = ("postgresql",)
    # Text substitutions applied before parsing (template markers): (marker, text).
    placeholders: tuple[tuple[str, str], ...] = ()
    # Folders of other projects (with their own config) inside this one: not walked.
    skip_dirs: tuple[Path, ...] = ()
    # False when no project root was found (no config, no VCS work tree): only the
    # given paths are read, and no cache is written.
    rooted: bool = True

    def with_overrides(self, **changes: Any) -> Config:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def table_size(self, name: str) -> str:
        short = name.split(".")[-1]
        for table, size in self.tables:
            if table in (name, short):
                return size
        return "large"

    def names_exactly(self, *codes: str) -> bool:
        """Does ``select`` name one of ``codes`` itself (not by a prefix or ALL)?"""
        wanted = {c.upper() for c in codes}
        return any(p.upper() in wanted for p in self.select + self.extend_select)

    def code_enabled(self, code: str) -> bool:
        if self.select and not _matches(code, self.select):
            return False
        return not (self.ignore and _matches(code, self.ignore))


def _matches(code: str, prefixes: tuple[str, ...]) -> bool:
    return any(code.startswith(p) or p == "ALL" for p in prefixes)


_KEYS = {
    "select", "ignore", "exclude", "schema", "migrations", "fail-on", "per-file-ignores",
    "sql-functions", "transactional-migrations", "postgres-version", "tables",
    "timeseries-tables", "extend-select", "dialects", "placeholders", "search-path",
}
# What `dialects` may list: the project's SQL also runs on these engines.
DIALECTS = ("postgresql", "sqlite", "mysql")


VCS_MARKERS = (".git", ".hg")


def find_config(start: Path) -> Path | None:
    """The nearest sqllint.toml, or pyproject.toml with a [tool.sqllint] table, upward."""
    here = start if start.is_dir() else start.parent
    for folder in [here, *here.parents]:
        if (folder / "sqllint.toml").is_file():
            return folder / "sqllint.toml"
        if has_sqllint_config(folder):
            return folder / "pyproject.toml"
    return None


def find_vcs_root(start: Path) -> Path | None:
    """The nearest folder upward that is a work tree's top (``.git`` folder or file)."""
    here = start if start.is_dir() else start.parent
    for folder in [here, *here.parents]:
        if any((folder / marker).exists() for marker in VCS_MARKERS):
            return folder
    return None


def has_sqllint_config(folder: Path) -> bool:
    """Does ``folder`` hold a sqllint.toml or a pyproject.toml with [tool.sqllint]?"""
    pyproject = folder / "pyproject.toml"
    return (folder / "sqllint.toml").is_file() or (
        pyproject.is_file() and _has_sqllint_table(pyproject))


def _has_sqllint_table(path: Path) -> bool:
    """A ``tool.sqllint`` table in any TOML spelling (``[tool.sqllint]``, ``[tool]`` with
    ``sqllint = {…}``, dotted keys). A pyproject.toml that is not valid TOML is ours
    when it mentions sqllint, so that loading it reports the error."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError:
        return False
    if len(data) > MAX_CONFIG_BYTES:
        return b"sqllint" in data  # loading it says it is too large
    text = data.decode("utf-8", errors="replace")
    if "sqllint" not in text:
        return False
    try:
        tool = tomllib.loads(text).get("tool")
    except (tomllib.TOMLDecodeError, RecursionError):
        return True
    return isinstance(tool, dict) and "sqllint" in tool


def unconfigured(start: Path) -> Config:
    """The defaults for a path no config governs: the project is the VCS work tree it
    is in, else nothing but the paths given."""
    vcs = find_vcs_root(start)
    if vcs is not None:
        return Config(root=vcs.resolve())
    here = start if start.is_dir() else start.parent
    return Config(root=here.resolve(), rooted=False)


def load_config(path: Path | None, start: Path | None = None) -> Config:
    """Read the config at ``path`` (or the nearest one from ``start``); defaults when none."""
    if path is None:
        where = (start or Path.cwd()).resolve()
        path = find_config(where)
        if path is None:
            return unconfigured(where)
    raw = _read_toml(path)
    tool = raw.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: 'tool' must be a table")
    table = tool.get("sqllint", {}) if path.name == "pyproject.toml" else raw
    if path.name != "pyproject.toml" and "tool" in raw:
        table = tool.get("sqllint", table)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.sqllint] must be a table")
    return parse_config(table, root=path.parent.resolve(), source=path)


MAX_CONFIG_BYTES = 1 << 20


def _read_toml(path: Path) -> dict[str, Any]:
    """The TOML at ``path``: a regular file of at most 1 MiB (``--config /dev/zero`` is
    refused, not read until memory runs out), or a one-line ConfigError."""
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise ConfigError(f"cannot read config {path}: not a regular file")
        with open(path, "rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror or exc}") from exc
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"config {path} is larger than {MAX_CONFIG_BYTES >> 20} MiB")
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"invalid TOML in {path}: {_first_line(exc)}") from exc
    except RecursionError as exc:
        raise ConfigError(f"invalid TOML in {path}: nested too deeply") from exc


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def check_globs(where: str, key: str, globs: Iterable[str]) -> None:
    """Every glob compiles (``[z-a]`` or a lone ``!`` is an error now, not mid-run)."""
    globs = tuple(globs)
    if not globs:
        return
    import pathspec  # only for globs: it takes 40 ms to import (typing_extensions → asyncio)

    for glob in globs:
        try:
            pathspec.PathSpec.from_lines("gitignore", [glob]).match_file("x")
        except Exception as exc:  # re.error, GitIgnorePatternError, ValueError …
            raise ConfigError(f"{where}: '{key}': invalid glob {glob!r}: "
                              f"{_first_line(exc)}") from exc


def parse_config(table: dict[str, Any], root: Path, source: Path | None = None) -> Config:
    where = str(source) if source else "config"
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) in [tool.sqllint]: {', '.join(unknown)}")

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: '{key}' must be a list of strings")
        return tuple(value)

    fail_on = table.get("fail-on", "warning")
    if not isinstance(fail_on, str) or fail_on not in SEVERITY_RANK:
        raise ConfigError(f"{where}: 'fail-on' must be one of error, warning, info")
    version = table.get("postgres-version", 15)
    if not isinstance(version, int) or isinstance(version, bool) or not 9 <= version <= 30:
        raise ConfigError(f"{where}: 'postgres-version' must be a major version number like 15")

    pfi = table.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise ConfigError(f"{where}: 'per-file-ignores' must be a table of glob = [codes]")
    per_file: list[tuple[str, tuple[str, ...]]] = []
    for glob, codes in pfi.items():
        if isinstance(codes, str):
            codes = [codes]
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ConfigError(f"{where}: per-file-ignores '{glob}' must list rule codes")
        per_file.append((glob, tuple(codes)))

    functions: list[SqlFunction] = []
    for item in strings("sql-functions"):
        pattern, _, arg = item.partition(":")
        if arg and not arg.isdigit():
            raise ConfigError(f"{where}: sql-functions entry '{item}': argument must be a number")
        functions.append(SqlFunction(pattern, int(arg) if arg else 0))

    tm = table.get("transactional-migrations", {})
    if isinstance(tm, bool):
        tm = {"**": tm}
    if not isinstance(tm, dict) or not all(isinstance(v, bool) for v in tm.values()):
        raise ConfigError(
            f"{where}: 'transactional-migrations' must be true/false or a table of glob = bool"
        )

    tables = table.get("tables", {})
    if not isinstance(tables, dict) or not all(
        v in ("small", "large") for v in tables.values()
    ):
        raise ConfigError(f"{where}: [tool.sqllint.tables] values must be \"small\" or \"large\"")

    dialects = strings("dialects") if "dialects" in table else ("postgresql",)
    wrong = [d for d in dialects if d not in DIALECTS]
    if wrong:
        raise ConfigError(f"{where}: 'dialects' may list {', '.join(DIALECTS)}, not {wrong[0]}")
    placeholders = table.get("placeholders", {})
    if not isinstance(placeholders, dict) or not all(
        isinstance(k, str) and k and isinstance(v, str) for k, v in placeholders.items()
    ):
        raise ConfigError(f"{where}: [tool.sqllint.placeholders] must map marker = \"text\"")

    for key in ("exclude", "schema", "migrations"):
        check_globs(where, key, strings(key))
    check_globs(where, "per-file-ignores", (glob for glob, _ in per_file))
    check_globs(where, "transactional-migrations", tm)

    return Config(
        root=root,
        source=source,
        select=strings("select") + (strings("extend-select") if strings("select") else ()),
        extend_select=strings("extend-select"),
        ignore=strings("ignore"),
        exclude=strings("exclude"),
        schema=strings("schema"),
        migrations=strings("migrations"),
        fail_on=fail_on,
        per_file_ignores=tuple(per_file),
        sql_functions=tuple(functions),
        transactional_migrations=tuple(tm.items()),
        postgres_version=version,
        tables=tuple(tables.items()),
        timeseries_tables=strings("timeseries-tables"),
        dialects=dialects,
        placeholders=tuple(placeholders.items()),
        search_path=strings("search-path"),
    )
