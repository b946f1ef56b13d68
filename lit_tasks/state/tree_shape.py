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
from pathlib import Path

from lit_tasks.io import atomic
from lit_tasks.model.paths import CODE_DIR, LOCK_DIR
from lit_tasks.state.layout import STATE_DIR


def check_tree_shape(root: Path) -> None:
    """Raise an OutsideRootError naming the first of lit's top-level paths that resolves outside the project; then
    confine every later write of this process into the project to it."""
    state = os.path.join(root, STATE_DIR)
    try:
        children = sorted(os.listdir(state)) if os.path.isdir(state) else []
    except OSError:
        children = []
    _require_inside(root, (CODE_DIR, STATE_DIR, *(f"{STATE_DIR}/{name}" for name in children)))
    atomic.confine(os.fspath(root))


def check_lock_dirs(root: Path, prompts: Iterable[str]) -> None:
    """The same for the directories the lock entries of `prompts` are written into."""
    _require_inside(root, sorted({posixpath.dirname(f"{LOCK_DIR.as_posix()}/{key}") for key in prompts}))


def _require_inside(root: Path, paths: Iterable[str]) -> None:
    real_root = os.path.realpath(root)
    for rel in paths:
        real = os.path.realpath(os.path.join(root, rel))
        if not atomic.inside(real, real_root):
            raise atomic.OutsideRootError(rel, real)
