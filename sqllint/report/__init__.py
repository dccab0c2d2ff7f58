"""Rendering a check result: one function per output format."""

from __future__ import annotations

from collections.abc import Callable

from sqllint.check import CheckResult
from sqllint.report import github, json_report, markdown, sarif, text

Renderer = Callable[[CheckResult], str]

FORMATS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_report.render,
    "sarif": sarif.render,
    "github": github.render,
    "markdown": markdown.render,
}


def register(name: str, renderer: Renderer) -> None:
    FORMATS[name] = renderer
