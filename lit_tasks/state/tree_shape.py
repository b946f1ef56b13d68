"""The places lit writes into stay inside the project, whatever links a cloned repository carries.

`code.lock/`, `.lit/` and everything directly in `.lit/` are resolved when a project is loaded, then the
directories of the lock entries (committed, so a clone can carry a link there too), and a link leading out of
the project stops the command before any call is paid. Directories deeper down (a link at
`.lit/cache/responses`) are checked by the atomic writer itself, once per directory, when lit first writes
there.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterable

from lit_tasks.io import atomic
from lit_tasks.io.confined import require_inside
from lit_tasks.model.paths import CODE_DIR, LOCK_DIR
from lit_tasks.state.workspace import STATE_DIR, Workspace


def check_tree_shape(workspace: Workspace) -> None:
    """Raise an OutsideRootError naming the first of lit's top-level paths that resolves outside the project; then
    confine every later write of this process into the project to it."""
    state = workspace.state_dir
    try:
        children = sorted(os.listdir(state)) if state.is_dir() else []
    except OSError:
        children = []
    _require_inside(workspace, (CODE_DIR, STATE_DIR, *(f"{STATE_DIR}/{name}" for name in children)))
    atomic.confine(os.fspath(workspace.root))


def check_lock_dirs(workspace: Workspace, prompts: Iterable[str]) -> None:
    """The same for the directories the lock entries of `prompts` are written into."""
    _require_inside(workspace, sorted({posixpath.dirname(f"{LOCK_DIR.as_posix()}/{key}") for key in prompts}))


def _require_inside(workspace: Workspace, paths: Iterable[str]) -> None:
    for rel in paths:
        require_inside(workspace.root, rel)
