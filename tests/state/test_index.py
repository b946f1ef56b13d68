"""The cached project index and doit's DB are accelerators only: every change is seen, no record is trusted blindly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lit_tasks.io.errors import GenerationError
from lit_tasks.state.index import LazyProject
from tests.conftest import TWO_LINE_DODO, LitProjectDir
from tests.fake_llm import FakeLLM


def chain(project: LitProjectDir) -> None:
    project.prompt("base", ["base.py"], spec=["B = 1"])
    project.prompt("app", ["app.py"], imports=["base"], spec=["A = 1"])


def test_a_no_op_run_reuses_the_index_and_an_edit_invalidates_it(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    chain(project)
    assert project.lit("regenerate") == 0
    index = project.workspace.index_file
    assert index.is_file()
    written = index.stat().st_mtime_ns
    assert project.lit("regenerate") == 0
    assert index.stat().st_mtime_ns == written  # reused, not rebuilt
    fake_llm.calls.clear()

    project.prompt("base", ["base.py"], spec=["B = 2"])
    assert project.lit("regenerate") == 0
    assert "B = 2" in project.code("base.py")
    assert [c.declared[0] for c in fake_llm.calls] == ["base.py", "app.py"]  # app imports the changed base.py


def test_added_and_removed_prompts_are_seen_with_an_index(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    chain(project)
    assert project.lit("regenerate") == 0
    project.prompt("extra", ["extra.py"], spec=["E = 1"])
    assert project.lit("regenerate") == 0
    assert "E = 1" in project.code("extra.py")

    (project.root / "prompts/extra.prompt.md").unlink()
    assert project.lit("regenerate") == 0
    assert not (project.root / "code.lock/extra.py").exists()  # the orphan is removed
    assert project.lit("check") == 0


def test_a_changed_lit_toml_is_seen_with_an_index(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    chain(project)
    assert project.lit("regenerate") == 0
    fake_llm.calls.clear()
    toml = project.root / "lit.toml"
    toml.write_text(toml.read_text().replace('version = "3.11"', 'version = "3.12"'))
    assert project.lit("regenerate") == 0
    assert fake_llm.count() == 2  # the language version is part of every prompt's settings


def test_a_corrupt_index_is_rebuilt(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    chain(project)
    assert project.lit("regenerate") == 0
    (project.workspace.index_file).write_text('{"format": 2, "prompts": [')
    fake_llm.calls.clear()
    assert project.lit("regenerate") == 0
    assert fake_llm.count() == 0
    assert LazyProject.load(project.root).index.order == ("prompts/base.prompt.md", "prompts/app.prompt.md")


def test_a_prompt_edited_after_tasks_were_created_fails_instead_of_generating_stale_tasks(
    project: LitProjectDir, fake_llm: FakeLLM
) -> None:
    chain(project)
    assert project.lit("regenerate") == 0
    lazy = LazyProject.load(project.root)  # from the index: nothing parsed yet
    project.prompt("base", ["base.py", "more.py"], spec=["B = 3"])
    with pytest.raises(GenerationError, match="changed after lit loaded them"):
        _ = lazy.project


def test_fresh_clone_is_proven_current_by_its_lock_without_running_a_task(
    project: LitProjectDir, fake_llm: FakeLLM, capfd
) -> None:  # noqa: ANN001
    chain(project)
    assert project.lit("regenerate") == 0
    (project.root / ".lit/doit.sqlite").unlink()
    fake_llm.calls.clear()
    capfd.readouterr()
    assert project.lit("regenerate") == 0
    err = capfd.readouterr().err
    assert "2 prompts up to date, nothing to do" in err
    assert "matches its lock entry" not in err and fake_llm.count() == 0


def test_a_stale_doit_record_is_adopted_from_the_lock_without_a_call(
    project: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    """A `git pull` brings new prompts, code and lock at once: doit's record is stale, the lock is not. (`lit
    regenerate` gives such a prompt no task at all: its status is current; `doit regenerate` runs every task.)"""
    chain(project)
    project.write("dodo.py", TWO_LINE_DODO)
    assert project.lit("regenerate") == 0
    teammate = LitProjectDir(tmp_path / "teammate")
    shutil.copytree(project.root, teammate.root)
    teammate.prompt("base", ["base.py"], spec=["B = 9"])
    assert teammate.lit("regenerate") == 0
    for rel in ("prompts", "code.lock", ".lit/lock"):
        shutil.rmtree(project.root / rel)
        shutil.copytree(teammate.root / rel, project.root / rel)
    project.prompt("extra", ["extra.py"], spec=["E = 1"])  # not current: the run asks doit
    fake_llm.calls.clear()
    result = project.run("doit", "regenerate")
    assert result.returncode == 0, result.stderr
    err = result.stderr
    assert [c.declared[0] for c in fake_llm.calls] == ["extra.py"]
    assert "up to date prompts/base.prompt.md: its files match its lock entry" in err
    assert "2 up to date" in err
    assert "B = 9" in project.code("base.py")
