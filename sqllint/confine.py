"""The project root is a wall: nothing outside it is read, followed or written.

A repository is written by someone else. A committed symlink (``leak.sql ->
/home/ci/.ssh/id_rsa``) or a psql include (``\\i /etc/passwd``) would make sqllint read a
file outside the repository, and its text would end up in a report posted as a
pull-request comment. A committed ``.sqllint_cache`` symlink would make it write
wherever that points. One question, asked by discovery, includes and the cache alike,
decides: is this path, once every symlink is followed, inside the root?
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path


def inside_root(path: Path, root: Path) -> bool:
    """Is ``path``, with every symlink followed, ``root`` itself or below it?"""
    try:
        real = os.path.realpath(path)
        top = os.path.realpath(root)
    except (OSError, ValueError):
        return False
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def readable(path: Path, root: Path, named: Collection[Path] = ()) -> bool:
    """May a run read ``path``? Yes inside the root. A file the user named on the command
    line by a path outside the root is theirs to read; a name inside the root whose
    symlink leads out of it is not, whoever names it (pre-commit names every changed
    file, committed symlinks included)."""
    if inside_root(path, root):
        return True
    absolute = Path(os.path.abspath(path))
    return absolute in named and not inside_root(absolute.parent, root)


OUTSIDE_ROOT = "leads outside the project root: not read"
