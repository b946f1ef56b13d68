"""The repository's own automation, as doit tasks; it also builds the example project with lit itself.

doit list            what is here
doit test            the test suite (what `make test` runs)
doit example         regenerate example_project/code.lock with lit (offline: replay provider)
doit example_tests   run the example project's generated tests
doit bench           the benchmark: docs/performance.md and docs/noop-vs-n.png (minutes)
doit docs            the documentation site in site/ (reference pages regenerated, MkDocs strict)
"""

import shlex
import sys

from lit_tasks import LitProject
from lit_tasks.engine.checker import XXH3Checker

DOIT_CONFIG = {
    "backend": "lit-sqlite3",
    "dep_file": ".doit.sqlite",
    "check_file_uptodate": XXH3Checker,
    "par_type": "thread",
    "default_tasks": ["test"],
}

example = LitProject("example_project", basename="example")
PYTHON = shlex.quote(sys.executable)  # this venv's Python, whether or not the venv is activated


def task_test():
    """run the whole test suite"""
    return {"actions": [f"{PYTHON} -m pytest -q"], "verbosity": 2, "uptodate": [False]}


def task_example_tests():
    """run the tests that example_project generated for itself"""
    return {
        "actions": [
            f"cd example_project/code.lock && PYTHONDONTWRITEBYTECODE=1 {PYTHON} -m unittest discover -s tests -t ."
        ],
        "task_dep": ["example"],
        "verbosity": 2,
        "uptodate": [False],
    }


def task_docs():
    """build the documentation site into site/ (the reference pages are regenerated from the code first)"""
    return {
        "actions": [f"{PYTHON} tools/reference.py", f"{PYTHON} -m mkdocs build --strict"],
        "verbosity": 2,
        "uptodate": [False],
    }


def task_bench():
    """run the benchmark and rewrite docs/performance.md (not part of the tests)"""
    return {"actions": [f"{PYTHON} benchmarks/bench.py"], "verbosity": 2, "uptodate": [False]}
