"""A fresh clone (no doit DB, no `.lit/cache`) that its lock proves current runs no task and loads no doit; the
proof misses no change: an edited prompt, a hand-edited output, a changed setting, a new or deleted prompt, a
`[[static]]` file changed, or a lock entry that lies."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lit_tasks.state import status as status_module
from lit_tasks.state.index import LazyProject
from lit_tasks.state.up_to_date import is_up_to_date, proven_by_lock, record_up_to_date
from tests.conftest import TWO_LINE_DODO, LitProjectDir, lit_toml
from tests.fake_llm import FakeLLM

STATIC = '\n[[static]]\npath = "pkg/__init__.py"\ncontent = "# package\\n"\n'
PROMPTS = ("base", "left", "top")
EDITS = (
    "prompt",
    "hand_edit",
    "setting",
    "new_prompt",
    "deleted_prompt",
    "lying_input",
    "lying_digest",
    "lying_config",
    "static",
)


@pytest.fixture
def built(project: LitProjectDir, fake_llm: FakeLLM) -> LitProjectDir:
    project.write("lit.toml", lit_toml("anthropic", fake_llm.url) + STATIC)
    project.prompt("base", ["base.py"], spec=["B = 1"])
    project.prompt("left", ["left.py"], imports=["base"], spec=["L = 1"])
    project.prompt("top", ["top.py"], imports=["left"], spec=["T = 1"])
    assert project.lit("regenerate") == 0
    return project


def fresh_clone(built: LitProjectDir, where: Path) -> LitProjectDir:
    """What `git clone` gives: the committed files, no local state."""
    shutil.rmtree(where, ignore_errors=True)
    shutil.copytree(built.root, where, ignore=shutil.ignore_patterns("cache", "doit.sqlite*", "runs", "locks"))
    return LitProjectDir(where)


def edit(clone: LitProjectDir, change: str, key: str) -> str | None:
    """Make `change` to prompt `key`'s part of the clone; returns the output a call must then write, if any."""
    name = key
    if change == "prompt":
        path = clone.root / f"prompts/{name}.prompt.md"
        path.write_text(path.read_text() + "\nOne more line.\n")
        return f"{name}.py"
    if change == "hand_edit":
        (clone.root / f"code.lock/{name}.py").write_text("# mine\n")
    elif change == "setting":
        toml = clone.root / "lit.toml"
        toml.write_text(toml.read_text().replace('version = "3.11"', 'version = "3.12"'))
        return "base.py"
    elif change == "new_prompt":
        clone.prompt("extra", ["extra.py"], imports=[name], spec=["E = 1"])
        return "extra.py"
    elif change == "deleted_prompt":
        (clone.root / "prompts/top.prompt.md").unlink()
    elif change in ("lying_input", "lying_digest", "lying_config"):  # one of the entry's two records of its inputs
        entry = clone.root / f".lit/lock/prompts/{name}.prompt.md.json"
        data = json.loads(entry.read_text())
        if change == "lying_input":
            data["inputs"]["prompt"] = "0" * len(data["inputs"]["prompt"])
        elif change == "lying_config":  # what an unloaded clone takes from the entry itself
            data["inputs"]["config"] = "0" * len(data["inputs"]["config"])
        else:
            data["input_hash"] = "0" * len(data["input_hash"])
        entry.write_text(json.dumps(data))
        return f"{name}.py"
    elif change == "static":
        (clone.root / "code.lock/pkg/__init__.py").write_text("# changed\n")
    return None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.sampled_from(EDITS), max_size=2, unique=True), key=st.sampled_from(PROMPTS))
def test_a_fresh_clone_is_proven_current_by_its_lock_and_misses_no_change(
    built: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path, changes: list[str], key: str, capfd
) -> None:  # noqa: ANN001
    clone = fresh_clone(built, tmp_path / "clone")
    assume(not ("deleted_prompt" in changes and key == "top" and len(changes) > 1))  # top's other edit is moot
    must_call = {out for change in changes if (out := edit(clone, change, key))}
    fake_llm.calls.clear()
    capfd.readouterr()
    rc = clone.lit("regenerate")
    err = capfd.readouterr().err
    called = {c.declared[0] for c in fake_llm.calls}
    if not changes:
        assert rc == 0 and "3 prompts up to date, nothing to do" in err and not called
        assert not (clone.root / ".lit/cache/index.json").exists(), "proven by the lock alone: no prompt was loaded"
        assert not (clone.root / ".lit/doit.sqlite").exists(), "doit was never run"
        return
    if "hand_edit" in changes:
        assert (clone.root / f"code.lock/{key}.py").read_text() == "# mine\n", "a hand edit is never overwritten"
        if set(changes) & {
            "prompt",
            "setting",
            "lying_input",
            "lying_digest",
            "lying_config",
        }:  # the edited output's prompt is stale
            assert rc == 1 and f"code.lock/{key}.py changed since lit generated it" in err
            return  # lit stops before calling for a prompt whose output it would overwrite
        assert rc == 0 and f"{key}.py" not in called, "a prompt that is current is not generated over its edit"
        assert must_call <= called, f"{changes} on {key}: {sorted(must_call - called)} not regenerated"
        importer = {"base": "left", "left": "top"}.get(key)
        if importer and not (importer == "top" and "deleted_prompt" in changes):
            # regenerated with the edit as its context, as in a checkout with a doit DB, and the edit is named
            assert f"{importer}.py" in called
            assert f"code.lock/{key}.py (prompts/{key}.prompt.md) is edited by hand" in err
        return
    assert must_call <= called, f"{changes} on {key}: {sorted(must_call - called)} not regenerated"
    assert rc == 0, err
    if "deleted_prompt" in changes:
        assert not (clone.root / "code.lock/top.py").exists()
    assert (clone.root / "code.lock/pkg/__init__.py").read_text() == "# package\n"
    assert clone.lit("check") == 0


