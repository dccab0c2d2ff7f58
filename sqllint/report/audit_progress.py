"""A progress bar on stderr for long runs: only on a terminal, only once a run is slow."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any, TextIO

DELAY = 0.5  # seconds before a bar appears: short runs stay silent


class TerminalProgress:
    """``progress(done, total)`` callback that draws a rich bar on a terminal stderr."""

    def __init__(self, label: str = "parsing", stream: TextIO | None = None,
                 delay: float = DELAY) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        self.started = time.monotonic()
        self._bar: Any = None
        self._task: Any = None

    @property
    def enabled(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            if not self.enabled or done >= total or time.monotonic() - self.started < self.delay:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), transient=True,
                                 console=Console(file=self.stream))
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=total)
        self._bar.update(self._task, completed=done, total=total)

    def stage(self, label: str) -> None:
        """Name the next step (checking, rendering) on the bar, when one is shown."""
        if self._bar is not None:
            self._bar.update(self._task, description=label)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
