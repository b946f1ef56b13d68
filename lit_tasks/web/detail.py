"""One prompt in full: its frontmatter, its outputs with their last diff, the calls of its last generation and
its history with the commits that carry it. Git is optional: outside a repository there are no diffs or
commits, and the rest is shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lit_tasks.io.confined import read_inside
from lit_tasks.io.errors import LitError
from lit_tasks.model.paths import CODE_DIR
from lit_tasks.model.prompt import split_frontmatter
from lit_tasks.state.drafts import drafted_from, file_hash
from lit_tasks.state.records import TRAILER
from lit_tasks.state.workspace import Workspace
from lit_tasks.web.board import Board, calls_of, history_of, steps_of
from lit_tasks.web.models import DraftOrigin, OutputView, PromptDetail

COMMITS_SEARCHED = 50  # how far back the history looks for a record's commit and an output's last change


def prompt_detail(board: Board, key: str) -> PromptDetail | None:
    """None when `key` is no prompt of the project."""
    summary = board.prompts.get(key)
    if summary is None or board.index is None:
        return None
    git = Git.of(board)
    last = next((calls_of(r, key) for r in reversed(board.records) if calls_of(r, key)), [])
    return PromptDetail(
        **summary.model_dump(),
        frontmatter=_frontmatter(board, key),
        drafted_from=_origin(board, key),
        importers=[k for k in board.index.order if key in board.index.prompts[k].imports],
        output_views=[_output_view(board, git, out) for out in summary.outputs],
        steps=steps_of(last),
        history=history_of(board, key, git.record_commits() if git else {}),
    )


def _origin(board: Board, key: str) -> DraftOrigin | None:
    record = drafted_from(Workspace(board.root), key)
    if record is None:
        return None
    try:
        edited = file_hash(read_inside(board.root, key)) != record.files[key]
    except OSError:
        edited = True
    return DraftOrigin(
        draft=record.id, request=record.request, fix=record.fix, finished=record.finished, edited_since=edited
    )


def _frontmatter(board: Board, key: str) -> str:
    try:
        text = read_inside(board.root, key).decode("utf-8", "replace")
        return split_frontmatter(text, key)[0]
    except (OSError, LitError) as err:
        return f"(cannot read {key}: {err})"


@dataclass
class Git:
    """The repository's recent history, read once per prompt page: the log, the work tree's diff, and each
    commit's diff as it is first needed."""

    repo: Any  # io.git.Repo, imported only here (pygit2 is slow to import)
    log: list[Any]
    worktree: Any
    diffs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, board: Board) -> Git | None:
        from lit_tasks.io.git import Repo

        try:
            repo = Repo(board.root)
            return cls(repo, repo.log(COMMITS_SEARCHED), repo.diff())
        except LitError:
            return None

    def record_commits(self) -> dict[str, str]:
        """record id -> the short id of the newest commit whose message names it."""
        found: dict[str, str] = {}
        for commit in self.log:
            for rid in TRAILER.findall(commit.message):
                found.setdefault(rid, commit.short)
        return found

    def last_change(self, rel: str) -> tuple[str, str] | None:
        """(diff, where it comes from) of the last change to `rel`: the work tree's, else the newest commit's
        among those searched that changed it (a root commit has no parent to diff against)."""
        text = self.repo.patch_text(self.worktree, [rel])
        if text:
            return text, "work tree"
        for commit in self.log:
            if commit.id not in self.diffs:
                has_parent = bool(self.repo.repo[commit.id].parents)
                self.diffs[commit.id] = self.repo.diff(f"{commit.id}~1", commit.id) if has_parent else None
            diff = self.diffs[commit.id]
            text = self.repo.patch_text(diff, [rel]) if diff is not None else ""
            if text:
                return text, commit.short
        return None


def _output_view(board: Board, git: Git | None, out: str) -> OutputView:
    rel = f"{CODE_DIR}/{out}"
    view = OutputView(path=out, exists=(board.root / rel).is_file())
    try:
        change = git.last_change(rel) if git is not None else None
    except LitError:
        change = None
    if change is None:
        return view
    return view.model_copy(update={"diff": change[0], "diff_of": change[1]})
