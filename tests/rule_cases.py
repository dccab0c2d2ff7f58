"""Loading and running the rule case files in rules/*.yml (data, not code).

A case file::

    rule: SL201
    cases:
      - name: what the case shows
        schema: |            # written to schema.sql (optional)
          CREATE TABLE …;
        sql: |               # written to query.sql (optional)
          SELECT …;
        files:               # any other files, path → text (optional)
          migrations/0002_add_index.up.sql: |
            CREATE INDEX …;
        select: SL           # the rules to run (default: the case's rule)
        config:              # [tool.sqllint] for the case (optional)
          tables: {countries: small}
        expect:              # the findings of this rule, exactly ([] for none)
          - path: query.sql  # default: query.sql if sql is given, else schema.sql
            line: 1
            column: 8        # optional
            message: "substring of the message"   # optional
            suggestion: "exact suggested DDL"       # optional
            fix: safe            # optional: safe / unsafe / none (the finding's fix)
        fixed:               # when a finding has a fix: every changed file after
          query.sql: |       # `check --fix --unsafe-fixes --select <rule>`
            SELECT …;
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "rules"


@dataclass(frozen=True)
class Case:
    rule: str
    name: str
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.rule}:{self.name}"

    def files(self) -> dict[str, str]:
        files = dict(self.data.get("files") or {})
        if "schema" in self.data:
            files["schema.sql"] = self.data["schema"]
        if "sql" in self.data:
            files["query.sql"] = self.data["sql"]
        if "python" in self.data:
            files["app.py"] = self.data["python"]
        return files

    @property
    def select(self) -> str:
        return str(self.data.get("select", self.rule))

    def default_path(self) -> str:
        if "sql" in self.data:
            return "query.sql"
        if "python" in self.data:
            return "app.py"
        return "schema.sql"


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(RULES_DIR.glob("SL*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in doc.get("cases", []):
            cases.append(Case(doc["rule"], item["name"], item))
    return cases


def write_case(case: Case, root: Path) -> None:
    for rel, text in case.files().items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    if case.data.get("config"):
        lines = ["[tool.sqllint]"]
        tables = {k: v for k, v in case.data["config"].items() if isinstance(v, dict)}
        for key, value in case.data["config"].items():
            if key not in tables:
                lines.append(f"{key} = {json.dumps(value)}")
        for key, table in tables.items():  # [tool.sqllint.tables], .placeholders
            lines.append(f"[tool.sqllint.{key}]")
            lines.extend(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in table.items())
        (root / "pyproject.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
