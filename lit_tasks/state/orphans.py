"""Orphans: generated files that no prompt declares any more (a prompt deleted, an output renamed).

They are removed together with their lock entries, one line each, but only when unchanged since lit wrote
them: a hand-edited orphan is kept and reported, never deleted.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from lit_tasks.io.hashing import hash_file
from lit_tasks.model.paths import Sandbox, locked_prompts
from lit_tasks.state.index import ProjectIndex
from lit_tasks.state.workspace import Workspace


@dataclass(frozen=True)
class Orphan:
    path: str
    prompt: str
    edited: bool


def find_orphans(workspace: Workspace, index: ProjectIndex, deleted: list[str] | None = None) -> list[Orphan]:
    """Outputs of prompts that no longer exist (a prompt's own renamed outputs are removed when it regenerates,
    which it must, since its frontmatter changed). Only the lock entries of deleted prompts are read."""
    deleted = deleted_prompts(workspace, index) if deleted is None else deleted
    if not deleted:
        return []
    found = []
    owners: dict[str, str] | None = None
    sandbox = Sandbox(workspace.code_dir)  # a path a lock entry names is looked at only inside code.lock/
    for key in deleted:
        entry = workspace.lock.read(key)  # msgspec: only imported when a prompt was deleted
        if entry is None:
            continue
        owners = owners if owners is not None else index.owners()
        for rel, digest in sorted(entry.outputs.items()):
            if rel in owners or not sandbox.contains(rel):
                continue  # declared by its prompt, or by another one now; or no file of code.lock/
            try:
                edited = hash_file(workspace.code_dir / rel) != digest
            except FileNotFoundError:
                continue
            found.append(Orphan(rel, key, edited))
    return found


def deleted_prompts(workspace: Workspace, index: ProjectIndex) -> list[str]:
    """Prompts that have a lock entry but no longer exist."""
    return [key for key in locked_prompts(workspace.root) if key not in index.prompts]


def remove_if_unchanged(code_dir: Path, rel: str, digest: str) -> bool | None:
    """True if removed, False if kept because it was edited, None if it does not exist (or is no file of
    code.lock/: a path a hostile lock entry names outside it is never touched)."""
    if not Sandbox(code_dir).contains(rel):
        return None
    target = code_dir / rel
    try:
        if hash_file(target) != digest:
            return False
        target.unlink()
    except FileNotFoundError:
        return None
    parent = target.parent
    while parent != code_dir and parent.is_dir():
        with contextlib.suppress(OSError):
            parent.rmdir()
        if parent.exists():
            break
        parent = parent.parent
    return True


def remove_orphans(workspace: Workspace, index: ProjectIndex) -> tuple[list[Orphan], list[Orphan]]:
    """Remove unchanged orphans and the lock entries of deleted prompts; returns (removed, kept)."""
    removed, kept = [], []
    deleted = deleted_prompts(workspace, index)
    if not deleted:
        return removed, kept
    for orphan in find_orphans(workspace, index, deleted):
        entry = workspace.lock.read(orphan.prompt)
        if entry is not None and remove_if_unchanged(workspace.code_dir, orphan.path, entry.outputs[orphan.path]):
            removed.append(orphan)
        else:
            kept.append(orphan)
    kept_prompts = {o.prompt for o in kept}
    for key in deleted:
        if key not in kept_prompts:
            workspace.lock.remove(key)
    return removed, kept