def test_a_run_the_lock_proves_current_sweeps_what_a_killed_run_left(built: LitProjectDir, tmp_path: Path) -> None:
    clone = fresh_clone(built, tmp_path / "clone")
    dead = subprocess.Popen(["true"])
    dead.wait()  # a pid no process has now
    (clone.root / ".lit/runs").mkdir(exist_ok=True)
    (clone.root / f".lit/runs/{dead.pid}.lock").write_text(f"{dead.pid:>10}\n")  # its registration, unlocked
    left = clone.root / f".lit/generations/.{dead.pid}-1.lit-tmp"
    left.write_text("half a record")
    assert clone.lit("regenerate") == 0
    assert not left.exists() and not list((clone.root / ".lit/runs").iterdir())


def test_a_no_op_the_stamp_proves_sweeps_what_a_killed_run_left(built: LitProjectDir, monkeypatch) -> None:  # noqa: ANN001
    """A run killed after the stamp (mid-write of a cache entry, say) leaves temp files; the next run is a no-op
    that registers no run, and sweeps them all the same."""
    assert built.lit("regenerate") == 0  # stamped
    dead = subprocess.Popen(["true"])
    dead.wait()
    (built.root / ".lit/runs").mkdir(exist_ok=True)
    (built.root / f".lit/runs/{dead.pid}.lock").write_text(f"{dead.pid:>10}\n")
    left = built.root / f".lit/generations/.{dead.pid}-1.lit-tmp"
    left.write_text("half a record")
    monkeypatch.setattr(status_module, "project_status", None)  # the stamp alone answers
    assert built.lit("regenerate") == 0
    assert not left.exists() and not list((built.root / ".lit/runs").iterdir())


def test_the_stamp_a_lock_proof_leaves_spares_the_next_run_until_a_file_changes(
    built: LitProjectDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd
) -> None:  # noqa: ANN001
    clone = fresh_clone(built, tmp_path / "clone")
    LazyProject.load(clone.root)  # loaded and indexed: the run below proves it current from the index and stamps it
    assert clone.lit("regenerate") == 0
    with monkeypatch.context() as patched:
        patched.setattr(status_module, "project_status", None)  # the stamp alone must answer now
        assert clone.lit("regenerate") == 0
    replace(clone.root / "code.lock/base.py", "B = 2\n")  # same size as what lit wrote
    capfd.readouterr()
    assert clone.lit("regenerate") == 0
    assert "code.lock/base.py (prompts/base.prompt.md) is edited by hand" in capfd.readouterr().err, "seen, not stamped"


def test_the_stamp_describes_the_files_as_the_status_judged_them(built: LitProjectDir, tmp_path: Path) -> None:
    clone = fresh_clone(built, tmp_path / "clone")
    lazy = LazyProject.load(clone.root)
    status = status_module.project_status(lazy.workspace, lazy.index)
    assert proven_by_lock(lazy.workspace, lazy.index, status)
    record_up_to_date(lazy.workspace, lazy.index, status.versions)
    assert is_up_to_date(lazy.workspace, lazy.index)
    replace(clone.root / "code.lock/left.py", "L = 2\n")  # after it was judged, before the stamp is written
    record_up_to_date(lazy.workspace, lazy.index, status.versions)
    assert not is_up_to_date(lazy.workspace, lazy.index), "the stamp must not vouch for a file nobody judged"


def replace(path: Path, text: str) -> None:
    """Write `text` to `path` as a new file (a new inode: as an editor that saves through a rename)."""
    temp = path.with_suffix(".tmp")
    temp.write_text(text)
    temp.replace(path)


def test_doit_regenerate_in_a_fresh_clone_keeps_a_hand_edited_import_and_builds_its_importer(
    built: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    clone = fresh_clone(built, tmp_path / "clone")
    clone.write("dodo.py", TWO_LINE_DODO)
    (clone.root / "code.lock/base.py").write_text("# mine\n")
    fake_llm.calls.clear()
    result = clone.run("doit", "regenerate")
    assert result.returncode == 0, result.stderr
    assert {c.declared[0] for c in fake_llm.calls} == {"left.py"}, "base is current: its edit is left alone"
    assert "up to date prompts/base.prompt.md: its inputs match its lock entry; kept code.lock/base.py" in result.stderr
    assert (clone.root / "code.lock/base.py").read_text() == "# mine\n"
