"""The code keeps the shape docs/architecture.md promises: small modules and functions, each in its layer."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
LAYERS = ("io", "model", "state", "llm", "build", "web", "commands")


def sources() -> list[Path]:
    return sorted(p for package in ("lit_tasks", "providers") for p in (REPO / package).rglob("*.py"))


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
