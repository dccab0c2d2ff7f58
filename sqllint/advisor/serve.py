"""Questions about existing indexes: is a column set served as a leading prefix?"""

from __future__ import annotations

from collections.abc import Iterable

from sqllint.catalog.model import Index


def fk_served(columns: Iterable[str], indexes: Iterable[Index]) -> bool:
    """True when some btree index's leading keys are exactly ``columns``, in any order."""
    wanted = set(columns)
    n = len(wanted)
    for index in indexes:
        if index.method not in ("btree", "hash") or index.predicate_key is not None:
            continue
        if index.method == "hash" and n != 1:
            continue
        lead = index.columns[:n]
        if len(lead) == n and None not in lead and set(lead) == wanted:
            return True
    return False
