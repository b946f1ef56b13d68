"""Orphans: generated files that no prompt declares any more (a prompt deleted, an output renamed).

They are removed together with their lock entries, one line each, but only when unchanged since lit wrote
them: a hand-edited orphan is kept and reported, never deleted.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from lit_tasks.io.hashing import hash_file
from lit_tasks.model.paths import CODE_DIR, lock_path, locked_prompts
from lit_tasks.state.index import ProjectIndex


@dataclass(frozen=True)
class Orphan:
    path: str
    prompt: str
    edited: bool


def find_orphans(root: Path, index: ProjectIndex, deleted: list[str] | None = None) -> list[Orphan]:
    """Outputs of prompts that no longer exist (a prompt's own renamed outputs are removed when it regenerates,
    which it must, since its frontmatter changed). Only the lock entries of deleted prompts are read."""
    deleted = deleted_prompts(root, index) if deleted is None else deleted
    if not deleted:
        return []
    from lit_tasks.state.lock import read_lock  # msgspec: only imported when a prompt was deleted

    found = []
    owners: dict[str, str] | None = None
    for key in deleted:
        entry = read_lock(root, key)
        if entry is None:
            continue
        owners = owners if owners is not None else index.owners()
        for rel, digest in sorted(entry.outputs.items()):
            if rel in owners:
                continue  # declared by its prompt, or by another one now
            try:
                edited = hash_file(root / CODE_DIR / rel) != digest
            except FileNotFoundError:
                continue
            found.append(Orphan(rel, key, edited))
    return found


def deleted_prompts(root: Path, index: ProjectIndex) -> list[str]:
    """Prompts that have a lock entry but no longer exist."""
    return [key for key in locked_prompts(root) if key not in index.prompts]


def remove_if_unchanged(code_dir: Path, rel: str, digest: str) -> bool | None:
    """True if removed, False if kept because it was edited, None if it does not exist."""
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


def remove_orphans(root: Path, index: ProjectIndex) -> tuple[list[Orphan], list[Orphan]]:
    """Remove unchanged orphans and the lock entries of deleted prompts; returns (removed, kept)."""
    removed, kept = [], []
    deleted = deleted_prompts(root, index)
    if not deleted:
        return removed, kept
    from lit_tasks.state.lock import read_lock

    for orphan in find_orphans(root, index, deleted):
        entry = read_lock(root, orphan.prompt)
        if entry is not None and remove_if_unchanged(root / CODE_DIR, orphan.path, entry.outputs[orphan.path]):
            removed.append(orphan)
        else:
            kept.append(orphan)
    kept_prompts = {o.prompt for o in kept}
    for key in deleted:
        if key not in kept_prompts:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(lock_path(root, key))
    return removed, kept
