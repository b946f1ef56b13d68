"""What git knows of a project's paths, for the trust checks: tracked, ignored, unknown, as committed.

A cloned repository is untrusted input; whether a file is the project's own (committed) or this machine's (ignored,
or unknown to git) decides whether lit may send it or trust it (docs/reliability.md, "Trust model").
"""

from __future__ import annotations

import os
from pathlib import Path

import pygit2
from pygit2.enums import FileStatus


def tracked_under(root: Path, prefixes: tuple[str, ...]) -> list[str]:
    """The files the git repository holding `root` tracks under `prefixes` (relative to `root`, a trailing `/`
    for a directory), relative to `root`; none when `root` is not in a repository."""
    found = pygit2.discover_repository(str(root))
    if not found:
        return []
    repo = pygit2.Repository(found)
    if repo.workdir is None:
        return []
    base = os.path.relpath(root.resolve(), Path(repo.workdir).resolve()).replace(os.sep, "/")
    base = "" if base == "." else base + "/"
    index = repo.index
    # a directory committed as a symlink is tracked at its own path
    found = {path for path in (base + p.rstrip("/") for p in prefixes) if path in index}
    for prefix in (base + p for p in prefixes):
        position = _first_at_or_after(index, prefix)
        while position < len(index) and index[position].path.startswith(prefix):
            found.add(index[position].path)
            position += 1
    return sorted(path[len(base) :] for path in found)


def _first_at_or_after(index: pygit2.Index, path: str) -> int:
    """The position of the first entry whose path sorts at or after `path`: git keeps its index sorted by path
    (bytes of UTF-8, which sort as Python's strings do), so the entries under a prefix are found without reading
    the 20,000 others of a large project."""
    low, high = 0, len(index)
    while low < high:
        middle = (low + high) // 2
        if index[middle].path < path:
            low = middle + 1
        else:
            high = middle
    return low


def ignored_by_git(root: Path, rels: list[str]) -> list[str]:
    """Of `rels` (relative to `root`), those the git repository holding `root` ignores: local files (`.env`, a
    scratch note) that are no part of the project's source; none when `root` is not in a repository."""
    found = _repository_of(root)
    if found is None:
        return []
    repo, prefix = found
    return [rel for rel in rels if repo.path_is_ignored(prefix + rel)]


def untracked_by_git(root: Path, rels: list[str]) -> list[str]:
    """Of `rels`, the files git does not know (neither committed nor added); none outside a repository."""
    found = _repository_of(root)
    if found is None:
        return []
    repo, prefix = found
    return [rel for rel in rels if _status(repo, prefix + rel) & FileStatus.WT_NEW]


def as_committed(root: Path, rels: list[str]) -> list[str]:
    """Of `rels`, the files whose work-tree content is exactly what HEAD holds; none outside a repository."""
    found = _repository_of(root)
    if found is None:
        return []
    repo, prefix = found
    return [rel for rel in rels if _status(repo, prefix + rel) == FileStatus.CURRENT]


def _status(repo: pygit2.Repository, path: str) -> int:
    try:
        return repo.status_file(path)
    except KeyError:
        return FileStatus.WT_NEW


def _repository_of(root: Path) -> tuple[pygit2.Repository, str] | None:
    """The repository holding `root` and `root`'s path in it (`""` or `dir/`), None if there is none."""
    found = pygit2.discover_repository(str(root))
    if not found:
        return None
    repo = pygit2.Repository(found)
    if repo.workdir is None:
        return None
    prefix = os.path.relpath(root.resolve(), Path(repo.workdir).resolve()).replace(os.sep, "/")
    return repo, "" if prefix == "." else prefix + "/"
