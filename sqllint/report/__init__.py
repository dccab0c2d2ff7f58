"""Rendering a check result: one function per output format."""

from __future__ import annotations

from collections.abc import Callable

from sqllint.check import CheckResult
from sqllint.report import json_report, text

Renderer = Callable[[CheckResult], str]

FORMATS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_report.render,
}


def register(name: str, renderer: Renderer) -> None:
    FORMATS[name] = renderer
