"""Rule codes as users write them (``SL101``, a prefix ``SL1``, ``ALL``): which are known,
and the closest known code for one that is not."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=1)
def known_codes() -> tuple[str, ...]:
    from sqllint.rules import all_rules

    return tuple(spec.code for spec in all_rules())


def is_known(code: str) -> bool:
    """A rule code, a prefix of one (``SL``, ``SL1``), or ``ALL``."""
    code = code.upper()
    if code == "ALL":
        return True
    return bool(code) and any(known.startswith(code) for known in known_codes())


def unknown_message(code: str) -> str:
    """``unknown rule code 'SL999'`` with the closest known code, when one is close."""
    wanted = code.upper()
    scored = [(difflib.SequenceMatcher(None, wanted, known).ratio(), known)
              for known in known_codes()]
    # The most similar; among equals, the nearest number (SL011 is SL001, not SL301).
    close = sorted((-score, _distance(wanted, known), known)
                   for score, known in scored if score >= 0.6)
    hint = f" (did you mean {close[0][2]}?)" if close else " (see 'sqllint rules')"
    return f"unknown rule code '{code}'{hint}"


def first_unknown(codes: Iterable[str]) -> str | None:
    return next((c for c in codes if not is_known(c)), None)


def _distance(a: str, b: str) -> int:
    digits_a, digits_b = re.sub(r"\D", "", a), re.sub(r"\D", "", b)
    if not digits_a or not digits_b:
        return 0
    return abs(int(digits_a) - int(digits_b))
