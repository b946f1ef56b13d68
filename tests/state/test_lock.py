"""The committed lock: zero-call fresh clones, crash recovery, hand edits, orphans and `lit check`."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BIN, LitProjectDir, lit_toml
from tests.fake_llm import FakeLLM


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@x",
    }
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def diamond(project: LitProjectDir) -> None:
    project.prompt("base", ["base.py"], spec=["B = 1"])
    project.prompt("left", ["left.py"], imports=["base"], spec=["L = 1"])
    project.prompt("right", ["right.py"], imports=["base"], spec=["R = 1"])
    project.prompt("top", ["top.py"], imports=["left", "right"], spec=["T = 1"])


def committed_clone(project: LitProjectDir, tmp_path: Path) -> LitProjectDir:
    git(project.root, "init", "-q")
    git(project.root, "add", "-A")
    git(project.root, "commit", "-qm", "generated")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(project.root), str(clone))
    return LitProjectDir(clone)


def test_local_state_is_never_committed(project: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path) -> None:
    diamond(project)
    assert project.lit("regenerate") == 0
    clone = committed_clone(project, tmp_path)
    tracked = git(clone.root, "ls-files").split()
    assert ".lit/.gitignore" in tracked and any(p.startswith(".lit/lock/") for p in tracked)
    assert any(p.startswith(".lit/generations/") for p in tracked)
    assert not any(p.startswith(".lit/cache") or p.startswith(".lit/doit.sqlite") for p in tracked)


def test_fresh_clone_makes_no_call_and_checks_clean(project: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path) -> None:
    diamond(project)
    assert project.lit("regenerate") == 0
    clone = committed_clone(project, tmp_path)
    fake_llm.calls.clear()
    assert clone.lit("check") == 0
    assert clone.lit("regenerate") == 0
    assert fake_llm.count() == 0

    clone.prompt("left", ["left.py"], imports=["base"], spec=["L = 2"])
    assert clone.lit("regenerate") == 0
    assert sorted(c.declared[0] for c in fake_llm.calls) == ["left.py", "top.py"]


def test_fresh_clone_with_doit_and_an_embedding_dodo(project: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path) -> None:
    diamond(project)
    project.write("dodo.py", "from lit_tasks import DOIT_CONFIG, task_regenerate  # noqa: F401\n")
    assert project.lit("regenerate") == 0
    clone = committed_clone(project, tmp_path)
    fake_llm.calls.clear()
    result = clone.run("doit", "regenerate")
    assert result.returncode == 0, result.stderr
    assert fake_llm.count() == 0
    outer = LitProjectDir(tmp_path / "outer")
    git(tmp_path, "clone", "-q", str(project.root), str(outer.root / "sub"))
    outer.write(
        "dodo.py",
        textwrap.dedent("""\
        from lit_tasks import LitProject
        DOIT_CONFIG = {"backend": "json", "dep_file": "outer-db.json", "check_file_uptodate": "md5"}
        sub = LitProject("sub", basename="sub")
        """),
    )
    result = outer.run("doit", "sub")
    assert result.returncode == 0, result.stderr
    assert fake_llm.count() == 0


def test_sigkill_mid_build_pays_only_for_unfinished_prompts(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    fake_llm.latency = 0.4
    for i in range(6):
        project.prompt(f"p{i}", [f"p{i}.py"], spec=[f"X = {i}"])
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [str(BIN / "lit"), "regenerate", "-j", "1"],
        cwd=project.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while len(list((project.root / ".lit/lock").rglob("*.json")) if (project.root / ".lit/lock").exists() else []) < 3:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = {p.name.removesuffix(".prompt.md.json") for p in (project.root / ".lit/lock").rglob("*.json")}
    assert 3 <= len(finished) < 6
    before = fake_llm.count()
    fake_llm.latency = 0.0
    assert project.lit("regenerate") == 0
    again = {c.declared[0].removesuffix(".py") for c in fake_llm.calls[before:]}
    assert again == {f"p{i}" for i in range(6)} - finished


def test_hand_edit_is_not_overwritten(project: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    project.prompt("base", ["base.py", "extra.py"], spec=["B = 1"])
    assert project.lit("regenerate") == 0
    edited = project.root / "code.lock/extra.py"
    edited.write_text("# mine\n")
    project.prompt("base", ["base.py", "extra.py"], spec=["B = 2"])
    assert project.lit("regenerate") == 1
    err = capsys.readouterr().err
    assert "code.lock/extra.py changed since lit generated it" in err and "--force prompts/base.prompt.md" in err
    assert edited.read_text() == "# mine\n" and project.code("base.py") == "# base.py\nB = 1\n"
    assert project.lit("regenerate", "--force", "prompts/base.prompt.md") == 0
    assert project.code("extra.py") == "# extra.py\nB = 2\n"


def test_an_emptied_output_is_regenerated_not_kept_as_a_hand_edit(
    project: LitProjectDir, fake_llm: FakeLLM, capsys
) -> None:
    """What a power cut can leave of a file written just before: nothing to keep, so nothing blocks the run."""
    project.prompt("base", ["base.py", "extra.py"], spec=["B = 1"])
    assert project.lit("regenerate") == 0
    (project.root / "code.lock/extra.py").write_bytes(b"")
    capsys.readouterr()
    assert project.lit("check") == 1
    out = capsys.readouterr()
    assert "code.lock/extra.py is empty" in out.out + out.err and "edited" not in out.out + out.err
    project.prompt("base", ["base.py", "extra.py"], spec=["B = 2"])
    assert project.lit("regenerate") == 0
    assert project.code("extra.py") == "# extra.py\nB = 2\n"


def test_orphans_are_removed_with_their_lock_entries(project: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    project.prompt("base", ["base.py"], spec=["B = 1"])
    project.prompt("gone", ["gone/old.py"], spec=["G = 1"])
    project.prompt("kept", ["kept.py"], spec=["K = 1"])
    assert project.lit("regenerate") == 0
    (project.root / "prompts/gone.prompt.md").unlink()
    project.prompt("base", ["renamed.py"], spec=["B = 1"])
    assert project.lit("check") == 1
    capsys.readouterr()
    assert project.lit("regenerate") == 0
    err = capsys.readouterr().err
    assert "removed code.lock/gone/old.py" in err and "base.py" in err
    assert not (project.root / "code.lock/gone").exists()
    assert not (project.root / "code.lock/base.py").exists()
    assert project.code("renamed.py") == "# renamed.py\nB = 1\n"
    assert not (project.root / ".lit/lock/prompts/gone.prompt.md.json").exists()
    assert project.lit("check") == 0


def test_an_edited_orphan_is_kept(project: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    project.prompt("gone", ["old.py"], spec=["G = 1"])
    project.prompt("kept", ["kept.py"], spec=["K = 1"])
    assert project.lit("regenerate") == 0
    (project.root / "code.lock/old.py").write_text("# my changes\n")
    (project.root / "prompts/gone.prompt.md").unlink()
    assert project.lit("regenerate") == 0
    assert "kept code.lock/old.py" in capsys.readouterr().err
    assert (project.root / "code.lock/old.py").read_text() == "# my changes\n"


def test_check_reports_each_kind_of_problem_as_json(project: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    diamond(project)
    project.prompt("orphaned", ["o.py"], spec=["O = 1"])
    assert project.lit("regenerate") == 0
    assert project.lit("check", "--json") == 0
    ok = json.loads(capsys.readouterr().out)
    assert ok["ok"] is True and ok["up_to_date"] == 5
    project.prompt("base", ["base.py"], spec=["B = 2"])
    (project.root / "code.lock/top.py").write_text("edited\n")
    (project.root / "prompts/orphaned.prompt.md").unlink()
    project.write("lit.toml", lit_toml("anthropic", fake_llm.url).replace('version = "3.11"', 'version = "3.12"'))
    assert project.lit("check", "--json") == 1
    report = json.loads(capsys.readouterr().out)
    stale = {s["prompt"]: s["reasons"] for s in report["stale"]}
    assert "prompt changed" in stale["prompts/base.prompt.md"]
    assert any("generation settings changed" in r for r in stale["prompts/left.prompt.md"])
    assert report["edited"] == [{"output": "code.lock/top.py", "prompt": "prompts/top.prompt.md"}]
    assert report["orphans"] == [{"output": "code.lock/o.py", "was": "prompts/orphaned.prompt.md", "edited": False}]


def test_check_names_an_import_whose_output_changed(project: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    diamond(project)
    assert project.lit("regenerate") == 0
    (project.root / "code.lock/base.py").write_text("# edited by hand\n")
    assert project.lit("check") == 1
    out = capsys.readouterr().out
    assert "stale   prompts/left.prompt.md: imported output code.lock/base.py changed" in out
    assert "edited  code.lock/base.py (prompts/base.prompt.md)" in out


def test_check_needs_no_key_and_no_network(project: LitProjectDir, fake_llm: FakeLLM, monkeypatch) -> None:
    diamond(project)
    assert project.lit("regenerate") == 0
    fake_llm.stop()
    monkeypatch.delenv("TEST_LLM_KEY")
    assert project.lit("check") == 0


@pytest.mark.parametrize("runner", ["lit", "doit"])
def test_lock_entries_are_stable_and_sorted(project: LitProjectDir, fake_llm: FakeLLM, runner: str) -> None:
    diamond(project)
    if runner == "doit":
        project.write("dodo.py", "from lit_tasks import DOIT_CONFIG, task_regenerate  # noqa: F401\n")
        assert project.run("doit", "regenerate").returncode == 0
    else:
        assert project.lit("regenerate") == 0
    text = (project.root / ".lit/lock/prompts/top.prompt.md.json").read_text()
    entry = json.loads(text)
    assert text == json.dumps(entry, indent=2, sort_keys=True) + "\n"
    assert list(entry["inputs"]["imports"]) == ["left.py", "right.py"]
    assert list(entry) == sorted(entry)
    assert entry["outputs"] == {"top.py": entry["outputs"]["top.py"]}


_lock_opens: list[str] | None = None  # while counting: the lock entries opened, by prompt file name


def _note_lock_open(event: str, args: tuple) -> None:
    if event == "open" and _lock_opens is not None and isinstance(args[0], str | os.PathLike):
        path = os.fspath(args[0])
        if f"{os.sep}.lit{os.sep}lock{os.sep}" in path and path.endswith(".json"):
            _lock_opens.append(os.path.basename(path))


@contextlib.contextmanager
def lock_opens() -> Iterator[list[str]]:
    """The lock entries this process opens in the body (an audit hook, added once: hooks cannot be removed)."""
    global _lock_opens
    if not getattr(sys, "_lit_counts_lock_opens", False):
        sys.addaudithook(_note_lock_open)
        sys._lit_counts_lock_opens = True
    _lock_opens = []
    try:
        yield _lock_opens
    finally:
        _lock_opens = None


def test_a_run_reads_each_lock_entry_once_and_rereads_only_under_the_prompts_lock(
    project: LitProjectDir, fake_llm: FakeLLM
) -> None:
    diamond(project)
    assert project.lit("regenerate") == 0
    shutil.rmtree(project.root / ".lit/cache")  # as a fresh clone has it: no proof, no doit records
    (project.root / ".lit/doit.sqlite").unlink()
    project.prompt("top", ["top.py"], imports=["left", "right"], spec=["T = 2"])
    with lock_opens() as opened:
        assert project.lit("regenerate", "--max-cost", "5") == 0  # a plan, then seeding, then one generation
    assert fake_llm.count() == 5
    assert Counter(opened) == {"base.prompt.md.json": 1, "left.prompt.md.json": 1, "right.prompt.md.json": 1,
                               "top.prompt.md.json": 2}  # fmt: skip
