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
from collections.abc import Callable, Iterable
from pathlib import Path

from lit_tasks.io import atomic
from lit_tasks.io.confined import require_inside
from lit_tasks.io.errors import ConfigError
from lit_tasks.model.paths import CODE_DIR, LOCK_DIR
from lit_tasks.state import trust_memo
from lit_tasks.state.workspace import STATE_DIR, Workspace


def check_tree_shape(workspace: Workspace) -> None:
    """Raise an OutsideRootError naming the first of lit's top-level paths that resolves outside the project, or a
    ConfigError for one of the wrong kind (a FIFO or a loop where a directory or doit's DB goes); then confine
    every later write of this process into the project to it."""
    state = workspace.state_dir
    for path in (workspace.code_dir, state):
        _require_kind(workspace, path, os.path.isdir, "a directory")
    for path in (workspace.db_file, workspace.db_file.with_name(workspace.db_file.name + "-journal")):
        _require_kind(workspace, path, os.path.isfile, "a regular file (doit's database)")
    try:
        children = sorted(os.listdir(state)) if state.is_dir() else []
    except OSError:
        children = []
    _require_inside(workspace, (CODE_DIR, STATE_DIR, *(f"{STATE_DIR}/{name}" for name in children)))
    atomic.confine(os.fspath(workspace.root))


def _require_kind(workspace: Workspace, path: Path, is_kind: Callable[[Path], bool], kind: str) -> None:
    if os.path.lexists(path) and not is_kind(path):
        raise ConfigError(
            f"{path.relative_to(workspace.root)} is not {kind} (a FIFO, a dangling link or a link loop?); move it away"
        )


def check_lock_dirs(workspace: Workspace, prompts: Iterable[str]) -> None:
    """The same for the directories the lock entries of `prompts` are written into."""
    _require_inside(workspace, sorted({posixpath.dirname(f"{LOCK_DIR.as_posix()}/{key}") for key in prompts}))


def _require_inside(workspace: Workspace, paths: Iterable[str]) -> None:
    for rel in paths:
        require_inside(workspace.root, rel)


# lit's local state: what one machine's runs remember. A repository that carries it would have lit trust it: a
# parse cache entry keyed by a prompt's content could add `verify:` commands the prompt does not show, a
# response cache entry could answer for the model.
LOCAL_STATE = (
    f"{STATE_DIR}/cache/",
    f"{STATE_DIR}/batches/",
    f"{STATE_DIR}/locks/",
    f"{STATE_DIR}/runs/",
    f"{STATE_DIR}/doit.sqlite",
    f"{STATE_DIR}/events.jsonl",
)


def check_local_state(workspace: Workspace) -> None:
    """Refuse a project whose git repository tracks lit's local state (a ConfigError naming the first file)."""
    if not any(os.path.lexists(os.path.join(workspace.root, p.rstrip("/"))) for p in LOCAL_STATE):
        return  # nothing there to trust: no need to read the git index
    linked = next(
        (p.rstrip("/") for p in LOCAL_STATE if os.path.islink(os.path.join(workspace.root, p.rstrip("/")))), None
    )
    if linked is not None:  # lit never makes one: a link could put a repository's files where lit trusts its own
        raise ConfigError(f"{linked} is a symlink, but it is lit's local state, which lit would trust; remove the link")
    if trust_memo.known_clean(workspace):
        return
    from lit_tasks.io.git_paths import tracked_under  # pygit2: 0.04 s to import

    tracked = tracked_under(workspace.root, LOCAL_STATE)
    if not tracked:
        trust_memo.remember_clean(workspace)
    else:
        first = tracked[0]  # its part of lit's state, as a whole: one command, not one per file
        whole = next((p.rstrip("/") for p in LOCAL_STATE if first.startswith(p) or first == p.rstrip("/")), first)
        raise ConfigError(
            f"{first} is committed to the repository, but it is lit's local state (a cache, or this machine's "
            f"runs), which lit would trust: remove it from git (`git rm -r --cached {whole}`) and run again"
        )
