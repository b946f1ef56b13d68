"""A merge, rebase or cherry-pick that stopped with conflicts, as `lit resolve` needs it: which paths conflict, and
each side's version of a file (ours, theirs, the merge base), read from git, never from the conflicted work tree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pygit2

from lit_tasks.io.errors import LitError
from lit_tasks.io.git_driver import THEIRS_HEADS, forget_note, noted

SIDES = ("ours", "theirs", "base")
MARKER = b"\n<<<<<<< "


class MergeStateError(LitError):
    exit_code = 2


@dataclass
class MergeState:
    """The repository holding a project, mid-merge (or not), seen from the project's root."""

    repo: pygit2.Repository
    prefix: str  # the project's path in the repository, "" or "dir/"
    trees: dict[str, pygit2.Tree | None]  # side -> its tree (None: no such side, e.g. not merging)
    replaying: bool = False  # a rebase or cherry-pick: `theirs` is the commit being replayed onto `ours`

    @property
    def preferred(self) -> tuple[str, ...]:
        """The sides in the order a prompt takes them when more than one matches: during a rebase the commit
        being replayed first, so the commits after it (built on its code) still match; in a merge, ours."""
        return ("theirs", "ours", "base") if self.replaying else SIDES

    @classmethod
    def of(cls, root: Path) -> MergeState:
        found = pygit2.discover_repository(str(root))
        if not found:
            raise MergeStateError(f"{root} is not in a git repository: there is no merge to resolve")
        repo = pygit2.Repository(found)
        if repo.workdir is None:
            raise MergeStateError(f"{found} is a bare repository")
        prefix = os.path.relpath(root.resolve(), Path(repo.workdir).resolve()).replace(os.sep, "/")
        prefix = "" if prefix == "." else prefix + "/"
        ours = None if repo.head_is_unborn else repo.head.peel(pygit2.Commit)
        head_name = next((name for name in THEIRS_HEADS if _commit(repo, name) is not None), None)
        theirs = _commit(repo, head_name) if head_name else None
        if theirs is None and noted(Path(repo.path)) and ours is not None and len(ours.parents) == 2:
            ours, theirs = ours.parents  # a merge lit's driver let through, committed since: settle it now
        base = None
        if ours is not None and theirs is not None:
            base_id = repo.merge_base(ours.id, theirs.id)
            base = repo[base_id].peel(pygit2.Commit) if base_id else None
        trees = {
            "ours": ours.tree if ours else None,
            "theirs": theirs.tree if theirs else None,
            "base": base.tree if base else None,
        }
        return cls(repo, prefix, trees, replaying=head_name in ("REBASE_HEAD", "CHERRY_PICK_HEAD"))

    def conflicted(self) -> list[str]:
        """Paths (relative to the project) git left conflicted in the index."""
        conflicts = self.repo.index.conflicts
        if conflicts is None:
            return []
        paths = set()
        for ancestor, ours, theirs in conflicts:
            path = next(e.path for e in (ours, theirs, ancestor) if e is not None)
            if path.startswith(self.prefix):
                paths.add(path[len(self.prefix) :])
        return sorted(paths)

    def blob(self, side: str, rel: str) -> bytes | None:
        """`rel` as `side` has it (None: that side has no such file)."""
        tree = self.trees.get(side)
        if tree is None:
            return None
        try:
            obj = tree[self.prefix + rel]
        except KeyError:
            return None
        return obj.data if isinstance(obj, pygit2.Blob) else None

    def settled(self) -> None:
        """The merge's generated files are settled: drop the driver's note."""
        forget_note(Path(self.repo.path))

    def stage(self, rels: list[str]) -> None:
        """`git add` these files: their conflicts are resolved as the work tree now has them."""
        index = self.repo.index
        for rel in rels:
            index.add(self.prefix + rel)
        index.write()


def _commit(repo: pygit2.Repository, name: str) -> pygit2.Commit | None:
    try:
        return repo.revparse_single(name).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError):
        return None


def has_markers(data: bytes) -> bool:
    """Whether a file holds git's conflict markers."""
    return data.startswith(b"<<<<<<< ") or MARKER in data
