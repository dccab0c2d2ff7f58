"""Reading files as text, whatever they hold, and offset → line:col lookup."""

from __future__ import annotations

import bisect
import stat
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 256 * 1024 * 1024


@dataclass(frozen=True)
class FileText:
    """A file's text, or why it has none (``problem``: unreadable, binary)."""

    text: str
    problem: str | None = None
    encoding: str = "utf-8"


def read_bytes(path: Path, limit: int = MAX_BYTES) -> bytes | FileText:
    """The file's bytes, or a FileText saying why there are none (not a regular file,
    more than ``limit`` bytes, unreadable)."""
    try:
        # Never open a FIFO, socket or device: reading one blocks forever or never ends.
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
            return FileText("", f"cannot read file: {kind}")
        if st.st_size > limit:
            return FileText("", f"file too large to lint ({st.st_size // 2**20} MB, "
                                f"limit {limit // 2**20} MB)")
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)  # it may have grown since stat()
        if len(data) > limit:
            return FileText("", f"file too large to lint (over {limit // 2**20} MB)")
        return data
    except OSError as exc:
        return FileText("", f"cannot read file: {exc.strerror or exc}")
    except ValueError as exc:  # a NUL byte in the name
        return FileText("", f"cannot read file: {exc}")


def read_text(path: Path) -> FileText:
    data = read_bytes(path)
    return data if isinstance(data, FileText) else decode(data)


_BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def decode(data: bytes) -> FileText:
    """Text of a file: UTF-8 (a BOM is dropped), UTF-16/32 when a BOM says so, else
    Windows-1252. A NUL anywhere makes it binary: PostgreSQL's parser stops at a NUL, so
    SQL after one would go unlinted without a word."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(encoding)
            except UnicodeDecodeError:
                return FileText("", f"not valid {encoding.upper()} despite its byte order mark")
            if "\x00" in text:
                return FileText("", "binary file (NUL characters), not SQL")
            return FileText(text, encoding=encoding)
    if b"\x00" in data:
        return FileText("", "binary file (NUL bytes), not SQL")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return FileText(data.decode("utf-8"))
    except UnicodeDecodeError:
        # Windows-1252 is what such files nearly always are; never fail on a byte.
        return FileText(data.decode("cp1252", errors="replace"), encoding="cp1252")


class LineIndex:
    """Character offset → 1-based (line, column) for one text."""

    def __init__(self, text: str) -> None:
        self._starts = [0]
        pos = text.find("\n")
        while pos != -1:
            self._starts.append(pos + 1)
            pos = text.find("\n", pos + 1)

    def position(self, offset: int) -> tuple[int, int]:
        row = bisect.bisect_right(self._starts, offset) - 1
        return row + 1, offset - self._starts[row] + 1
