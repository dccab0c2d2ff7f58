"""The persistent cache in ``.sqllint_cache/``: parsed files and whole-run results.

An entry is keyed by what determines it. A file's statements: the sha256 of its text,
its display path, language and migration flag, the sqllint version, a fingerprint of
sqllint's parsing code and the configuration the readers use (``sql-functions``,
``postgres-version``). A whole run's result: every file read and the whole config and
code. A changed input is a different key, so entries are never invalidated, only left
behind; ``SQLLINT_CACHE=0`` turns the cache off and ``SQLLINT_CACHE_DIR`` moves it.

The built catalog is not cached: rebuilding it is three times faster than unpickling
its snapshots (measured on pg_regress: 0.5 s against 1.5 s).

Entries are pickles read back through an unpickler that only rebuilds sqllint's own
data classes and builtin containers: a cache directory committed to a repository by
someone else cannot run code. Any unreadable entry is a miss, any write error is
ignored: the cache never changes a result, only how fast it comes.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import pickle
import re
import stat
import tempfile
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from sqllint import __version__
from sqllint.config import Config
from sqllint.model import Statement, with_changes

CACHE_DIR = ".sqllint_cache"
FORMAT = 2  # 2: entries sealed with their sha256
_SAFE_MODULES = frozenset({"sqllint.model", "sqllint.catalog.model", "sqllint.result"})
_SAFE_BUILTINS = frozenset({"frozenset", "set", "dict", "list", "tuple", "str", "int",
                            "bytes", "bool", "float", "object"})
_SAFE_COPYREG = frozenset({"_reconstructor", "__newobj__", "__newobj_ex__"})


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module in _SAFE_MODULES:
            found = super().find_class(module, name)
            # Only the data classes defined there, not whatever those modules import.
            if isinstance(found, type) and found.__module__ == module:
                return found
        elif (
            (module == "builtins" and name in _SAFE_BUILTINS)
            or (module == "copyreg" and name in _SAFE_COPYREG)
            or (module in ("immutables._map", "immutables.map") and name == "Map")
        ):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the sqllint cache")


def _json_dumps(node: Any) -> bytes:
    try:
        return bytes(orjson.dumps(node))
    except (orjson.JSONEncodeError, TypeError):  # nesting deeper than orjson goes
        return json.dumps(node).encode()


def _json_loads(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def _loads(data: bytes) -> Any:
    return _SafeUnpickler(io.BytesIO(data)).load()


_MAGIC = b"sqllint-cache\x00"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _seal(payload: bytes) -> bytes:
    """An entry: a marker, the payload's sha256, the payload. One flipped byte anywhere
    and the entry is a miss, not a wrong answer or a crash."""
    return _MAGIC + hashlib.sha256(payload).digest() + payload


def _unseal(data: bytes) -> bytes:
    head = len(_MAGIC) + 32
    payload = data[head:]
    if data[: len(_MAGIC)] != _MAGIC or hashlib.sha256(payload).digest() != data[len(_MAGIC):head]:
        raise ValueError("damaged cache entry")
    return payload


def _own_dir(folder: Path, root: Path, create: bool) -> bool:
    """Is ``folder`` inside ``root`` with no symlink on the way (each level a real folder,
    made when ``create`` and missing)? Missing and not ``create``: True (nothing to
    read, nothing followed)."""
    try:
        rel = folder.relative_to(root)
    except ValueError:
        return False
    here = root
    for part in rel.parts:
        here = here / part
        try:
            st = os.lstat(here)
        except FileNotFoundError:
            if not create:
                return True
            try:
                os.mkdir(here)
            except FileExistsError:
                pass
            except OSError:
                return False
            st = os.lstat(here)
        except OSError:
            return False
        if not stat.S_ISDIR(st.st_mode):  # a symlink (lstat does not follow) or a file
            return False
    return True


def _create(path: Path, text: str) -> None:
    """Write a new file; never through a symlink, never over an existing file."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Versions (sqllint, pglast, Python) and the size and mtime of the modules whose
    output is cached."""
    import sys

    package = Path(__file__).resolve().parent
    parts = [__version__, str(FORMAT), _pglast_version(), sys.version]
    names: Iterable[Path] = [
        *sorted((package / "sources").glob("*.py")),
        *sorted((package / "catalog").glob("*.py")),
        package / "model.py", package / "sqltext.py", package / "cache.py",
    ]
    for path in names:
        try:
            st = path.stat()
        except OSError:
            continue
        parts.append(f"{path.name}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _pglast_version() -> str:
    """``pglast.__version__``, read from its source when pglast is not loaded yet: a run
    answered from the cache never needs the parser (20 ms to import)."""
    import importlib.util
    import sys

    loaded = sys.modules.get("pglast")
    if loaded is None:
        with contextlib.suppress(Exception):
            spec = importlib.util.find_spec("pglast")
            if spec is not None and spec.origin:
                found = re.search(r"""^__version__\s*=\s*['"]([^'"]*)['"]""",
                                  Path(spec.origin).read_text(encoding="utf-8"), re.M)
                if found:
                    return found.group(1)
        import pglast as loaded
    return str(getattr(loaded, "__version__", ""))


def enabled() -> bool:
    return os.environ.get("SQLLINT_CACHE", "1").lower() not in ("0", "false", "no", "off")


class Cache:
    """One project's cache directory (``<config root>/.sqllint_cache``)."""

    def __init__(self, folder: Path, root: Path | None = None) -> None:
        self.folder = folder
        self.root = root  # when set, every folder from it down is checked to be real
        self._ready = False
        self._checked: set[Path] = set()

    @staticmethod
    def for_config(config: Config) -> Cache | None:
        """The project's cache, or None: turned off, no project root, or a
        ``.sqllint_cache`` that is not a folder of the project's own (a committed symlink
        would send every write, and every read, wherever it points)."""
        custom = os.environ.get("SQLLINT_CACHE_DIR")
        if not enabled() or not config.cache or not (config.rooted or custom):
            return None  # no project root: nothing is written beside the given files
        if custom:
            return Cache(Path(custom))
        folder = config.root / CACHE_DIR
        if not _own_dir(folder, config.root, create=False):
            return None
        return Cache(folder, root=config.root)

    # -- keys ---------------------------------------------------------------------------

    @staticmethod
    def file_key(display: str, lang: str, migration: bool, text: str, config: Config) -> str:
        h = hashlib.sha256()
        for part in (code_fingerprint(), display, lang, str(migration),
                     repr(config.sql_functions), str(config.postgres_version),
                     repr(config.dialects), repr(config.placeholders)):
            h.update(part.encode("utf-8", errors="surrogatepass"))
            h.update(b"\x00")
        h.update(text.encode("utf-8", errors="surrogatepass"))
        return h.hexdigest()

    # -- entries ------------------------------------------------------------------------

    def _path(self, kind: str, key: str) -> Path:
        return self.folder / f"v{FORMAT}" / kind / key[:2] / f"{key}.pickle"

    def get(self, kind: str, key: str) -> Any:
        """The stored value, or None (missing, unreadable, damaged, or not ours)."""
        try:
            target = self._path(kind, key)
            if not self._real_dirs(target.parent, create=False):
                return None
            fd = os.open(target, os.O_RDONLY | _NOFOLLOW)
            with os.fdopen(fd, "rb") as handle:
                data = handle.read()
            return _loads(_unseal(data))
        except Exception:  # a damaged or foreign entry is a miss, never an error
            return None

    def put(self, kind: str, key: str, value: Any) -> None:
        target = self._path(kind, key)
        tmp: str | None = None
        try:
            self._prepare()
            if not self._real_dirs(target.parent, create=True):
                return
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as out:
                out.write(_seal(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)))
            os.replace(tmp, target)  # atomic: concurrent runs never see half an entry
        except Exception:  # a read-only tree or a full disk: run without caching
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def _prepare(self) -> None:
        if self._ready:
            return
        if self.root is None:
            self.folder.mkdir(parents=True, exist_ok=True)
        elif not self._real_dirs(self.folder, create=True):
            raise OSError(f"{self.folder} is not a folder of the project's own")
        _create(self.folder / ".gitignore",
                "# Created by sqllint: never commit this folder.\n*\n")
        _create(self.folder / "CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This is a cache directory created by sqllint.\n")
        self._ready = True

    def _real_dirs(self, folder: Path, create: bool) -> bool:
        """Is every folder from the root down to ``folder`` a real folder (created when
        ``create``)? Checked once per folder and run."""
        if self.root is None:  # SQLLINT_CACHE_DIR: the user's own choice of folder
            if create:
                folder.mkdir(parents=True, exist_ok=True)
            return True
        if folder in self._checked:
            return True
        if not _own_dir(folder, self.root, create):
            return False
        if create:  # a folder found missing must still be made by the first write
            self._checked.add(folder)
        return True

    # -- typed helpers ------------------------------------------------------------------

    def get_statements(self, key: str) -> list[Statement] | None:
        value = self.get("files", key)
        if not isinstance(value, list):
            return None
        out: list[Statement] = []
        for item in value:
            if not (isinstance(item, tuple) and len(item) == 2
                    and isinstance(item[0], Statement) and isinstance(item[1], bytes)):
                return None
            stmt, node = item
            try:
                tree = _json_loads(node) if node else None
            except (ValueError, RecursionError):  # a damaged tree: parse the file again
                return None
            out.append(with_changes(stmt, node=tree) if node else stmt)
        return out

    def put_statements(self, key: str, stmts: list[Statement]) -> None:
        # Parse trees go in as JSON text: pickle rebuilds nested dicts several times
        # slower than a JSON parser reads them back.
        self.put("files", key, [
            (with_changes(s, node=None), _json_dumps(s.node) if s.node is not None else b"")
            for s in stmts])

    def get_result(self, key: str) -> Any:
        """A whole run's CheckResult, or None."""
        from sqllint.result import CheckResult

        value = self.get("results", key)
        return value if isinstance(value, CheckResult) else None


