"""`lit resolve` on real git repositories (a bare origin and two clones): branches that regenerated the same
prompts merge, and each prompt takes the side whose inputs match, at no cost."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import LitProjectDir, lit_toml, prompt_text
from tests.fake_llm import Call, FakeLLM, default_answer

ENV = {"GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@x"}


def git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=cwd, env={**os.environ, **ENV}, capture_output=True, text=True, check=check
    )


def a_prompt(first: str, second: str) -> str:
    """Prompt a, its two settings far enough apart that git merges an edit of each."""
    return prompt_text(["a.py"], spec=[first, "# one", "# two", "# three", second])


def variant(name: str):  # noqa: ANN201 - an answer function
    """The stand-in's answers, marked as this clone's: two clones get different code for the same prompt."""

    def answer(call: Call) -> str:
        return default_answer(call) + f"# answered for {name}\n"

    return answer


@pytest.fixture
def two_clones(
    tmp_path: Path, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> tuple[LitProjectDir, LitProjectDir]:
    """A project of three prompts (b imports a; c alone), committed to a bare origin, cloned twice."""
    monkeypatch.setenv("TEST_LLM_KEY", "sk-test-not-a-real-key")
    seed = LitProjectDir(tmp_path / "seed")
    seed.write("lit.toml", lit_toml("anthropic", fake_llm.url))
    seed.write("prompts/a.prompt.md", a_prompt("A = 1", "A2 = 1"))
    seed.prompt("b", ["b.py"], imports=["a"], spec=["B = 1"])
    seed.prompt("c", ["c.py"], spec=["C = 1"])
    git(seed.root, "init", "-q", "-b", "main")
    git(seed.root, "add", "-A")
    git(seed.root, "commit", "-qm", "prompts")
    git(tmp_path, "clone", "-q", "--bare", str(seed.root), "origin.git")
    clones = []
    for name in ("alice", "bob"):
        git(tmp_path, "clone", "-q", str(tmp_path / "origin.git"), name)
        clones.append(LitProjectDir(tmp_path / name))
    return clones[0], clones[1]


def build_and_commit(clone: LitProjectDir, fake_llm: FakeLLM, name: str, message: str) -> None:
    fake_llm.answer_with(variant(name))
    assert clone.lit("commit", "-m", message) == 0


def merge_conflicting(alice: LitProjectDir, bob: LitProjectDir) -> None:
    git(alice.root, "push", "-q", "origin", "main")
    git(bob.root, "fetch", "-q", "origin")
    merged = git(bob.root, "merge", "origin/main", "--no-edit", check=False)
    assert merged.returncode != 0, "the generated files conflict"


def both_edit_a(
    clones: tuple[LitProjectDir, LitProjectDir], fake_llm: FakeLLM, alices: tuple[str, str], bobs: tuple[str, str]
) -> None:
    """Each clone edits prompt a its way and builds; Bob merges Alice's work, and the generated files conflict."""
    for clone, name, lines in zip(clones, ("alice", "bob"), (alices, bobs), strict=True):
        clone.write("prompts/a.prompt.md", a_prompt(*lines))
        build_and_commit(clone, fake_llm, name, f"{name} changes a")
    merge_conflicting(*clones)


def markers(root: Path) -> list[str]:
    return [
        str(p.relative_to(root))
        for base in ("code.lock", ".lit", "prompts")
        for p in (root / base).rglob("*")
        if p.is_file() and b"<<<<<<< " in p.read_bytes()
    ]


