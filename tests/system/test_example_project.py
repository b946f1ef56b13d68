"""example_project: a real lit project that regenerates offline into exactly the committed code.lock/."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

from lit_tasks.model.project import load_project
from tests.conftest import REPO, LitProjectDir

EXAMPLE = REPO / "example_project"


def depth(project, key: str, memo: dict) -> int:
    if key not in memo:
        memo[key] = 1 + max((depth(project, i, memo) for i in project.graph.prompts[key].imports), default=0)
    return memo[key]


def test_graph_shape_is_what_the_issue_asks_for() -> None:
    project = load_project(EXAMPLE)
    prompts = project.graph.prompts
    assert len(prompts) >= 10
    assert max(depth(project, k, {}) for k in prompts) >= 5
    assert max(len(p.imports) for p in prompts.values()) >= 3
    ancestors = {k: project.graph.closure([k]) - {k} for k in prompts}
    diamond = any(
        len([i for i in p.imports if shared in ancestors[i]]) >= 2 for p in prompts.values() for shared in prompts
    )
    assert diamond
    assert any(out.startswith("tests/") for p in prompts.values() for out in p.outputs)


def test_fresh_build_reproduces_the_committed_code_lock(tmp_path: Path) -> None:
    copy = LitProjectDir(tmp_path / "taskbook")
    shutil.copytree(EXAMPLE, copy.root, ignore=shutil.ignore_patterns(".lit", "code.lock", "__pycache__"))
    assert copy.lit("regenerate", "-j", "4") == 0
    comparison = filecmp.dircmp(EXAMPLE / "code.lock", copy.root / "code.lock", ignore=["__pycache__"])
    assert_same(comparison)
    second = copy.run("lit", "regenerate")
    assert second.returncode == 0 and "12 prompts up to date, nothing to do" in second.stderr


def assert_same(cmp: filecmp.dircmp) -> None:
    assert not cmp.left_only and not cmp.right_only, (cmp.left_only, cmp.right_only)
    _, mismatch, errors = filecmp.cmpfiles(cmp.left, cmp.right, cmp.common_files, shallow=False)
    assert not mismatch and not errors, mismatch
    for sub in cmp.subdirs.values():
        assert_same(sub)


def test_doit_regenerate_works_in_the_example_project(tmp_path: Path) -> None:
    copy = LitProjectDir(tmp_path / "taskbook")
    shutil.copytree(EXAMPLE, copy.root, ignore=shutil.ignore_patterns(".lit", "__pycache__"))
    (copy.root / "code.lock/taskbook/report.py").unlink()
    result = copy.run("doit", "-n", "4", "regenerate")
    assert result.returncode == 0, result.stderr
    assert (copy.root / "code.lock/taskbook/report.py").read_bytes() == (
        EXAMPLE / "code.lock/taskbook/report.py"
    ).read_bytes()


def test_a_fresh_clone_of_the_example_is_a_zero_call_no_op(tmp_path: Path) -> None:
    """What CI sees: the committed code.lock/ and lock, no doit DB, no cache."""
    copy = LitProjectDir(tmp_path / "taskbook")
    shutil.copytree(EXAMPLE, copy.root, ignore=shutil.ignore_patterns("doit.sqlite*", "cache", "__pycache__"))
    records_before = sorted((copy.root / ".lit/generations").iterdir())
    check = copy.run("lit", "check")
    assert check.returncode == 0, check.stdout
    result = copy.run("lit", "regenerate")
    assert result.returncode == 0 and "12 prompts up to date, nothing to do" in result.stderr
    assert sorted((copy.root / ".lit/generations").iterdir()) == records_before, "no generation happened"
