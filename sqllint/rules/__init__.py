"""The rules: one module each, found by their module attributes CODE/NAME/SEVERITY."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from sqllint.rules.base import Context, RuleSpec

__all__ = ["Context", "RuleSpec", "all_rules", "rule_by_code"]


@lru_cache(maxsize=1)
def all_rules() -> tuple[RuleSpec, ...]:
    specs = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "CODE"):
            specs.append(RuleSpec.from_module(module))
    return tuple(sorted(specs, key=lambda s: s.code))


def rule_by_code(code: str) -> RuleSpec | None:
    wanted = code.upper()
    for spec in all_rules():
        if spec.code == wanted or spec.name == code.lower():
            return spec
    return None
