"""Fitting a run into a team's workflow: fingerprints, baselines, changed-lines mode.

A finding's fingerprint is a hash of its rule, the normalised text of its statement and
its path (plus an occurrence counter when the same statement triggers the same rule
twice in one file): inserting or deleting lines above a finding leaves it unchanged.
Findings with no statement text (schema-level checks) use their message instead, which
names the objects involved and never a line number.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqllint import __version__
from sqllint.model import Finding

if TYPE_CHECKING:
    from sqllint.project import Project
    from sqllint.result import CheckResult

BASELINE_FORMAT = 1
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


class WorkflowError(Exception):
    """A baseline or --diff problem the user must fix (exit code 2)."""


def fingerprint(finding: Finding) -> str:
    """The stable identity of a finding: rule + normalised statement + path."""
    subject = " ".join(finding.statement.split()) or f"{finding.table}\x1f{finding.message}"
    key = "\x1e".join((finding.rule, finding.location.path, subject))
    return hashlib.sha256(key.encode("utf-8", errors="surrogatepass")).hexdigest()[:32]


def fingerprints(findings: Sequence[Finding]) -> list[str]:
    """Fingerprints of ``findings`` in order, duplicates told apart by a counter (``:2``).

    Occurrences are numbered in the findings' order (path, line, column), so the n-th
    duplicate keeps its number when unrelated lines move.
    """
    seen: Counter[str] = Counter()
    out: list[str] = []
    for f in findings:
        base = fingerprint(f)
        seen[base] += 1
        out.append(base if seen[base] == 1 else f"{base}:{seen[base]}")
    return out


def apply(
    result: CheckResult,
    project: Project,
    *,
    baseline: str | None = None,
    write_baseline: str | None = None,
    diff_ref: str | None = None,
) -> CheckResult:
    """Write a baseline, drop baselined findings, keep only changed lines: as asked."""
    from sqllint.result import findings_of

    findings = result.findings
    if write_baseline:
        save_baseline(Path(write_baseline), findings)
    if baseline:
        known = load_baseline(Path(baseline))
        findings = findings_of(f for f, fp in zip(findings, fingerprints(findings),
                                                  strict=True) if fp not in known)
    if diff_ref:
        changed = changed_lines(diff_ref, project.config.root)
        findings = findings_of(f for f in findings if _on_changed_line(f, changed))
    if len(findings) == len(result.findings):
        return result
    return replace(result, findings=findings)


def save_baseline(path: Path, findings: Sequence[Finding]) -> None:
    entries = [
        {"fingerprint": fp, "rule": f.rule, "path": f.location.path, "line": f.location.line,
         "message": f.message}
        for f, fp in zip(findings, fingerprints(findings), strict=True)
    ]
    data = {"sqllint": __version__, "format": BASELINE_FORMAT, "findings": entries}
    from sqllint.output import OutputError, write_text

    try:
        write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    except OutputError as exc:
        raise WorkflowError(f"baseline: {exc}") from exc


def load_baseline(path: Path) -> frozenset[str]:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise WorkflowError(f"baseline {path} does not exist (create it with "
                            f"--write-baseline {path})") from exc
    except OSError as exc:
        raise WorkflowError(f"cannot read baseline {path}: {exc.strerror or exc}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise WorkflowError(f"baseline {path} is not valid JSON: {exc}") from exc
    entries = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("fingerprint"), str) for e in entries
    ):
        raise WorkflowError(f"baseline {path} is not a sqllint baseline "
                            f"(expected {{\"findings\": [{{\"fingerprint\": ...}}]}})")
    return frozenset(e["fingerprint"] for e in entries)


# -- changed-lines mode -------------------------------------------------------------------

ChangedLines = dict[Path, frozenset[int] | None]  # None: the whole file is new


def changed_lines(ref: str, start: Path) -> ChangedLines:
    """Lines added or changed in the working tree since ``ref``, per absolute path."""
    top = Path(_git(["rev-parse", "--show-toplevel"], start, "is not inside a git "
                    "repository").strip())
    _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top,
         f"unknown git revision '{ref}'", subject=ref)
    diff = _git(["diff", "--unified=0", "--no-color", "--no-ext-diff", "--no-renames", ref,
                 "--"], top, "git diff failed")
    out: ChangedLines = {}
    current: Path | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            # git ends the name with a TAB when it holds a space (as GNU diff does).
            name = line[4:].removesuffix("\t")
            current = None if name == "/dev/null" else (top / _strip_prefix(name)).resolve()
            if current is not None:
                out.setdefault(current, frozenset())
            continue
        m = _HUNK.match(line)
        if m and current is not None:
            first, count = int(m.group(1)), int(m.group(2) or "1")
            old = out.get(current) or frozenset()
            out[current] = old | frozenset(range(first, first + count))
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], top,
                     "git ls-files failed")
    for name in filter(None, untracked.split("\0")):
        out[(top / name).resolve()] = None
    return out


def _strip_prefix(name: str) -> str:
    if name.startswith('"') and name.endswith('"'):
        name = name[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
        name = name.encode("latin-1").decode("utf-8", errors="replace")
    return name[2:] if name.startswith(("b/", "a/")) else name


def _git(args: list[str], cwd: Path, problem: str, subject: str = "") -> str:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd if cwd.is_dir() else cwd.parent,
                              capture_output=True, text=True, timeout=120,
                              encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError as exc:
        raise WorkflowError("--diff needs git, which is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise WorkflowError(f"--diff: git {args[0]} timed out") from exc
    if proc.returncode != 0:
        where = subject or str(cwd)
        detail = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ""
        if subject:
            raise WorkflowError(f"--diff: {problem}")
        raise WorkflowError(f"--diff: {where} {problem}" + (f" ({detail})" if detail else ""))
    return proc.stdout


def _on_changed_line(finding: Finding, changed: ChangedLines) -> bool:
    path = Path(finding.location.path).resolve()
    if path not in changed:
        return False
    lines = changed[path]
    if lines is None:
        return True
    span: Iterable[int] = range(finding.location.line,
                                max(finding.location.line, finding.location.end_line) + 1)
    return any(line in lines for line in span)
