"""`lit mv`: a prompt moves, what names it follows, its state comes along, and nothing regenerates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import LitProjectDir, lit_toml
from tests.engine.test_mappings import plan_calls, write_inferred
from tests.fake_llm import FakeLLM

OLD, NEW = "prompts/base.prompt.md", "prompts/core/base.prompt.md"

# An importer written by hand: comments, a quoted path, a body reference, a trailing comment on another line.
UTIL = """\
---
# util builds on the base model
outputs: [pkg/util.py]   # one module
imports:
  # the model everything shares
  - 'prompts/base.prompt.md'
language: "python"
---
# Util

Uses @import(prompts/base.prompt.md) for its constants.

> from pkg.base import BASE
> UTIL = BASE + 1
"""


def three_prompts(project: LitProjectDir) -> None:
    project.prompt("base", ["pkg/base.py"], spec=["BASE = 1"])
    project.write("prompts/util.prompt.md", UTIL)
    project.write(  # imports written relative to prompts/, in flow style
        "prompts/app.prompt.md",
        "---\noutputs: [pkg/app.py]\nimports: [base.prompt.md, util.prompt.md]\n---\n# App\n\n> APP = 3\n",
    )


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file a move may touch (the caches and doit's DB are lit's to rebuild)."""
    skip = (".lit/cache/", ".lit/doit.sqlite", ".lit/locks/", ".lit/runs/", ".lit/events.jsonl")
    files = (p for p in root.rglob("*") if p.is_file())
    return {rel: p.read_bytes() for p in files if not (rel := p.relative_to(root).as_posix()).startswith(skip)}


def test_a_moved_prompt_and_its_importers_regenerate_nothing(
    project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture
) -> None:
    three_prompts(project)
    assert project.lit("regenerate") == 0 and fake_llm.count() == 3
    app = (project.root / "prompts/app.prompt.md").read_text().replace("[base.prompt.md", "[core/base.prompt.md")
    fake_llm.calls.clear()
    capsys.readouterr()

    assert project.lit("mv", OLD, NEW) == 0
    out = capsys.readouterr().out
    assert f"moved {OLD} -> {NEW} with its lock entry" in out and "the move makes no prompt stale" in out
    assert not (project.root / OLD).exists() and (project.root / NEW).read_text().startswith("---\noutputs:")
    assert (project.root / "prompts/util.prompt.md").read_text() == UTIL.replace(OLD, NEW)
    assert (project.root / "prompts/app.prompt.md").read_text() == app

    lock = json.loads((project.root / f".lit/lock/{NEW}.json").read_text())
    assert lock["prompt"] == NEW and not (project.root / f".lit/lock/{OLD}.json").exists()
    assert project.lit("regenerate") == 0
    assert fake_llm.count() == 0
    assert project.lit("check") == 0


