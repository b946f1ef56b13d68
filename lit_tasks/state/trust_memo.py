"""What the last trust check of this checkout found, so the next one need not read git's index again.

`tree_shape.check_local_state` asks git whether the repository tracks lit's local state. Answering takes
pygit2 (0.04 s to import) and a read of the index, paid by every make recipe (`lit regenerate <prompt>`: 0.28 s
with it, 0.25 s without, for one prompt of example_project here). The answer can only change when the index
does, so it is remembered next to the version of the index it was read from: the first `.git` above the
project and its index's inode, times and size. A repository cannot carry a memo that matches: a clone writes an index of its own, with an inode and a
change time no file in the repository can predict, so a carried memo only means the check runs again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from lit_tasks.io.atomic import Durability, write_atomic
from lit_tasks.io.hashing import read_regular, stat_key
from lit_tasks.state.workspace import Workspace


def _git_dir_above(workspace: Workspace) -> Path | None:
    """The `.git` git finds for the project: in its root or the nearest parent; None outside any repository."""
    for directory in (workspace.root, *workspace.root.parents):
        marker = directory / ".git"
        if os.path.lexists(marker):
            return marker
    return None


def _state(marker: Path) -> dict[str, object] | None:
    """The repository's `.git` and the version of its index (None: it has none yet, so git tracks nothing); None
    where there is nothing to remember (a `.git` file of a worktree or submodule, an index git cannot read)."""
    if not marker.is_dir() or marker.is_symlink():
        return None
    try:
        return {"git": os.fspath(marker), "index": list(stat_key(os.stat(marker / "index")))}
    except FileNotFoundError:  # a repository nothing was ever added to
        return {"git": os.fspath(marker), "index": None}
    except OSError:
        return None


def known_clean(workspace: Workspace) -> bool:
    """Whether git tracks none of lit's local state, known without asking git: the project is in no repository,
    in one with no index yet, or in one whose index is the version the last check found clean."""
    marker = _git_dir_above(workspace)
    if marker is None:
        return True
    state = _state(marker)
    if state is None:
        return False
    if state["index"] is None:
        return True
    try:
        return json.loads(read_regular(workspace.trust_file, follow=False)) == state
    except (OSError, ValueError):
        return False


def remember_clean(workspace: Workspace) -> None:
    """Note that git's index, as it is now, tracks none of lit's local state (a memo: losing it costs a check)."""
    marker = _git_dir_above(workspace)
    state = _state(marker) if marker is not None else None
    if state is not None and workspace.cache_dir.is_dir():
        try:
            write_atomic(workspace.trust_file, json.dumps(state).encode(), durable=Durability.NONE)
        except OSError:
            pass
