"""Rendering a check result: one function per output format, imported when used (a
run answered from the cache should not pay for the SARIF rule catalogue)."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from sqllint.result import CheckResult

Renderer = Callable[[CheckResult], str]

_MODULES = {
    "text": "text",
    "json": "json_report",
    "sarif": "sarif",
    "github": "github",
    "markdown": "markdown",
}


def _lazy(module: str) -> Renderer:
    def render(result: CheckResult) -> str:
        loaded = importlib.import_module(f"{__name__}.{module}")
        renderer: Renderer = loaded.render
        return renderer(result)

    return render


FORMATS: dict[str, Renderer] = {name: _lazy(module) for name, module in _MODULES.items()}


def register(name: str, renderer: Renderer) -> None:
    FORMATS[name] = renderer
