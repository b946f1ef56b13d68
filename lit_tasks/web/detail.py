"""One prompt in full: its frontmatter, its outputs with their last diff, the calls of its last generation and
its history with the commits that carry it. Git is optional: outside a repository there are no diffs or
commits, and the rest is shown."""

from __future__ import annotations

from lit_tasks.io.errors import LitError
from lit_tasks.model.paths import CODE_DIR
from lit_tasks.model.prompt import split_frontmatter
from lit_tasks.state.records import TRAILER
from lit_tasks.web.board import Board, calls_of, history_of, steps_of
from lit_tasks.web.models import OutputView, PromptDetail

COMMITS_SEARCHED = 50  # how far back the history looks for a record's commit and an output's last change


def prompt_detail(board: Board, key: str) -> PromptDetail | None:
    """None when `key` is no prompt of the project."""
    summary = board.prompts.get(key)
    if summary is None or board.index is None:
        return None
    repo = _repo(board)
    last = next((calls_of(r, key) for r in reversed(board.records) if calls_of(r, key)), [])
    return PromptDetail(
        **summary.model_dump(),
        frontmatter=_frontmatter(board, key),
        importers=[k for k in board.index.order if key in board.index.prompts[k].imports],
        output_views=[_output_view(board, repo, out) for out in summary.outputs],
        steps=steps_of(last),
        history=history_of(board, key, _record_commits(repo)),
    )


def _frontmatter(board: Board, key: str) -> str:
    try:
        text = (board.root / key).read_text(encoding="utf-8", errors="replace")
        return split_frontmatter(text, key)[0]
    except (OSError, LitError) as err:
        return f"(cannot read {key}: {err})"


def _repo(board: Board):  # noqa: ANN202 - io.git.Repo, imported only here (pygit2 is slow to import)
    from lit_tasks.io.git import Repo

    try:
        return Repo(board.root)
    except LitError:
        return None


def _record_commits(repo) -> dict[str, str]:  # noqa: ANN001
    """record id -> the short id of the newest commit whose message names it."""
    found: dict[str, str] = {}
    for commit in repo.log(COMMITS_SEARCHED) if repo is not None else []:
        for rid in TRAILER.findall(commit.message):
            found.setdefault(rid, commit.short)
    return found


def _output_view(board: Board, repo, out: str) -> OutputView:  # noqa: ANN001
    rel = f"{CODE_DIR}/{out}"
    view = OutputView(path=out, exists=(board.root / rel).is_file())
    if repo is None:
        return view
    try:
        text = repo.patch_text(repo.diff(), [rel])
        if text:
            return view.model_copy(update={"diff": text, "diff_of": "work tree"})
        for commit in repo.log(COMMITS_SEARCHED):
            parent = f"{commit.id}~1"
            text = repo.patch_text(repo.diff(parent, commit.id), [rel]) if _has_parent(repo, commit.id) else ""
            if text:
                return view.model_copy(update={"diff": text, "diff_of": commit.short})
    except LitError:
        pass
    return view


def _has_parent(repo, commit_id: str) -> bool:  # noqa: ANN001
    return bool(repo.repo[commit_id].parents)
