"""The default test run collects every test file, or fails saying which it skipped."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

PLUGIN = Path(__file__).with_name("collection_check.py")


def suite(tmp_path: Path, folders: list[str]) -> Path:
    """A tiny project with one passing test file in each of `folders`, under testpaths = ["tests"]."""
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["tests"]\n')
    tests = tmp_path / "tests"
    tests.mkdir()
    shutil.copy(PLUGIN, tests / "collection_check.py")
    (tests / "conftest.py").write_text("from collection_check import *  # noqa: F403\n")
    for folder in folders:
        (tests / folder).mkdir(parents=True, exist_ok=True)
        (tests / folder / f"test_{folder.replace('/', '_')}.py").write_text("def test_runs():\n    pass\n")
    return tmp_path


def pytest_in(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_suite_with_every_file_collected_passes(tmp_path: Path) -> None:
    done = pytest_in(suite(tmp_path, ["engine", "state"]))
    assert done.returncode == 0, done.stdout
    assert "2 passed" in done.stdout


def test_a_test_folder_pytest_skips_by_name_fails_the_default_run(tmp_path: Path) -> None:
    done = pytest_in(suite(tmp_path, ["build", "state", "deep/dist"]))
    assert done.returncode == 4, done.stdout
    assert "2 test file(s) under testpaths were not collected" in done.stdout + done.stderr
    assert "tests/build/test_build.py" in done.stdout + done.stderr
    assert "tests/deep/dist/test_deep_dist.py" in done.stdout + done.stderr


def test_a_run_given_paths_is_not_checked(tmp_path: Path) -> None:
    done = pytest_in(suite(tmp_path, ["build", "state"]), "tests/state")
    assert done.returncode == 0, done.stdout
