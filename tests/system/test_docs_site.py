"""The documentation site builds in MkDocs' strict mode, and its reference pages match the code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_generated_reference_pages_are_current() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "tools/reference.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_site_builds_strictly_with_every_page(tmp_path: Path) -> None:
    result = build(REPO / "mkdocs.yml", tmp_path / "site")
    assert result.returncode == 0, result.stdout + result.stderr
    for page in ("quickstart", "task-model", "lock", "reference/cli", "reference/config", "ci", "performance"):
        assert (tmp_path / "site" / page / "index.html").is_file(), page
    cli = (tmp_path / "site/reference/cli/index.html").read_text()
    assert "lit makedeps" in cli and "--max-cost" in cli  # the real --help of every command


def test_a_broken_link_fails_the_build(tmp_path: Path) -> None:
    shutil.copytree(REPO / "docs", tmp_path / "docs")
    shutil.copy(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    with open(tmp_path / "docs/lock.md", "a") as f:
        f.write("\nSee [the missing page](missing.md).\n")
    result = build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert result.returncode != 0 and "missing.md" in result.stdout + result.stderr


def test_doit_docs_builds_the_site_without_the_venv_on_path(tmp_path: Path) -> None:
    """The README names `doit docs`: it must work from the venv's doit alone, activated or not."""
    for name in ("dodo.py", "mkdocs.yml"):
        shutil.copy(REPO / name, tmp_path / name)
    for name in ("docs", "tools", "example_project"):
        shutil.copytree(REPO / name, tmp_path / name)
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    doit = Path(sys.executable).parent / "doit"
    result = subprocess.run([str(doit), "docs"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site/index.html").is_file()