def test_a_pinned_plan_moves_with_its_prompt_into_a_directory(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    write_inferred(project, fake_llm)  # greet and app have no `outputs:`: both are planned, app imports greet
    assert project.lit("regenerate") == 0 and plan_calls(fake_llm) == 2
    (project.root / "prompts/lib").mkdir()
    fake_llm.calls.clear()

    assert project.lit("mv", "prompts/greet.prompt.md", "prompts/lib") == 0
    plan = json.loads((project.root / ".lit/manifests/prompts/lib/greet.prompt.md.json").read_text())
    assert plan["prompt"] == "prompts/lib/greet.prompt.md" and plan["outputs"] == ["greet.py", "greet_test.py"]
    assert not (project.root / ".lit/manifests/prompts/greet.prompt.md.json").exists()
    assert project.lit("regenerate") == 0
    assert fake_llm.count() == 0, "neither the moved prompt nor its importer (new bytes) is planned again"
    assert project.lit("check") == 0


def test_paths_are_relative_to_the_current_directory(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    three_prompts(project)
    assert project.lit("regenerate") == 0
    (project.root / "prompts/core").mkdir()
    moved = project.run("lit", "mv", "base.prompt.md", "core/", cwd=project.root / "prompts")
    assert moved.returncode == 0, moved.stderr
    assert (project.root / NEW).is_file() and f"moved {OLD} -> {NEW}" in moved.stdout


@pytest.mark.parametrize(
    "old, new, message",
    [
        (OLD, "prompts/util.prompt.md", "prompts/util.prompt.md already exists (a prompt)"),
        (OLD, "lit.toml", "lit.toml already exists (a file)"),
        (OLD, "../elsewhere.prompt.md", "is outside the project"),
        (OLD, "docs/base.prompt.md", "docs/base.prompt.md is not under prompts/"),
        (OLD, "prompts/base.md", "prompts/base.md does not end in .prompt.md"),
        (OLD, OLD, "is already at prompts/base.prompt.md"),
        (OLD, "prompts/base\nv2.prompt.md", "'prompts/base\\nv2.prompt.md' has a control character ('\\n')"),
        (OLD, "prompts/x=y.prompt.md", "'prompts/x=y.prompt.md' has `=`, which a Make rule cannot name"),
        ("lit.toml", NEW, "lit.toml is not a prompt of this project (prompt files end in .prompt.md)"),
        ("prompts/gone.prompt.md", NEW, "prompts/gone.prompt.md is not a prompt of this project"),
    ],
)
def test_a_move_that_cannot_be_is_refused_with_one_line(
    project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture, old: str, new: str, message: str
) -> None:
    three_prompts(project)
    assert project.lit("regenerate") == 0
    before = snapshot(project.root)
    capsys.readouterr()
    assert project.lit("mv", old, new) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert snapshot(project.root) == before


def test_a_move_the_project_would_not_load_after_is_refused_and_undone(
    project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture
) -> None:
    project.write("lit.toml", lit_toml("anthropic", fake_llm.url, mapping="direct"))
    project.write("prompts/a.prompt.md", "---\n---\n# A\n\n> A = 1\n")  # direct: a.py
    project.write("prompts/b.prompt.md", "---\noutputs: [c.py]\nimports: [prompts/a.prompt.md]\n---\n# B\n")
    assert project.lit("regenerate") == 0
    before = snapshot(project.root)
    capsys.readouterr()
    assert project.lit("mv", "prompts/a.prompt.md", "prompts/c.prompt.md") == 2  # would be named c.py too
    err = capsys.readouterr().err
    assert "prompts/a.prompt.md -> prompts/c.prompt.md is refused" in err and "nothing was changed" in err, err
    assert "c.py" in err
    assert snapshot(project.root) == before
    assert project.lit("check") == 0


# -- modular mapping: a module's imports follow; a new module directory means new context --------------------


def modular(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.write("lit.toml", lit_toml("anthropic", fake_llm.url, mapping="modular"))
    project.write("prompts/api/module.lit.md", "---\nimports: [prompts/core.prompt.md]  # shared\n---\nAsync.\n")
    project.write("prompts/api/users.prompt.md", "---\noutputs: [api/users.py]\n---\n# Users\n\n> users = []\n")
    project.write("prompts/core.prompt.md", "---\noutputs: [core.py]\n---\n# Core\n\n> CORE = 1\n")
    assert project.lit("regenerate") == 0 and fake_llm.count() == 2
    fake_llm.calls.clear()


def test_a_modules_imports_follow_the_move_and_its_prompts_stay_up_to_date(
    project: LitProjectDir, fake_llm: FakeLLM
) -> None:
    modular(project, fake_llm)
    assert project.lit("mv", "prompts/core.prompt.md", "prompts/lib/core.prompt.md") == 0
    module = (project.root / "prompts/api/module.lit.md").read_text()
    assert module == "---\nimports: [prompts/lib/core.prompt.md] # shared\n---\nAsync.\n"  # same column
    assert project.lit("regenerate") == 0
    assert fake_llm.count() == 0, "the module is a guideline file of users: its new hash was carried"
    assert project.lit("check") == 0


def test_moving_into_a_module_directory_is_done_and_says_what_regenerates(
    project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture
) -> None:
    modular(project, fake_llm)
    project.write("prompts/lib/module.lit.md", "Pure functions only.\n")
    assert project.lit("regenerate") == 0
    fake_llm.calls.clear()
    capsys.readouterr()
    assert project.lit("mv", "prompts/core.prompt.md", "prompts/lib/core.prompt.md") == 0
    out = capsys.readouterr().out
    assert "stale   prompts/lib/core.prompt.md: guideline files ([context] files, `context:`) changed" in out
    assert project.lit("check") == 1
    assert project.lit("regenerate") == 0
    assert [c.declared for c in fake_llm.calls] == [["core.py"]]


def test_a_killed_moves_half_written_files_are_swept_and_never_committed(
    project: LitProjectDir, fake_llm: FakeLLM
) -> None:
    """`lit mv` registers as a run, so when it is killed mid-move, the next run removes its temp files: in
    prompts/ and .lit/lock/ too, and `lit commit` never stages one meanwhile."""
    import subprocess

    three_prompts(project)
    assert project.lit("regenerate") == 0
    assert project.lit("mv", OLD, NEW) == 0
    events = (project.root / ".lit/events.jsonl").read_text().splitlines()
    assert sum('"run-start"' in line for line in events) == 2, "the move registered as a run"

    dead = subprocess.Popen(["true"])
    dead.wait()
    (project.root / f".lit/runs/{dead.pid}.lock").write_text("")  # as a killed move leaves its registration
    left = [project.root / f"prompts/.{dead.pid}-0.lit-tmp", project.root / f".lit/lock/prompts/.{dead.pid}-1.lit-tmp"]
    for path in left:
        path.write_text("half")
    subprocess.run(["git", "init", "-q"], cwd=project.root, check=True)
    assert project.run("lit", "commit", "--no-generate", "-m", "moved").returncode == 0
    listed = subprocess.run(["git", "ls-files"], cwd=project.root, capture_output=True, text=True).stdout
    assert "lit-tmp" not in listed and "prompts/core/base.prompt.md" in listed
    assert project.lit("mv", NEW, OLD) == 0  # the next run sweeps them
    assert not any(path.exists() for path in left)
