"""What a run produces: findings and the index plan. Light to import: a run whose
result comes from the cache needs nothing else."""

from __future__ import annotations

import io
import pickle
import zlib
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, overload

from sqllint.model import SEVERITY_RANK, Edit, Finding, Fix, Location


@dataclass(frozen=True)
class PlannedIndex:
    """One index of the consolidated plan and the places it serves."""

    table: str
    ddl: str
    serves: tuple[str, ...]  # "path:line"
    replaces: tuple[str, ...] = ()  # existing indexes it makes redundant
    name: str = ""
    requests: tuple[str, ...] = ()  # the suggested DDL of every finding it stands for


# (path:line, suggested DDL) → the planned index's DDL that stands for it.
Planned = Mapping[tuple[str, str], str]


def planned_suggestion(finding: Finding, planned: Planned) -> Finding:
    """A finding's suggestion pointed at the consolidated index that serves it."""
    if not finding.suggestion or not planned:
        return finding
    where = f"{finding.location.path}:{finding.location.line}"
    ddl = planned.get((where, finding.suggestion))
    if ddl is not None and ddl != finding.suggestion:
        return replace(finding, suggestion=ddl)
    return finding


class Findings(Sequence[Finding]):
    """Many findings, in their order, stored compressed a piece at a time (about 40
    bytes a finding instead of a kilobyte of objects); reading them decodes one piece
    at a time. Their suggestions are pointed at the index plan as they are read."""

    __slots__ = ("_blobs", "_ends", "_planned")

    def __init__(self, blobs: Sequence[bytes], ends: Sequence[int],
                 planned: Planned | None = None) -> None:
        self._blobs = tuple(blobs)
        self._ends = tuple(ends)  # how many findings up to the end of each piece
        self._planned = dict(planned or {})

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def __iter__(self) -> Iterator[Finding]:
        for blob in self._blobs:
            yield from self._piece(blob)

    def _piece(self, blob: bytes) -> list[Finding]:
        found = decode(blob)
        if self._planned:
            return [planned_suggestion(f, self._planned) for f in found]
        return found

    @overload
    def __getitem__(self, index: int) -> Finding: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Finding]: ...
    def __getitem__(self, index: int | slice) -> Finding | Sequence[Finding]:
        if isinstance(index, slice):
            return tuple(self)[index]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("finding index out of range")
        at = bisect_right(self._ends, index)
        return self._piece(self._blobs[at])[index - (self._ends[at - 1] if at else 0)]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return len(self) == len(other) and all(
                a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"Findings({list(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Findings, (self._blobs, self._ends, self._planned))


class FindingsWriter:
    """Findings appended in their final order: held as objects up to ``LIMIT``, past it
    all stored compressed (``Findings``), ``PIECE`` at a time."""

    LIMIT = 10_000
    PIECE = 500

    def __init__(self) -> None:
        self._held: list[Finding] = []
        self._blobs: list[bytes] = []
        self._ends: list[int] = []

    def add(self, finding: Finding) -> None:
        self._held.append(finding)
        if len(self._held) >= (self.PIECE if self._blobs else self.LIMIT):
            self._store()

    def _store(self) -> None:
        held, self._held = self._held, []
        done = self._ends[-1] if self._ends else 0
        for at in range(0, len(held), self.PIECE):
            piece = held[at:at + self.PIECE]
            self._blobs.append(encode(piece))
            done += len(piece)
            self._ends.append(done)

    def done(self, planned: Planned | None = None) -> Sequence[Finding]:
        """What was written: a tuple when it stayed small."""
        if not self._blobs:
            return tuple(planned_suggestion(f, planned) if planned else f
                         for f in self._held)
        self._store()
        return Findings(self._blobs, self._ends, planned)


def findings_of(findings: Iterable[Finding]) -> Sequence[Finding]:
    """``tuple(findings)``, compressed when there are many (``FindingsWriter``)."""
    out = FindingsWriter()
    for f in findings:
        out.add(f)
    return out.done()


class Spool:
    """A run's findings as they come, by path: held as objects up to
    ``FindingsWriter.LIMIT``, then compressed (``take`` gives a path's back)."""

    def __init__(self, findings: Iterable[Finding] = ()) -> None:
        self._paths: dict[str, list[list[Finding] | bytes]] = {}
        self._held = 0
        self.extend(findings)

    def extend(self, findings: Iterable[Finding]) -> None:
        by_path: dict[str, list[Finding]] = {}
        for f in findings:
            by_path.setdefault(f.location.path, []).append(f)
        for path, found in by_path.items():
            self._paths.setdefault(path, []).append(found)
            self._held += len(found)
        if self._held > FindingsWriter.LIMIT:
            for pieces in self._paths.values():
                for i, piece in enumerate(pieces):
                    if isinstance(piece, list):
                        pieces[i] = encode(piece)
            self._held = 0

    def paths(self) -> set[str]:
        return set(self._paths)

    def take(self, path: str) -> list[Finding]:
        """The findings at ``path``, in the order they came; the spool lets them go."""
        out: list[Finding] = []
        for piece in self._paths.pop(path, ()):
            out.extend(decode(piece) if isinstance(piece, bytes) else piece)
        return out


# A finding as stored: its fields, its location's and its fix's spread out (the index
# request pickles as itself).
def encode(findings: Iterable[Finding]) -> bytes:
    rows = [(f.rule, f.name, f.severity, f.location.path, f.location.line,
             f.location.column, f.location.end_line, f.location.end_column, f.message,
             f.suggestion, f.statement, f.table, f.index,
             f.fix and (f.fix.title, [(e.line, e.column, e.end_line, e.end_column, e.text)
                                      for e in f.fix.edits], f.fix.safe, f.fix.adds))
            for f in findings]
    return zlib.compress(pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL), 1)


def decode(blob: bytes) -> list[Finding]:
    rows = _Loader(io.BytesIO(zlib.decompress(blob))).load()
    return [Finding(r[0], r[1], r[2], Location(r[3], r[4], r[5], r[6], r[7]), r[8], r[9],
                    r[10], r[11], r[12],
                    r[13] and Fix(r[13][0], tuple(Edit(*e) for e in r[13][1]), r[13][2],
                                  r[13][3]))
            for r in rows]


class _Loader(pickle.Unpickler):
    """Rebuilds only what a stored finding holds (a result may come from the cache)."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("sqllint.advisor.suggest", "IndexRequest"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a finding")


@dataclass(frozen=True)
class CheckResult:
    # A tuple, or ``Findings`` when there are many (``findings_of``).
    findings: Sequence[Finding]
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
        findings=findings_of(sorted((f for r in results for f in r.findings),
                                    key=Finding.sort_key)),
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
