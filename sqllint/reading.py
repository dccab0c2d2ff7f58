"""Every file a run reads, read inside the project root, checked against what was hashed.

One ``Reader`` per run. The result cache's key is made of the sha256 of every file as
the reader first read it; every later read of the same file (the schema pass, the rule
pass, a worker process) is hashed again and compared. A file saved in between is
noted in ``changed`` and the run's answer is not stored, so no answer is ever stored
under a key made of other bytes than those parsed (an editor saving while sqllint
reads). psql includes are resolved the same way for the key and for the run, and
nothing outside the root is opened (sqllint.confine).

The reader keeps digests, not contents: memory stays bounded by the largest file.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqllint.confine import OUTSIDE_ROOT, RealPaths, inside_root, readable
from sqllint.sources.text import FileText, decode, read_bytes

# psql includes: \i and \include (relative to the current folder, as psql runs them from
# the project), \ir and \include_relative (relative to the including file).
INCLUDE = re.compile(r"^[ \t]*\\(i|ir|include|include_relative)[ \t]+(\S+)[ \t]*$", re.M)
MAX_INCLUDE_DEPTH = 16
SIDECAR_BYTES = 1 << 20


def sidecar_text(path: Path, *roots: Path) -> str | None:
    """A small file that says how others are read or run (a diesel ``metadata.toml``, a
    Flyway ``.sql.conf``, ``sqitch.plan``, a ``.gitignore``, an Alembic revision): its
    text when it is a regular file of at most 1 MiB inside one of ``roots``, else None.
    A committed symlink to a secret, a device or a huge file is never read."""
    if not any(inside_root(path, root) for root in roots):
        return None
    data = read_bytes(path, limit=SIDECAR_BYTES)
    return None if isinstance(data, FileText) else decode(data).text


@dataclass(frozen=True)
class Include:
    start: int  # offset of the include line in the including text
    command: str
    name: str
    target: Path


def includes(path: Path, text: str) -> Iterator[Include]:
    """The files ``text`` (the file at ``path``) includes, in order."""
    if "\\i" not in text:
        return
    for m in INCLUDE.finditer(text):
        command, name = m.group(1), m.group(2).strip("'\"")
        relative = command in ("ir", "include_relative")
        base = path.parent if relative else Path.cwd()
        target = Path(os.path.abspath(base / name))
        if not relative and not target.exists():
            target = Path(os.path.abspath(path.parent / name))
        yield Include(m.start(), command, name, target)


@dataclass
class Reader:
    """Reads files for one run, only inside ``root``, and remembers what each held.

    ``named`` are the paths given on the command line; ``overrides`` replace a file's
    text (an editor's unsaved buffer).
    """

    root: Path
    named: frozenset[Path] = frozenset()
    overrides: Mapping[Path, str] = field(default_factory=dict)
    changed: set[Path] = field(default_factory=set)  # read twice, not the same bytes
    _digests: dict[Path, bytes] = field(default_factory=dict)
    _real: RealPaths = field(default_factory=RealPaths)  # this run's symlinks

    @staticmethod
    def for_run(root: Path, paths: Iterable[Path],
                overrides: Mapping[Path, str] | None = None) -> Reader:
        named = frozenset(Path(os.path.abspath(p)) for p in paths)
        absolute = {Path(os.path.abspath(p)): t for p, t in (overrides or {}).items()}
        return Reader(root=root, named=named | frozenset(absolute), overrides=absolute)

    def raw(self, path: Path) -> bytes | FileText:
        """The file's bytes, or why it was not read (outside the root, unreadable)."""
        path = Path(os.path.abspath(path))
        data: bytes | FileText
        if path in self.overrides:
            data = self.overrides[path].encode("utf-8", errors="surrogatepass")
        elif not readable(path, self.root, self.named, self._real):
            data = FileText("", OUTSIDE_ROOT)
        else:
            data = read_bytes(path)
        digest = hashlib.sha256(data if isinstance(data, bytes) else
                                b"\x00" + (data.problem or "").encode("utf-8",
                                                                      "backslashreplace"))
        first = self._digests.setdefault(path, digest.digest())
        if first != digest.digest():
            self.changed.add(path)
        return data

    def learn(self, path: Path, digest: bytes, changed: bool) -> None:
        """What another process's copy of this reader read of ``path``: its digest as
        first read there, and whether a later read there differed."""
        path = Path(os.path.abspath(path))
        if self._digests.setdefault(path, digest) != digest or changed:
            self.changed.add(path)

    def text(self, path: Path) -> FileText:
        data = self.raw(path)
        return data if isinstance(data, FileText) else decode(data)

    def digest(self, path: Path) -> bytes:
        """What the cache key holds for ``path``: the sha256 of its content as first read
        (or of why it was not read)."""
        path = Path(os.path.abspath(path))
        if path not in self._digests:
            self.raw(path)
        return self._digests[path]

    def included(self, path: Path) -> Iterator[Path]:
        """Every file ``path`` includes, transitively (each once), as a run reads them."""
        seen: set[Path] = {Path(os.path.abspath(path))}
        stack = [(Path(os.path.abspath(path)), 0)]
        while stack:
            current, level = stack.pop()
            if level > MAX_INCLUDE_DEPTH:
                continue
            content = self.text(current)
            if content.problem:
                continue
            for inc in includes(current, content.text):
                if inc.target not in seen:
                    seen.add(inc.target)
                    yield inc.target
                    stack.append((inc.target, level + 1))
