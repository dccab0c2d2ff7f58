"""The file beside a migration that says how its tool runs it (diesel's
``metadata.toml``, Flyway's ``<script>.sql.conf``): found and read without loading the
migration rules, for the result cache's key."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqllint.config import Config
from sqllint.reading import sidecar_text

FLYWAY_SCRIPT = re.compile(r"^[VUR]\d*(?:[._]\d+)*__.+\.sql$", re.I)
DIESEL_DIR = re.compile(r"^\d[\d_-]*_.+$")


def sidecar_path(path: str) -> Path | None:
    """The file beside a migration that says whether its tool wraps it in a transaction:
    diesel's ``metadata.toml``, Flyway's ``<script>.sql.conf``."""
    where = Path(path)
    if FLYWAY_SCRIPT.match(where.name):
        return Path(path + ".conf")
    if where.name in ("up.sql", "down.sql") and DIESEL_DIR.match(where.parent.name):
        return where.parent / "metadata.toml"
    return None


def sidecar(path: str, config: Config) -> str | None:
    """The text of ``path``'s sidecar (``sidecar_path``), read as every file is: inside
    the project root (or the migration's own folder, for one named outside it), at most
    1 MiB (sqllint.reading)."""
    side = sidecar_path(path)
    if side is None:
        return None
    return sidecar_text(side, config.root, Path(os.path.abspath(path)).parent)
