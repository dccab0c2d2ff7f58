"""Per-rule documentation as Markdown files, and the links that point at them.

``docs/rules/SLxxx.md`` is generated from each rule module's docstring
(``scripts/gen_rule_docs.py``; a test fails when a file is stale). A rule's link is
``<base>/SLxxx.md``: ``base`` is ``$SQLLINT_DOCS_URL`` when set (for example
``https://github.com/<owner>/sqllint/blob/v0.1.0/docs/rules``, for SARIF uploaded to a
code-scanning service), else the ``docs/rules`` folder beside the installed package as a
``file://`` URI when it exists (a source checkout), else there is no link.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqllint.rules import RuleSpec, all_rules

DOCS_DIR = Path("docs") / "rules"
ENV = "SQLLINT_DOCS_URL"

_FIX = {
    "": "",
    "safe": "Fix: safe (`sqllint check --fix`).",
    "unsafe": "Fix: unsafe (`sqllint check --fix --unsafe-fixes`).",
    "sometimes": "Fix: safe or unsafe, depending on the file (see below).",
}


def rule_markdown(spec: RuleSpec) -> str:
    """The Markdown page of one rule."""
    opt_in = " Opt-in: runs only when selected by its code." if spec.opt_in else ""
    head = [f"# {spec.code} {spec.name}", "",
            (f"Severity: {spec.severity}. " + _FIX.get(spec.fix, "")).strip() + opt_in]
    body = spec.doc.strip()
    tail = ["", "## Suppressing it", "",
            f"On the line (SQL `-- noqa: {spec.code}` or `-- sqllint: disable={spec.code}`, "
            f"Python `# noqa: {spec.code}`), on the line above "
            f"(`-- sqllint: disable-next-line={spec.code}`), or for a whole file "
            f"(`-- sqllint: disable-file={spec.code}`). `sqllint explain {spec.code}` prints "
            f"this page."]
    return "\n".join([*head, "", body, *tail]).rstrip() + "\n"


def index_markdown() -> str:
    rows = ["# Rules", "", "| code | name | severity | fix | what it does |",
            "|---|---|---|---|---|"]
    for spec in all_rules():
        summary = spec.summary.replace("|", "\\|")
        rows.append(f"| [{spec.code}]({spec.code}.md) | {spec.name} | {spec.severity} | "
                    f"{spec.fix or ''} | {summary} |")
    return "\n".join(rows) + "\n"


def generated() -> dict[str, str]:
    """File name (in ``docs/rules``) → content, for every rule and the index."""
    out = {f"{spec.code}.md": rule_markdown(spec) for spec in all_rules()}
    out["README.md"] = index_markdown()
    return out


def docs_base() -> str | None:
    configured = os.environ.get(ENV, "").strip()
    if configured:
        return configured.rstrip("/")
    local = Path(__file__).resolve().parent.parent / DOCS_DIR
    return local.as_uri() if local.is_dir() else None


def rule_url(code: str, base: str | None = None) -> str | None:
    """The link to a rule's page (``None`` when there is nowhere to point)."""
    base = base.rstrip("/") if base else docs_base()
    return f"{base}/{code}.md" if base else None
