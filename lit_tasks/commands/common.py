"""What every command shares: finding the project from the current directory, paths, report output."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lit_tasks.io import progress
from lit_tasks.io.errors import UsageError
from lit_tasks.model.paths import CODE_DIR, PROMPT_SUFFIX, UnsafePathError, find_root, normalise_relpath, relpath_posix
from lit_tasks.state.index import LazyProject

if TYPE_CHECKING:
    from collections.abc import Callable

    from lit_tasks.model.discovery import Scan
    from lit_tasks.model.project import Project
    from lit_tasks.state.workspace import Workspace


def add_parser(
    commands: argparse._SubParsersAction, name: str, help: str, description: str, examples: str
) -> argparse.ArgumentParser:
    return commands.add_parser(
        name,
        help=help,
        description=description,
        epilog="examples:\n" + examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def load_here() -> tuple[Project, Path]:
    """The project around the current directory (walking up to lit.toml), warnings printed once."""
    lazy, cwd = load_lazy_here()
    return lazy.project, cwd


def load_lazy_here() -> tuple[LazyProject, Path]:
    """The same, from its index when nothing changed: for commands that may not need every prompt parsed."""
    lazy, cwd = load_lazy_unless_proven(None)
    assert lazy is not None
    return lazy, cwd


def load_lazy_unless_proven(prove: Callable[[Workspace, Scan], bool] | None) -> tuple[LazyProject | None, Path]:
    """`load_lazy_here`, or None where no index holds and `prove` finds the project current without a load."""
    cwd = Path.cwd()
    root = find_root(cwd)
    lazy = LazyProject.load(root) if prove is None else LazyProject.load_unless_proven(root, prove)
    if lazy is None:
        return None, cwd
    for warning in lazy.index.warnings:
        progress.emit("warn", f"warning: {warning}")
    return lazy, cwd


def root_here() -> Path:
    """The project root around the current directory, without loading prompts (git commands need no more)."""
    return find_root(Path.cwd())


def select_prompts(project: Project | LazyProject, paths: list[str], cwd: Path) -> list[str]:
    """Prompt keys for PATH arguments: prompt files or directories, relative to the current directory."""
    order, prompts = project.index.order, project.index.prompts
    keys: list[str] = []
    for raw in paths:
        target = (cwd / raw).resolve()
        rel = relpath_posix(target, project.root)
        if rel.startswith(".."):
            raise UsageError(f"{raw} is outside the project at {project.root}")
        if rel == ".":
            return list(order)
        if target.is_dir():
            found = [k for k in order if k.startswith(rel + "/")]
            if not found:
                raise UsageError(f"{raw}: no prompts under this directory")
            keys.extend(found)
        elif rel in prompts:
            keys.append(rel)
        else:
            hint = "" if rel.endswith(PROMPT_SUFFIX) else f" (prompt files end in {PROMPT_SUFFIX})"
            raise UsageError(f"{raw} is not a prompt of this project{hint}")
    return list(dict.fromkeys(keys))


def output_arg(project: Project, raw: str, cwd: Path) -> str:
    """A generated file named relative to the current directory, or relative to code.lock/ (lit v1's way)."""
    target = (cwd / raw).resolve()
    rel = relpath_posix(target, project.code_dir)
    if not rel.startswith("..") and (target.exists() or rel in project.graph.owner):
        return rel
    try:
        return normalise_relpath(raw.removeprefix(f"{CODE_DIR}/"))
    except UnsafePathError as err:
        raise UsageError(f"{raw}: {err}") from None


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")
