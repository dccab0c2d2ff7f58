"""GitHub Actions workflow commands: one annotation per finding, then a summary line.

``::warning file=db/q.sql,line=3,col=8,endLine=3,endColumn=9,title=SL101 select-star::…``
"""

from __future__ import annotations

from sqllint.escape import visible
from sqllint.model import Finding
from sqllint.report.text import summary_line
from sqllint.result import CheckResult

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def _data(value: str) -> str:
    return visible(value, lines=True).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(value).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding) -> str:
    loc = f.location
    props = [
        f"file={_property(loc.path)}",
        f"line={loc.line}",
        f"col={loc.column}",
        f"endLine={max(loc.line, loc.end_line)}",
        f"endColumn={loc.end_column}",
        f"title={_property(f'{f.rule} {f.name}')}",
    ]
    message = f.message + (f"\n{f.suggestion}" if f.suggestion else "")
    return f"::{LEVELS[f.severity]} {','.join(props)}::{_data(message)}"


def render(result: CheckResult) -> str:
    lines = [annotation(f) for f in result.findings]
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"
