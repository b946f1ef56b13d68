"""The code keeps the shape docs/architecture.md promises: small modules and functions, each in its layer."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

from tests.conftest import BIN, REPO

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
LAYERS = ("io", "model", "state", "llm", "engine", "web", "commands")


def sources() -> list[Path]:
    return sorted(p for package in ("lit_tasks", "lit_providers") for p in (REPO / package).rglob("*.py"))


def test_no_module_over_400_lines() -> None:
    long = {str(p.relative_to(REPO)): n for p in sources() if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not long, f"split these modules: {long}"


def test_no_function_over_60_lines() -> None:
    long = {}
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(REPO)}:{node.name}"] = length
    assert not long, f"split these functions: {long}"


def test_every_module_of_lit_tasks_lives_in_a_layer() -> None:
    loose = [
        p.name for p in (REPO / "lit_tasks").glob("*.py") if p.name not in ("__init__.py", "__main__.py", "version.py")
    ]
    assert not loose, f"put these in one of the layers {LAYERS}: {loose}"
    assert {p.name for p in (REPO / "lit_tasks").iterdir() if p.is_dir() and p.name != "__pycache__"} == set(LAYERS)


def test_ruff_from_the_root_leaves_generated_code_and_documentation_alone() -> None:
    """A contributor's `ruff format .` must not rewrite code.lock/ (its lock records those bytes) or docs' code blocks."""
    checked = subprocess.run([BIN / "ruff", "check", "--show-files", "."], cwd=REPO, capture_output=True, text=True)
    files = checked.stdout.splitlines()
    assert any("lit_tasks/" in f for f in files), checked.stderr  # ruff did look at the tree
    assert not [f for f in files if "code.lock" in f or f.endswith(".md")]
    formatted = subprocess.run([BIN / "ruff", "format", "--check", "."], cwd=REPO, capture_output=True, text=True)
    assert "code.lock" not in formatted.stdout and ".md" not in formatted.stdout


def test_the_wheel_declares_every_package_of_the_tree() -> None:
    """pyproject.toml lists the packages by hand: a new layer must be added."""
    import tomllib

    declared = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    layers = {f"lit_tasks.{init.parent.name}" for init in (REPO / "lit_tasks").glob("*/__init__.py")}
    assert declared == {"lit_tasks", "lit_providers", *layers}


def test_the_state_layer_is_handed_a_workspace_not_a_bare_root() -> None:
    """A run starts from a root (`Workspace(root)`, `LazyProject.load(root)`); everything after takes the workspace,
    which names the paths under .lit/ once and carries the run's caches."""
    takes_root = []
    for path in sorted((REPO / "lit_tasks" / "state").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if any(arg.arg == "root" for arg in node.args.args + node.args.kwonlyargs):
                    takes_root.append(f"{path.name}:{node.name}")
    assert sorted(takes_root) == ["index.py:load", "index.py:load_unless_proven", "workspace.py:__init__"]
