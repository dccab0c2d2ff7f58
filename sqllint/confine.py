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
from collections.abc import Callable, Collection
from pathlib import Path


class RealPaths:
    """``os.path.realpath`` for the files of one run, each folder resolved once: a
    file that is not a symlink is its folder's real path plus its name."""

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def __call__(self, path: str | Path) -> str:
        text = os.fspath(path)
        folder, name = os.path.split(text)
        if (not os.path.isabs(text) or not name or os.path.normpath(text) != text
                or os.path.islink(text)):
            return os.path.realpath(text)
        real = self._folders.get(folder)
        if real is None:
            real = self._folders[folder] = os.path.realpath(folder)
        return os.path.join(real, name)


def inside_root(path: Path, root: Path,
                realpath: Callable[[str | Path], str] = os.path.realpath) -> bool:
    """Is ``path``, with every symlink followed, ``root`` itself or below it?"""
    try:
        real = realpath(path)
        top = realpath(root)
    except (OSError, ValueError):
        return False
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def readable(path: Path, root: Path, named: Collection[Path] = (),
             realpath: Callable[[str | Path], str] = os.path.realpath) -> bool:
    """May a run read ``path``? Yes inside the root. A path the user named on the command
    line outside the root (by its own name, not through a symlink in the repository) is
    theirs to read, and a named folder there is a root of its own. A name inside the root
    whose symlink leads out of it is not readable, whoever names it (pre-commit names
    every changed file, committed symlinks included)."""
    if inside_root(path, root, realpath):
        return True
    absolute = Path(os.path.abspath(path))
    for given in named:
        if inside_root(given.parent, root):
            continue  # named from inside the repository: the root's rule holds
        if absolute == given or (given.is_dir() and inside_root(absolute, given)):
            return True
    return False


OUTSIDE_ROOT = "leads outside the project root: not read"