@lru_cache(maxsize=1)
def full_code_fingerprint() -> str:
    """Like ``code_fingerprint``, over every module and data file: a whole run's result
    depends on all of them."""
    package = Path(__file__).resolve().parent
    h = hashlib.sha256(code_fingerprint().encode())
    # os.walk, not Path.rglob: the same files in the same order (by path parts), for
    # a fraction of the cost on a run answered from the cache.
    found: list[tuple[tuple[str, ...], str]] = []
    for folder, dirs, files in os.walk(package):
        dirs.sort()
        rel = os.path.relpath(folder, package)
        parts = () if rel == "." else tuple(rel.split(os.sep))
        found.extend(((*parts, name), os.path.join(folder, name)) for name in files
                     if name.endswith((".py", ".json")))
    for parts, full in sorted(found):
        try:
            st = os.stat(full)
        except OSError:
            continue
        h.update(f"{'/'.join(parts)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def result_key(files: Sequence[tuple[str, bool, bytes]], config: Config) -> str:
    """The inputs of a whole run: every file read (path, target?, sha256 of its content,
    sqllint.discover.input_files) and the config."""
    h = hashlib.sha256(full_code_fingerprint().encode())
    h.update(repr(sorted((k, v) for k, v in vars(config).items() if k != "source")).encode(
        "utf-8", errors="surrogatepass"))
    for display, target, digest in files:
        h.update(f"\x00{display}\x1f{target}\x1f".encode("utf-8", errors="surrogatepass"))
        h.update(digest)
    return "r" + h.hexdigest()
