"""Local git operations, through pygit2 (libgit2), for the `lit` workflow commands.

The lit root may be a subdirectory of the git work tree; every path here is relative to the lit root on the
way in and out, and prefixed for git internally. Only lit's own files are ever staged or committed.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

import pygit2
from pygit2.enums import DiffOption, FileStatus, SortMode

from lit_tasks.io import progress
from lit_tasks.io.atomic import TEMP_SUFFIX
from lit_tasks.io.errors import LitError

# What `lit commit` stages (lit v1's stage_all pathspecs, plus the lock, the plans, dodo.py and .lit/.gitignore).
LIT_PATHS = (
    "prompts",
    "code.lock",
    "lit.toml",
    "dodo.py",
    ".lit/lock",
    ".lit/generations",
    ".lit/patches",
    ".lit/manifests",
    ".lit/drafts",
    ".lit/.gitignore",
    ".gitignore",
)
HISTORY_ORDER = SortMode.TOPOLOGICAL | SortMode.TIME  # children before parents; by time where that leaves a choice
UNTRACKED_DIFF = DiffOption.INCLUDE_UNTRACKED | DiffOption.RECURSE_UNTRACKED_DIRS | DiffOption.SHOW_UNTRACKED_CONTENT


class GitError(LitError):
    exit_code = 2


@dataclass(frozen=True)
class Change:
    path: str
    kind: str  # new | modified | deleted


@dataclass(frozen=True)
class CommitInfo:
    id: str
    short: str
    message: str
    time: int
    author: str

    @property
    def summary(self) -> str:
        return self.message.splitlines()[0] if self.message else ""


def signature(repo: pygit2.Repository) -> pygit2.Signature:
    try:
        return repo.default_signature
    except (KeyError, pygit2.GitError):
        name, email = os.environ.get("GIT_AUTHOR_NAME"), os.environ.get("GIT_AUTHOR_EMAIL")
        if not (name and email):
            progress.emit(
                "warn",
                "git has no identity here (user.name, user.email): committing as lit <lit@localhost>; set yours with "
                '`git config --global user.name "..."` and `git config --global user.email ...`',
            )
        return pygit2.Signature(name or "lit", email or "lit@localhost")


class Repo:
    def __init__(self, root: Path) -> None:
        found = pygit2.discover_repository(str(root))
        if not found:
            raise GitError(f"{root} is not in a git repository; run `git init` (or `lit init`) first")
        self.repo = pygit2.Repository(found)
        if self.repo.workdir is None:
            raise GitError(f"{found} is a bare repository; lit needs a work tree")
        self.workdir = Path(self.repo.workdir).resolve()
        self.root = root.resolve()
        rel = self.root.relative_to(self.workdir).as_posix()
        self.prefix = "" if rel == "." else rel + "/"
        self._refuse_special_ignore_files()

    def _refuse_special_ignore_files(self) -> None:
        """libgit2 reads ignore files with a plain open: a FIFO in their place would hang every status and diff
        (git's own commands too), so one there is an error, said before any git call."""
        known = (".gitignore", ".lit/.gitignore", "code.lock/.gitignore")
        for path in (
            self.workdir / ".gitignore",
            *(self.root / name for name in known),
            Path(self.repo.path) / "info/exclude",
        ):
            try:
                mode = os.stat(path).st_mode
            except OSError:
                continue
            if not stat.S_ISREG(mode):
                raise GitError(f"{path} is not a regular file (a FIFO?); git cannot read it: replace it with a file")

    # -- paths ---------------------------------------------------------------------------------------------
    def to_git(self, path: str) -> str:
        return self.prefix + path

    def from_git(self, path: str) -> str | None:
        return path[len(self.prefix) :] if path.startswith(self.prefix) else None

    def lit_pathspecs(self) -> list[str]:
        return [self.to_git(p) for p in LIT_PATHS]

    @staticmethod
    def is_lit_path(path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in LIT_PATHS)

    # -- state ---------------------------------------------------------------------------------------------
    def head(self) -> CommitInfo | None:
        if self.repo.head_is_unborn:
            return None
        return self._info(self.repo.head.peel(pygit2.Commit))

    def merging(self) -> bool:
        """A merge, rebase, cherry-pick or revert is in progress (git would make the next commit its own)."""
        from lit_tasks.io.git_driver import in_progress

        return in_progress(Path(self.repo.path))

    def branch(self) -> str | None:
        if self.repo.head_is_unborn:
            ref = self.repo.references.get("HEAD")
            target = ref.target if ref is not None else ""
            return str(target).removeprefix("refs/heads/") or None
        return None if self.repo.head_is_detached else self.repo.head.shorthand

    def _info(self, commit: pygit2.Commit) -> CommitInfo:
        """A commit as lit shows it; its message read as UTF-8 whatever encoding its header claims (a hand-made
        commit may name one Python does not know), its author's name likewise."""
        message = commit.raw_message.decode("utf-8", "replace").strip()
        author = commit.author.raw_name.decode("utf-8", "replace")
        return CommitInfo(str(commit.id), str(commit.id)[:7], message, commit.commit_time, author)

    def changes(self) -> list[Change]:
        """Work tree and index against HEAD, inside the lit root, untracked files included."""
        result = []
        for path, flags in sorted(self.repo.status().items()):
            rel = self.from_git(path)
            if rel is None or flags & FileStatus.IGNORED:
                continue
            if flags & (FileStatus.WT_NEW | FileStatus.INDEX_NEW) and not flags & (FileStatus.WT_DELETED):
                kind = "new"
            elif flags & (FileStatus.WT_DELETED | FileStatus.INDEX_DELETED):
                kind = "deleted"
            else:
                kind = "modified"
            result.append(Change(rel, kind))
        return result

    def dirty_tracked(self) -> list[str]:
        """Tracked files (anywhere in the work tree) with uncommitted or staged changes: what a checkout could lose."""
        untracked_only = FileStatus.WT_NEW | FileStatus.IGNORED
        return sorted(path for path, flags in self.repo.status().items() if flags & ~untracked_only)

    # -- diffs ---------------------------------------------------------------------------------------------
    def tree(self, rev: str | None) -> pygit2.Tree | None:
        if rev is None:
            return None if self.repo.head_is_unborn else self.repo.head.peel(pygit2.Tree)
        try:
            return self.repo.revparse_single(rev).peel(pygit2.Tree)
        except (KeyError, ValueError, pygit2.GitError):
            raise GitError(f"unknown revision `{rev}`") from None

    def diff(self, rev_a: str | None = None, rev_b: str | None = None) -> pygit2.Diff:
        """rev_a..rev_b, or rev_a (default HEAD) against the work tree including untracked files."""
        old = self.tree(rev_a)
        if rev_b is not None:
            new = self.tree(rev_b)
            if old is None:
                return new.diff_to_tree(swap=True)
            return self.repo.diff(old, new)
        if old is None:
            empty = self.repo[self.repo.TreeBuilder().write()]
            return empty.diff_to_workdir(flags=UNTRACKED_DIFF)
        return old.diff_to_workdir(flags=UNTRACKED_DIFF)

    def patch_text(self, diff: pygit2.Diff, prefixes: list[str]) -> str:
        wanted = [self.to_git(p) for p in prefixes]
        parts = []
        for patch in diff:
            path = patch.delta.new_file.path or patch.delta.old_file.path
            if any(path == w or path.startswith(w.rstrip("/") + "/") for w in wanted) and patch.text:
                parts.append(patch.text)
        return "".join(parts)

    def changed_paths(self, diff: pygit2.Diff, prefix: str) -> list[tuple[str, str, int, int]]:
        """(path, new|modified|deleted, lines added, lines removed) for files under `prefix`."""
        result = []
        kinds = {
            pygit2.enums.DeltaStatus.ADDED: "new",
            pygit2.enums.DeltaStatus.UNTRACKED: "new",
            pygit2.enums.DeltaStatus.DELETED: "deleted",
        }
        for patch in diff:
            path = self.from_git(patch.delta.new_file.path or patch.delta.old_file.path)
            if path is None or not (path == prefix or path.startswith(prefix.rstrip("/") + "/")):
                continue
            _, added, removed = patch.line_stats
            result.append((path, kinds.get(patch.delta.status, "modified"), added, removed))
        return sorted(result)

    # -- commits -------------------------------------------------------------------------------------------
    def stage_lit_files(self) -> pygit2.Index:
        """Bring the index up to date with the work tree for lit's paths only (new, modified, deleted)."""
        index = self.repo.index
        index.read()
        specs = self.lit_pathspecs()
        index.remove_all(specs)
        index.add_all(specs)
        for entry in [e for e in index if e.path.endswith(TEMP_SUFFIX)]:  # a killed writer's half-written file
            index.remove(entry.path)
        index.write()
        return index

    def commit_lit_files(self, message: str) -> CommitInfo | None:
        """Commit lit's paths as they are in the work tree; other staged changes stay staged, not committed."""
        index = self.stage_lit_files()
        base = pygit2.Index()
        head_tree = self.tree(None)
        if head_tree is not None:
            base.read_tree(head_tree)
        for entry in list(base):
            rel = self.from_git(entry.path)
            if rel is not None and self.is_lit_path(rel):
                base.remove(entry.path)
        for entry in index:
            rel = self.from_git(entry.path)
            if rel is not None and self.is_lit_path(rel):
                base.add(entry)
        tree_id = base.write_tree(self.repo)
        if head_tree is not None and tree_id == head_tree.id:
            return None
        sig = signature(self.repo)
        parents = [] if self.repo.head_is_unborn else [self.repo.head.target]
        ref = "HEAD"
        commit_id = self.repo.create_commit(ref, sig, sig, message, tree_id, parents)
        return self._info(self.repo[commit_id])

    def log(self, limit: int) -> list[CommitInfo]:
        """The last `limit` commits that change the project, newest first and each before its parents (commit
        times can go backwards: a skewed clock, a rebase), as `git log -- <project>` lists them: in a larger
        repository, a commit that changes nothing under the lit root is left out."""
        if self.repo.head_is_unborn:
            return []
        result = []
        for commit in self.repo.walk(self.repo.head.target, HISTORY_ORDER):
            if self.prefix and not self._changes_project(commit):
                continue
            result.append(self._info(commit))
            if len(result) >= limit:
                break
        return result

    def _changes_project(self, commit: pygit2.Commit) -> bool:
        """Whether the lit root's tree differs from every parent's (a merge that kept one side's is no change)."""
        mine = _entry_id(commit.tree, self.prefix.rstrip("/"))
        parents = commit.parents
        if not parents:
            return mine is not None
        return all(_entry_id(parent.tree, self.prefix.rstrip("/")) != mine for parent in parents)

    def read_blob(self, rev: str, rel: str) -> bytes | None:
        tree = self.tree(rev)
        if tree is None:
            return None
        try:
            obj = tree[self.to_git(rel)]
        except KeyError:
            return None
        return obj.data if isinstance(obj, pygit2.Blob) else None

    def history_blobs(self, rel: str, limit: int = 50):
        """Contents of `rel` in the last `limit` commits, newest first (to find a generated version)."""
        if self.repo.head_is_unborn:
            return
        for n, commit in enumerate(self.repo.walk(self.repo.head.target, HISTORY_ORDER)):
            if n >= limit:
                return
            try:
                obj = commit.tree[self.to_git(rel)]
            except KeyError:
                continue
            if isinstance(obj, pygit2.Blob):
                yield obj.data

    # -- checkout ------------------------------------------------------------------------------------------
    def checkout(self, ref: str) -> tuple[CommitInfo | None, CommitInfo, bool]:
        """(old HEAD, new HEAD, detached). A local branch name checks out the branch; anything else detaches."""
        old = self.head()
        try:
            branch = self.repo.lookup_branch(ref)
        except (pygit2.GitError, ValueError):  # InvalidSpecError: `HEAD~2` cannot be a branch name
            branch = None
        if branch is not None:
            self.repo.checkout(branch.name)
            return old, self._info(self.repo.head.peel(pygit2.Commit)), False
        try:
            commit = self.repo.revparse_single(ref).peel(pygit2.Commit)
        except (KeyError, ValueError, pygit2.GitError):
            raise GitError(f"unknown branch or revision `{ref}`") from None
        self.repo.checkout_tree(commit)
        self.repo.set_head(commit.id)
        return old, self._info(commit), True


def _entry_id(tree: pygit2.Tree, path: str) -> pygit2.Oid | None:
    try:
        return tree[path].id
    except KeyError:
        return None


def init_repository(path: Path) -> pygit2.Repository:
    return pygit2.init_repository(str(path), initial_head="main")


def commit_files(repo: pygit2.Repository, paths: list[str], message: str) -> str:
    """Commit exactly `paths` (relative to the work tree) on top of HEAD, leaving other index entries alone."""
    index = repo.index
    index.read()
    for path in paths:
        index.add(path)
    index.write()
    base = pygit2.Index()
    if not repo.head_is_unborn:
        base.read_tree(repo.head.peel(pygit2.Tree))
    for entry in index:
        if entry.path in paths:
            base.add(entry)
    tree_id = base.write_tree(repo)
    sig = signature(repo)
    parents = [] if repo.head_is_unborn else [repo.head.target]
    return str(repo.create_commit("HEAD", sig, sig, message, tree_id, parents))
