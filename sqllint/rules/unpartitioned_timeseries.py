"""
## What it does
Reports an append-only time-series or log table that is not partitioned: a table with a
timestamp column whose name looks like `*_metrics`, `*_events`, `*_logs`, `audit*`, or
that the configuration lists in `timeseries-tables`. The message names the column to
partition by.

## Why is this bad?
Such tables grow without bound. Retention then means `DELETE … WHERE ts < …`, which
bloats the table and its indexes, and every time-range query walks one ever-growing
index. With range partitions, old data goes with `DROP TABLE` of one partition and
queries prune to the partitions they need.

## Example
```sql
CREATE TABLE vm_metrics (
    vm_id uuid NOT NULL,
    "timestamp" timestamptz NOT NULL,
    cpu_usage double precision
);
```

Use instead:
```sql
CREATE TABLE vm_metrics (
    vm_id uuid NOT NULL,
    "timestamp" timestamptz NOT NULL,
    cpu_usage double precision
) PARTITION BY RANGE ("timestamp");
CREATE TABLE vm_metrics_2025_09 PARTITION OF vm_metrics
    FOR VALUES FROM ('2025-09-01') TO ('2025-10-01');
```
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqllint.catalog.model import Table
from sqllint.model import Finding
from sqllint.rules.base import Context, finding, origin_location

CODE = "SL202"
NAME = "unpartitioned-timeseries"
SEVERITY = "warning"
SCOPE = "catalog"  # reads only the final catalog: checked once per run

_NAME = re.compile(r"(_metrics|_events|_logs?|_history|_measurements|_samples)$|^audit", re.I)
_TIME_TYPES = ("timestamp", "date")
# Prefer the column a time series is keyed by over bookkeeping columns.
_PREFERRED = ("timestamp", "ts", "time", "recorded_at", "occurred_at", "event_time",
              "collected_at", "created_at", "logged_at")


def time_column(table: Table) -> str | None:
    candidates = [c.name for c in table.columns if c.type.startswith(_TIME_TYPES)]
    if not candidates:
        return None
    for name in _PREFERRED:
        if name in candidates:
            return name
    not_updated = [c for c in candidates if c not in ("updated_at", "deleted_at")]
    return (not_updated or candidates)[0]


def check(ctx: Context) -> Iterator[Finding]:
    listed = set(ctx.config.timeseries_tables)
    for table in ctx.catalog.tables.values():
        if table.kind != "table" or table.partition_by or table.partition_of:
            continue
        if table.origin.path not in ctx.targets:
            continue
        if not (_NAME.search(table.name) or table.name in listed or table.qualified in listed):
            continue
        column = time_column(table)
        if column is None:
            continue
        yield finding(
            __name__,
            origin_location(table.origin),
            f"{table.display} looks like an append-only time series but is not partitioned: "
            f"partition it by RANGE ({column}) so retention is DROP of a partition and "
            f"time-range queries prune",
            table=table.display,
        )
