"""SL008: the suppression comments that suppressed nothing, with the fix removing them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqllint.model import Edit, Finding, Fix, Location
from sqllint.rules import all_rules
from sqllint.suppress import ALL, Code, Directive, Suppressions

Used = set[tuple[int, str]]  # (directive index, code as written)


def unused_findings(path: str, text: str, found: Suppressions, used: Used,
                    enabled: Callable[[str], bool]) -> Iterator[Finding]:
    """An SL008 finding per directive with codes (or a bare directive) that did nothing."""
    known = {r.code for r in all_rules()}
    # A bare directive is judged when every rule that runs by default ran.
    everything = all(enabled(r.code) for r in all_rules() if not r.opt_in)
    lines = text.splitlines()
    for i, directive in enumerate(found.directives):
        stale: list[tuple[Code, str]] = []
        for code in directive.codes:
            if (i, code.code) in used:
                continue
            if code.code == ALL:
                if directive.kind != "noqa" and everything:
                    stale.append((code, "suppresses nothing"))
                continue
            rules = [k for k in known if k.startswith(code.code)]
            # Unknown codes are SL005's (unknown-rule-code); noqa codes of other tools
            # are theirs; codes of rules that did not run cannot be judged.
            if rules and all(enabled(k) for k in rules):
                stale.append((code, "suppresses nothing"))
        if not stale:
            continue
        line = lines[directive.line - 1] if directive.line <= len(lines) else ""
        whole = len(stale) == len(directive.codes)
        names = ", ".join(c.code for c, _ in stale) if not directive.bare else ""
        why = "; ".join(sorted({w for _, w in stale}))
        what = f"`{line[directive.column - 1 : directive.end_column - 1].strip()}`"
        message = (f"unused suppression {what}: {names + ' ' if names else ''}{why}; "
                   f"remove it")
        fix = Fix("Remove the unused suppression",
                  (_remove_directive(directive, line, len(lines)),) if whole else
                  tuple(_remove_code(directive, c, line) for c, _ in stale))
        first = stale[0][0]
        col, end = (directive.column, directive.end_column) if whole else (
            first.column, first.end_column)
        yield Finding("SL008", "unused-suppression", "warning",
                      Location(path, directive.line, col, directive.line, end), message,
                      fix=fix, statement=f"{directive.line}:{what}")


def _remove_directive(directive: Directive, line: str, count: int) -> Edit:
    if directive.alone and not line[directive.end_column - 1 :].strip():
        if directive.line < count:  # the whole line, with its newline
            return Edit(directive.line, 1, directive.line + 1, 1, "")
        return Edit(directive.line, 1, directive.line, len(line) + 1, "")
    start = directive.column - 1
    while start > 0 and line[start - 1] in " \t":
        start -= 1
    end = directive.end_column - 1
    if not line[end:].strip():
        end = len(line)
    return Edit(directive.line, start + 1, directive.line, end + 1, "")


def _remove_code(directive: Directive, code: Code, line: str) -> Edit:
    """One code out of a list: with the separator before it, or after it when first."""
    start, end = code.column - 1, code.end_column - 1
    before = start
    while before > 0 and line[before - 1] in " \t,":
        before -= 1
    if line[before:start].strip(" \t") == ",":
        return Edit(directive.line, before + 1, directive.line, end + 1, "")
    after = end
    while after < len(line) and line[after] in " \t,":
        after += 1
    return Edit(directive.line, start + 1, directive.line, after + 1, "")
