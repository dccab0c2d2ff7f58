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


def read_text(path: Path) -> FileText:
    try:
        # Never open a FIFO, socket or device: reading one blocks forever or never ends.
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
            return FileText("", f"cannot read file: {kind}")
        if st.st_size > MAX_BYTES:
            return FileText("", f"file too large to lint ({st.st_size // 2**20} MB, "
                                f"limit {MAX_BYTES // 2**20} MB)")
        data = path.read_bytes()
    except OSError as exc:
        return FileText("", f"cannot read file: {exc.strerror or exc}")
    return decode(data)


def decode(data: bytes) -> FileText:
    if b"\x00" in data[:8192]:
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