def test_branches_that_built_the_same_prompts_differently_merge_at_no_cost(
    two_clones: tuple[LitProjectDir, LitProjectDir], fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    alice, bob = two_clones
    build_and_commit(alice, fake_llm, "alice", "alice builds")
    build_and_commit(bob, fake_llm, "bob", "bob builds")
    merge_conflicting(alice, bob)
    assert markers(bob.root), "git left conflict markers in the generated code and the lock"
    capsys.readouterr()
    assert bob.lit("check") == 1
    assert "note: a merge, rebase or cherry-pick is in progress: `lit resolve` settles" in capsys.readouterr().out
    calls = fake_llm.count()
    assert bob.lit("resolve") == 0
    out = capsys.readouterr().out
    assert "took ours   prompts/a.prompt.md" in out and "nothing to regenerate" in out
    assert fake_llm.count() == calls and markers(bob.root) == []
    assert bob.lit("check") == 0
    git(bob.root, "commit", "-qm", "merge")
    assert "answered for bob" in bob.code("b.py"), "one side's generation, consistent with its imports"


def test_a_prompt_whose_merged_inputs_match_neither_side_is_the_only_one_paid_for(
    two_clones: tuple[LitProjectDir, LitProjectDir], fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    alice, bob = two_clones
    both_edit_a(two_clones, fake_llm, ("A = 2", "A2 = 1"), ("A = 1", "A2 = 2"))  # the prompt merges cleanly
    assert bob.lit("resolve") == 0
    out = capsys.readouterr().out
    assert "stale       prompts/a.prompt.md: its inputs in the merged tree match neither side" in out
    assert "still to regenerate: 2 prompts" in out, "a, and b, which imports it"
    assert markers(bob.root) == []
    calls = fake_llm.count()
    assert bob.lit("regenerate") == 0
    paid = [c.declared for c in fake_llm.calls[calls:]]
    assert paid == [["a.py"], ["b.py"]], "a, and b whose import's code changed; c is untouched"
    assert bob.lit("check") == 0


def test_a_conflict_in_a_prompt_is_refused_with_nothing_changed(
    two_clones: tuple[LitProjectDir, LitProjectDir], fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    _, bob = two_clones
    both_edit_a(two_clones, fake_llm, ("A = 2", "A2 = 1"), ("A = 3", "A2 = 1"))  # the same line: it conflicts
    before = {p: p.read_bytes() for p in bob.root.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert bob.lit("resolve") == 1
    assert "prompts/a.prompt.md" in capsys.readouterr().err
    after = {p: p.read_bytes() for p in bob.root.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert {p: d for p, d in after.items() if ".lit/cache" not in str(p)} == {
        p: d for p, d in before.items() if ".lit/cache" not in str(p)
    }


def three_regenerations(bob: LitProjectDir, fake_llm: FakeLLM) -> None:
    """Bob's branch: a build, then two prompts changed and regenerated, a commit each (three to replay)."""
    build_and_commit(bob, fake_llm, "bob", "bob builds")
    bob.prompt("c", ["c.py"], spec=["C = 2"])
    build_and_commit(bob, fake_llm, "bob", "bob changes c")
    bob.prompt("b", ["b.py"], imports=["a"], spec=["B = 2"])
    build_and_commit(bob, fake_llm, "bob", "bob changes b")


def test_a_rebase_of_three_regenerations_needs_no_call(
    two_clones: tuple[LitProjectDir, LitProjectDir], fake_llm: FakeLLM
) -> None:
    alice, bob = two_clones
    build_and_commit(alice, fake_llm, "alice", "alice builds")
    git(alice.root, "push", "-q", "origin", "main")
    three_regenerations(bob, fake_llm)
    calls = fake_llm.count()
    git(bob.root, "fetch", "-q", "origin")
    step = git(bob.root, "rebase", "origin/main", check=False)
    for _ in range(3):
        if step.returncode == 0:
            break
        assert bob.lit("resolve") == 0
        assert markers(bob.root) == []
        step = git(bob.root, "-c", "core.editor=true", "rebase", "--continue", check=False)
    assert step.returncode == 0, step.stderr
    assert fake_llm.count() == calls, "every replayed regeneration matched its inputs: no call"
    assert bob.lit("check") == 0 and "B = 2" in bob.code("b.py") and "C = 2" in bob.code("c.py")


def test_with_the_merge_driver_generated_files_never_get_markers_and_resolve_settles_after_the_commit(
    two_clones: tuple[LitProjectDir, LitProjectDir], fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both clones register the driver (`lit git-setup`; drivers cannot be committed). Alice changes prompt c
    and builds; Bob builds the same prompts differently. The merge completes on its own, no marker anywhere;
    our code is kept for c although its prompt is Alice's, until `lit resolve` takes Alice's generation."""
    alice, bob = two_clones
    assert alice.lit("git-setup") == 0
    git(alice.root, "add", ".gitattributes")
    git(alice.root, "commit", "-qm", "lit's merge driver")
    git(alice.root, "push", "-q", "origin", "main")
    git(bob.root, "pull", "-q", "--no-rebase", "origin", "main")
    assert bob.lit("git-setup") == 0  # the attributes came with the pull; the driver is each clone's own
    alice.prompt("c", ["c.py"], spec=["C = 2"])
    build_and_commit(alice, fake_llm, "alice", "alice changes c")
    git(alice.root, "push", "-q", "origin", "main")
    build_and_commit(bob, fake_llm, "bob", "bob builds")
    merged = git(bob.root, "pull", "-q", "--no-rebase", "--no-edit", "origin", "main", check=False)
    assert merged.returncode == 0, merged.stderr
    assert markers(bob.root) == [], "the driver kept one side: no conflict marker in code.lock/ or .lit/"
    assert (bob.root / ".git/lit-merge-note.json").exists(), git(bob.root, "config", "--list").stdout
    capsys.readouterr()
    assert bob.lit("check") == 1, "c's prompt is Alice's, its code still Bob's"
    assert "a merge kept our side of generated files: `lit resolve` settles" in capsys.readouterr().out
    calls = fake_llm.count()
    capsys.readouterr()
    assert bob.lit("resolve") == 0
    assert "took theirs prompts/c.prompt.md" in capsys.readouterr().out
    assert fake_llm.count() == calls and bob.lit("check") == 0
    assert "answered for alice" in bob.code("c.py")
    git(alice.root, "config", "--unset", "merge.lit.driver")
    capsys.readouterr()
    alice.lit("check")
    assert "this clone has not registered it: run `lit git-setup`" in capsys.readouterr().out


def test_with_the_merge_driver_a_rebase_of_three_regenerations_runs_through_with_no_call(
    two_clones: tuple[LitProjectDir, LitProjectDir], fake_llm: FakeLLM
) -> None:
    alice, bob = two_clones
    assert alice.lit("git-setup") == 0
    git(alice.root, "add", ".gitattributes")
    git(alice.root, "commit", "-qm", "lit's merge driver")
    build_and_commit(alice, fake_llm, "alice", "alice builds")
    git(alice.root, "push", "-q", "origin", "main")
    assert bob.lit("git-setup") == 0
    git(bob.root, "rm", "-q", "--cached", ".gitattributes", check=False)
    (bob.root / ".gitattributes").unlink()  # it comes with the rebase; this clone registered the driver
    three_regenerations(bob, fake_llm)
    calls = fake_llm.count()
    git(bob.root, "fetch", "-q", "origin")
    rebased = git(bob.root, "rebase", "origin/main", check=False)
    assert rebased.returncode == 0, rebased.stdout + rebased.stderr  # the driver: no stop, no marker
    assert markers(bob.root) == [] and fake_llm.count() == calls
    assert bob.lit("check") == 0, "each replayed regeneration kept: consistent, nothing to pay for"
    assert "B = 2" in bob.code("b.py") and "C = 2" in bob.code("c.py")
