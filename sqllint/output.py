"""Writing the files a user asks for (``-o``, ``--out``, ``--write-baseline``).

A report or baseline is written whole or not at all: the text goes to a temporary file
beside the target, which then replaces it in one rename. A failed run (a full disk, a
missing folder, an error halfway) leaves the old file as it was: a baseline is never
truncated before its new content exists. A target that is not a regular file (a pipe,
``/dev/stdout``, ``/dev/full``) is written in place: renaming over it would replace the
device, not write to it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


class OutputError(Exception):
    """The file could not be written: the CLI says so in one line (exit code 2)."""


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8; lone surrogates escaped) to ``path`` atomically."""
    data = text.encode("utf-8", errors="backslashreplace")
    target = Path(os.path.realpath(path))  # a symlink's target is what gets replaced
    try:
        st = target.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            raise OutputError(f"cannot write {path}: it is a directory")
        try:
            with open(target, "wb") as out:
                out.write(data)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
        return
    if not target.parent.is_dir():
        raise OutputError(f"cannot write {path}: no such directory {target.parent}")
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if st is not None:
            with contextlib.suppress(OSError):
                os.chmod(tmp, stat.S_IMODE(st.st_mode))
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
