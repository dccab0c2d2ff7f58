"""What a run produces: findings and the index plan. Light to import: a run whose
result comes from the cache needs nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqllint.model import SEVERITY_RANK, Finding


@dataclass(frozen=True)
class PlannedIndex:
    """One index of the consolidated plan and the places it serves."""

    table: str
    ddl: str
    serves: tuple[str, ...]  # "path:line"
    replaces: tuple[str, ...] = ()  # existing indexes it makes redundant
    name: str = ""
    requests: tuple[str, ...] = ()  # the suggested DDL of every finding it stands for


@dataclass(frozen=True)
class CheckResult:
    findings: tuple[Finding, ...]
    indexes: tuple[PlannedIndex, ...]
    files: int
    statements: int
    stats: dict[str, Any] = field(default_factory=dict)
    # Did the files read define any schema? When not, the schema rules had nothing to
    # check against, and the reports say so (NO_SCHEMA).
    schema_found: bool = True
    schema_tables: int = 0

    def fails(self, fail_on: str) -> bool:
        bar = SEVERITY_RANK[fail_on]
        return any(SEVERITY_RANK[f.severity] >= bar for f in self.findings)


def merge_results(results: list[CheckResult]) -> CheckResult:
    """One result for several projects of one run."""
    if len(results) == 1:
        return results[0]
    return CheckResult(
        findings=tuple(sorted((f for r in results for f in r.findings), key=Finding.sort_key)),
        indexes=tuple(i for r in results for i in r.indexes),
        files=sum(r.files for r in results),
        statements=sum(r.statements for r in results),
        schema_found=all(r.schema_found for r in results),
        schema_tables=sum(r.schema_tables for r in results),
    )


NO_SCHEMA = (
    "No schema found: the files read define no table, so the schema rules (unknown "
    "tables and columns, index advice, schema checks) are off. Point sqllint at the "
    "schema with `schema = [...]` or `migrations = [...]` in sqllint.toml or "
    "[tool.sqllint], or check from inside the project; `sqllint check --show-files` "
    "lists what was read."
)
