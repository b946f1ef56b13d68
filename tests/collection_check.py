"""A pytest plugin: the default run fails when a test file under its `testpaths` was not collected.

pytest skips folders by name without a word (its `norecursedirs` default: `build`, `dist`, `venv`, dot folders
and more), so a test file in such a folder never runs and the suite still passes. Every module pytest starts
collecting is noted; when the run was started without paths (it collects `testpaths`), each `test_*.py` file
under them must be among those, else the run stops with the list. A run given paths (`pytest tests/llm`) is
not checked: it never meant to collect everything.
"""

from __future__ import annotations

from pathlib import Path

import pytest

_collected = pytest.StashKey[set[Path]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_collected] = set()


def pytest_collectstart(collector: pytest.Collector) -> None:
    if isinstance(collector, pytest.Module):
        collector.config.stash[_collected].add(collector.path)


def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    if config.args_source is not pytest.Config.ArgsSource.TESTPATHS:
        return
    missing = sorted(set(test_files(config)) - config.stash[_collected])
    if missing:
        names = "\n".join(f"  {path.relative_to(config.rootpath)}" for path in missing)
        pytest.exit(
            f"{len(missing)} test file(s) under testpaths were not collected (a folder pytest skips by name, such "
            f"as build/ or dist/?); rename the folder or change norecursedirs:\n{names}",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )


def test_files(config: pytest.Config) -> list[Path]:
    """Every `test_*.py` under the configured testpaths, outside dot folders and `__pycache__`."""
    found = []
    for testpath in config.getini("testpaths"):
        for path in (config.rootpath / testpath).rglob("test_*.py"):
            parts = path.relative_to(config.rootpath).parts
            if not any(part.startswith(".") or part == "__pycache__" for part in parts):
                found.append(path)
    return found
