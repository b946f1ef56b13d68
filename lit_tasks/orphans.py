"""Orphans: generated files that no prompt declares any more (a prompt deleted, an output renamed).

They are removed together with their lock entries, one line each, but only when unchanged since lit wrote
them: a hand-edited orphan is kept and reported, never deleted.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from .hashing import hash_file
from .lock import lock_path, locked_prompts, read_lock
from .project import Project


@dataclass(frozen=True)
class Orphan:
    path: str
    prompt: str
    edited: bool


def find_orphans(project: Project) -> list[Orphan]:
    """Outputs of prompts that no longer exist (a prompt's own renamed outputs are removed when it regenerates,
    which it must, since its frontmatter changed). Only the lock entries of deleted prompts are read."""
    found = []
    for key in locked_prompts(project.root):
        if key in project.graph.prompts:
            continue
        entry = read_lock(project.root, key)
        if entry is None:
            continue
        for rel, digest in sorted(entry.outputs.items()):
            if rel in project.graph.owner:
                continue  # declared by its prompt, or by another one now
            try:
                edited = hash_file(project.code_dir / rel) != digest
            except FileNotFoundError:
                continue
            found.append(Orphan(rel, key, edited))
    return found


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


def remove_orphans(project: Project) -> tuple[list[Orphan], list[Orphan]]:
    """Remove unchanged orphans and the lock entries of deleted prompts; returns (removed, kept)."""
    removed, kept = [], []
    for orphan in find_orphans(project):
        entry = read_lock(project.root, orphan.prompt)
        if entry is not None and remove_if_unchanged(project.code_dir, orphan.path, entry.outputs[orphan.path]):
            removed.append(orphan)
        else:
            kept.append(orphan)
    kept_prompts = {o.prompt for o in kept}
    for key in locked_prompts(project.root):
        if key not in project.graph.prompts and key not in kept_prompts:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(lock_path(project.root, key))
    return removed, kept
