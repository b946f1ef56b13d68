"""The trust check's memo: a checkout whose git index has not changed since it was found clean is not read again,
and no memo lets lit trust local state a repository tracks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import LitProjectDir
from tests.fake_llm import FakeLLM

CHECK = (
    "import sys; from pathlib import Path; from lit_tasks.state.tree_shape import check_local_state; "
    "from lit_tasks.state.workspace import Workspace; check_local_state(Workspace(Path.cwd())); "
    "print('pygit2' in sys.modules)"
)


def git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "m", "GIT_AUTHOR_EMAIL": "m@x", "GIT_COMMITTER_NAME": "m"}
    subprocess.run(["git", *args], cwd=cwd, env=env | {"GIT_COMMITTER_EMAIL": "m@x"}, check=True, capture_output=True)


def reads_git(root: Path) -> bool:
    """Whether a trust check of `root`, in a process of its own, had to read git's index (import pygit2)."""
    done = subprocess.run([sys.executable, "-c", CHECK], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.strip() == "True"


@pytest.fixture
def committed(project: LitProjectDir, fake_llm: FakeLLM) -> LitProjectDir:
    project.prompt("a", ["a.py"], spec=["A = 1"])
    assert project.lit("regenerate") == 0
    git(project.root, "init", "-q")
    git(project.root, "add", "-A")
    git(project.root, "commit", "-qm", "built")
    return project


def test_an_unchanged_index_found_clean_is_not_read_again(committed: LitProjectDir) -> None:
    assert reads_git(committed.root), "the first check reads the index"
    assert not reads_git(committed.root), "the same index: the memo answers"
    git(committed.root, "commit", "-q", "--allow-empty", "-m", "another commit")  # the index is written again
    committed.write("notes.txt", "x\n")
    git(committed.root, "add", "notes.txt")
    assert reads_git(committed.root), "a new index is read"


def test_local_state_added_to_the_index_after_a_clean_check_is_refused(committed: LitProjectDir) -> None:
    """By every command, a no-op whose stamp holds and a check from the index cache too: both trust `.lit/cache`."""
    assert committed.run("lit", "regenerate").returncode == 0  # clean: remembered
    git(committed.root, "add", "--force", ".lit/cache")
    committed.write("dodo.py", "from lit_tasks import DOIT_CONFIG, task_regenerate  # noqa: F401\n")
    for argv in (["lit", "regenerate"], ["lit", "check"], ["doit", "regenerate"]):
        done = committed.run(*argv)
        said = done.stdout + done.stderr
        assert done.returncode != 0 and "is committed to the repository" in said, (argv, said)
    assert "(`git rm -r --cached .lit/cache`)" in done.stderr, "one command for the whole cache, not a file at a time"


def test_a_memo_the_repository_carries_is_no_proof(committed: LitProjectDir, tmp_path: Path) -> None:
    """Even naming the clone's own `.git`: a clone's index has an inode and change time no repository predicts."""
    clone = tmp_path / "clone"
    memo = {"git": os.fspath(clone / ".git"), "index": [0, 0, 0, 0, 0]}
    (committed.root / ".lit/cache/trusted.json").write_text(json.dumps(memo))
    git(committed.root, "add", "--force", ".lit/cache")
    git(committed.root, "commit", "-qm", "carries its cache and a memo")
    git(tmp_path, "clone", "-q", str(committed.root), str(clone))
    done = LitProjectDir(clone).run("lit", "regenerate")
    assert done.returncode == 2 and "is committed to the repository" in done.stderr, done.stderr


def test_outside_any_repository_or_before_anything_is_added_git_is_never_read(
    project: LitProjectDir, fake_llm: FakeLLM
) -> None:
    project.prompt("a", ["a.py"], spec=["A = 1"])
    assert project.lit("regenerate") == 0
    if any((d / ".git").exists() for d in (project.root, *project.root.parents)):
        pytest.skip("the test's folder is inside a git repository")
    assert not reads_git(project.root)
    git(project.root, "init", "-q")
    assert not reads_git(project.root), "a repository without an index tracks nothing"
    git(project.root, "add", "--force", ".lit/cache")
    done = project.run("lit", "check")
    assert done.returncode == 2 and "is committed to the repository" in done.stderr, "once added, it is read"
