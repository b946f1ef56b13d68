"""lit's git merge driver for generated files: `code.lock/` and `.lit/lock/` never receive conflict markers.

The driver keeps our side of the file (git has already put it where the result goes) and leaves a note naming
the commit being brought in, so that `lit resolve` can settle every prompt by its lock entry afterwards, even
once the merge is committed. The `.gitattributes` lines are committed with the project; the driver itself is
registered in each clone's `.git/config` (git never takes one from a repository: it would run its command).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from lit_tasks.io.atomic import write_atomic

if TYPE_CHECKING:
    import pygit2  # loaded by the callers that have a repository; `lit check` reads only files

DRIVER = "lit"
ATTRIBUTES = ("code.lock/** merge=lit", ".lit/lock/** merge=lit")
NOTE = "lit-merge-note.json"  # in the git directory: the commit a merge brought in, for `lit resolve`
THEIRS_HEADS = ("MERGE_HEAD", "REBASE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD")  # what is being brought in
REPLAYING = ("rebase-merge", "rebase-apply", "CHERRY_PICK_HEAD")  # a rebase or cherry-pick replays commits
IN_PROGRESS = (*THEIRS_HEADS, "rebase-merge", "rebase-apply")  # git would make the next commit this operation's


def in_progress(git_dir: Path) -> bool:
    """A merge, rebase, cherry-pick or revert is going on, as git's own files in `git_dir` say."""
    return any((git_dir / name).exists() for name in IN_PROGRESS)


def driver_command() -> str:
    """How git runs the driver: this Python and lit, whatever PATH git is given."""
    return f'"{sys.executable}" -m lit_tasks merge-driver %O %A %B %P'


def attributes_text(existing: str) -> str | None:
    """`.gitattributes` with lit's lines added (None: they are there)."""
    lines = existing.splitlines()
    missing = [line for line in ATTRIBUTES if line not in lines]
    if not missing:
        return None
    prefix = "" if not existing or existing.endswith("\n") else "\n"
    return existing + prefix + "\n".join(missing) + "\n"


def register(repo: pygit2.Repository) -> None:
    """Register the driver in the clone's git config (it cannot be committed)."""
    repo.config[f"merge.{DRIVER}.name"] = "lit: keep one side of generated files; `lit resolve` settles them"
    repo.config[f"merge.{DRIVER}.driver"] = driver_command()


def registered(repo: pygit2.Repository) -> bool:
    try:
        return bool(repo.config[f"merge.{DRIVER}.driver"])
    except KeyError:
        return False


def setup(root: Path, repo: pygit2.Repository) -> bool:
    """Write the attributes of `root` (a project in `repo`) and register the driver; True if the attributes
    file changed (it is the project's, to commit)."""
    path = root / ".gitattributes"
    text = attributes_text(path.read_text(encoding="utf-8") if path.exists() else "")
    if text is not None:
        write_atomic(path, text.encode())
    register(repo)
    return text is not None


def keep_side(git_dir: Path, path: str, result: Path, theirs: Path | None) -> None:
    """The driver's work: the result is ours (already in `result`), or `theirs`; note the file so `lit resolve`
    settles the merge (once it is committed, its two parents are the sides)."""
    if theirs is not None:
        write_atomic(result, theirs.read_bytes())
    note = git_dir / NOTE
    try:
        data = json.loads(note.read_text()) if note.exists() else {}
    except ValueError:
        data = {}
    paths = data.get("paths") if isinstance(data, dict) and isinstance(data.get("paths"), list) else []
    write_atomic(note, json.dumps({"paths": [*paths, path]}).encode())


def replaying(git_dir: Path) -> bool:
    """A rebase or cherry-pick is replaying commits: the commit being replayed is the side to keep."""
    return any((git_dir / name).exists() for name in REPLAYING)


def noted(git_dir: Path) -> list[str]:
    """The generated files the driver kept our side of, since the last `lit resolve`."""
    try:
        data = json.loads((git_dir / NOTE).read_text())
    except (OSError, ValueError):
        return []
    paths = data.get("paths") if isinstance(data, dict) else None
    return [p for p in paths if isinstance(p, str)] if isinstance(paths, list) else []


def forget_note(git_dir: Path) -> None:
    try:
        os.unlink(git_dir / NOTE)
    except FileNotFoundError:
        pass
