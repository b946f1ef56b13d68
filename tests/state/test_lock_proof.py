"""A fresh clone proven current from its lock alone trusts what each entry derived from lit.toml and the modules
only while those files are what the entry was derived from: anything else is judged by a full load."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lit_tasks.model.discovery import scan_sources
from lit_tasks.state import hash_cache, lock_proof
from lit_tasks.state.lock_proof import proven_by_committed_lock
from lit_tasks.state.workspace import Workspace
from tests.conftest import LitProjectDir, lit_toml
from tests.fake_llm import FakeLLM

REPORTS_LOADS = (
    "import sys; from lit_tasks.commands.cli import main; rc = main(sys.argv[1:]); "
    "print(sorted(m for m in ('pydantic', 'doit.loader') if m in sys.modules)); raise SystemExit(rc)"
)


def clone_of(project: LitProjectDir, where: Path) -> LitProjectDir:
    """The committed files of `project`, without its local state (what `git clone` gives)."""
    shutil.copytree(project.root, where, ignore=shutil.ignore_patterns("cache", "doit.sqlite*", "runs", "locks"))
    return LitProjectDir(where)


def proven(clone: LitProjectDir) -> bool:
    workspace = Workspace(clone.root)
    return proven_by_committed_lock(workspace, scan_sources(clone.root))


def entry_file(project: LitProjectDir, name: str) -> Path:
    return project.root / f".lit/lock/prompts/{name}.prompt.md.json"


def edit_entry(project: LitProjectDir, name: str, change) -> None:  # noqa: ANN001
    path = entry_file(project, name)
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.fixture
def built(project: LitProjectDir, fake_llm: FakeLLM) -> LitProjectDir:
    project.prompt("base", ["base.py"], spec=["B = 1"])
    project.prompt("app", ["app.py"], imports=["base"], spec=["A = 1"])
    assert project.lit("regenerate") == 0
    return project


def lit_reporting_loads(clone: LitProjectDir, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    command = [sys.executable, "-c", REPORTS_LOADS, *args]
    return subprocess.run(command, cwd=clone.root, env=env, capture_output=True, text=True)


def test_a_clone_proven_by_its_lock_loads_neither_pydantic_nor_doit(built: LitProjectDir, tmp_path: Path) -> None:
    clone = clone_of(built, tmp_path / "clone")
    run = lit_reporting_loads(clone, "regenerate")
    assert run.returncode == 0 and "2 prompts up to date, nothing to do" in run.stderr, run.stderr
    assert run.stdout.strip() == "[]"
    check = lit_reporting_loads(clone_of(built, tmp_path / "checked"), "check")
    assert check.returncode == 0 and check.stdout.splitlines()[-2:] == [
        "ok: code.lock/ matches the prompts and the lock",
        "[]",
    ], check.stdout


def test_lit_check_of_a_clone_says_what_a_full_load_says(built: LitProjectDir, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    clone = clone_of(built, tmp_path / "clone")
    capsys.readouterr()
    assert clone.lit("check", "--json") == 0
    unloaded = capsys.readouterr().out
    assert not (clone.root / ".lit/cache/index.json").exists()
    assert built.lit("check", "--json") == 0
    assert capsys.readouterr().out == unloaded
    (clone.root / "prompts/base.prompt.md").write_text((clone.root / "prompts/base.prompt.md").read_text() + "More.\n")
    assert clone.lit("check") == 1
    assert "stale   prompts/base.prompt.md: prompt changed" in capsys.readouterr().out


def test_an_entry_written_by_an_older_lit_is_judged_by_a_full_load(
    built: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    clone = clone_of(built, tmp_path / "clone")
    edit_entry(clone, "app", lambda data: data.pop("source"))
    assert not proven(clone)
    assert clone.lit("regenerate") == 0 and fake_llm.count() == 2, "proven current by the full load, no call"
    assert (clone.root / ".lit/cache/index.json").is_file()


def test_an_edit_to_lit_toml_that_changes_no_setting_is_judged_by_a_full_load(
    built: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    clone = clone_of(built, tmp_path / "clone")
    (clone.root / "lit.toml").write_text((clone.root / "lit.toml").read_text() + "\n[budget]\nmax_usd_per_run = 5\n")
    assert not proven(clone)
    assert clone.lit("regenerate") == 0 and fake_llm.count() == 2


def test_an_entry_claiming_a_verification_the_project_did_not_see_pass_is_not_trusted(
    project: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    project.write("lit.toml", lit_toml("anthropic", fake_llm.url, extra='\n[verify]\ncommands = ["true"]\n'))
    project.prompt("base", ["base.py"], spec=["B = 1"])
    assert project.lit("regenerate") == 0
    assert proven(clone_of(project, tmp_path / "clone"))
    clone = clone_of(project, tmp_path / "edited")
    edit_entry(clone, "base", lambda data: data.pop("verified"))  # its source still names the verification
    assert not proven(clone)
    assert clone.lit("regenerate") == 0, "verification runs again"
    assert "verified" in json.loads(entry_file(clone, "base").read_text())


def test_an_edited_or_added_module_regenerates_what_it_covers(
    project: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    project.write("lit.toml", lit_toml("anthropic", fake_llm.url, mapping="modular"))
    project.write("prompts/api/module.lit.md", "Every module has a docstring.\n")
    project.prompt("api/routes", ["api/routes.py"], spec=["R = 1"])
    project.prompt("cli", ["cli.py"], spec=["C = 1"])
    assert project.lit("regenerate") == 0 and fake_llm.count() == 2
    assert proven(clone_of(project, tmp_path / "clone"))

    clone = clone_of(project, tmp_path / "edited")
    (clone.root / "prompts/api/module.lit.md").write_text("Every module has a docstring and type hints.\n")
    assert not proven(clone)
    fake_llm.calls.clear()
    assert clone.lit("regenerate") == 0
    assert [c.declared for c in fake_llm.calls] == [["api/routes.py"]]

    added = clone_of(project, tmp_path / "added")
    (added.root / "prompts/module.lit.md").write_text("Prefer the standard library.\n")
    assert not proven(added)
    fake_llm.calls.clear()
    assert added.lit("regenerate") == 0
    assert sorted(c.declared[0] for c in fake_llm.calls) == ["api/routes.py", "cli.py"]


def test_an_output_directory_linked_out_of_the_project_is_never_read(
    project: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    project.prompt("base", ["pkg/base.py"], spec=["B = 1"])
    assert project.lit("regenerate") == 0
    clone = clone_of(project, tmp_path / "clone")
    outside = tmp_path / "outside"
    shutil.move(clone.root / "code.lock/pkg", outside)  # the same bytes, reached through a link
    (clone.root / "code.lock/pkg").symlink_to(outside)
    assert not proven(clone)


def test_a_saved_patch_keeps_the_clone_checked_unloaded(built: LitProjectDir, tmp_path: Path) -> None:
    (built.root / "code.lock/app.py").write_text("A = 'kept by hand'\n")
    assert built.lit("patch", "save") == 0
    assert proven(clone_of(built, tmp_path / "clone"))
    edited = clone_of(built, tmp_path / "edited")
    (edited.root / "code.lock/app.py").write_text("A = 'edited again'\n")
    assert not proven(edited)


def test_a_checkout_judged_before_whose_index_no_longer_holds_is_loaded_without_trying_the_lock(
    built: LitProjectDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a prompt edit the unloaded proof could only fail: the prompt's new version is one the last status of
    this checkout did not see, while the others are."""
    monkeypatch.setattr(hash_cache, "RACY_NS", 0)  # files this young are otherwise left out of the hash cache
    clone = clone_of(built, tmp_path / "clone")
    assert clone.lit("regenerate") == 0  # proven unloaded: its status judged every file
    (clone.root / "prompts/app.prompt.md").write_text((clone.root / "prompts/app.prompt.md").read_text() + "More.\n")
    monkeypatch.setattr(lock_proof, "index_from_lock", None)  # calling it would raise
    assert clone.lit("regenerate") == 0
