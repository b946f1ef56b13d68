"""What a `dodo.py` uses: the task creator for a lit project and lit's recommended doit settings.

The canonical project `dodo.py` is two lines:

    \"\"\"lit project: `doit regenerate` builds code.lock/ from prompts/.\"\"\"
    from lit_tasks import DOIT_CONFIG, task_regenerate  # noqa: F401

An existing build embeds projects under their own basenames and roots:

    from lit_tasks import LitProject
    frontend = LitProject("frontend", basename="frontend")
    backend = LitProject("services/api", basename="api")
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

from doit.exceptions import InvalidDodoFile
from doit.loader import create_after

from lit_tasks.engine.checker import XXH3Checker
from lit_tasks.engine.doit_db import NAME as DB_BACKEND
from lit_tasks.engine.options import RunOptions
from lit_tasks.engine.reporter import LitReporter
from lit_tasks.engine.rules import DEFAULT_BASENAME, plan_basename, plan_tasks, prompt_tasks, verify_basename
from lit_tasks.io import progress
from lit_tasks.io.confined import read_inside
from lit_tasks.io.errors import LitError
from lit_tasks.io.gc_pause import long_lived
from lit_tasks.model.paths import CONFIG_FILE, find_root, relpath_posix
from lit_tasks.state import locks
from lit_tasks.state.index import LazyProject
from lit_tasks.state.tree_shape import check_tree_shape
from lit_tasks.state.workspace import Workspace

LOADED = time.monotonic()  # when doit imported the dodo: what a run's summary counts from


class LitProject:
    """A lit project as a doit task creator (doit calls `create_doit_tasks` on module-level instances).

    `create_doit_tasks` is looked up when doit loads the dodo, not defined on the class: doit treats any
    namespace object with that attribute as a creator (a dodo that merely imports the class must not become
    one), and whether the generation tasks wait for planning is only known once the project is loaded.
    """

    def __init__(
        self,
        root: str | os.PathLike[str] | None = ".",
        basename: str = DEFAULT_BASENAME,
        *,
        options: RunOptions | None = None,
        lazy: LazyProject | None = None,
    ) -> None:
        self.root = None if root is None else Path(root)  # None: the project containing doit's working directory
        self.basename = basename
        self.options = options or RunOptions()
        self._lazy = lazy

    def __getattr__(self, name: str) -> Any:
        if name != "create_doit_tasks":
            raise AttributeError(name)
        inferred = bool(self._lazy.index.inferred) if self._lazy else mapping_of(self._root()) == "inferred"
        if not inferred:
            return self._create_tasks

        # Generation tasks need every output known: they are created once the `plan:` tasks have run.
        def create_after_planning() -> Iterator[dict[str, Any]]:  # a function: doit marks it, a method refuses
            return self._create_tasks_after_planning()

        create_after_planning.__doc__ = self._create_tasks_after_planning.__doc__
        creates = [self.basename, verify_basename(self.basename)]
        return create_after(executed=plan_basename(self.basename), creates=creates)(create_after_planning)

    def _root(self) -> Path:
        try:
            return self.root if self.root is not None else find_root(Path.cwd())
        except LitError as err:
            refuse(err)

    @property
    def planner(self) -> Planner:
        """The creator of this project's `plan:` tasks: put it in the dodo next to the project when the project
        uses `mapping = "inferred"` (`lit regenerate` does this itself)."""
        return Planner(self)

    def _prepare(self) -> LazyProject:
        """Load the project (from its index when it can) and register the run, as doit errors if loading fails."""
        try:
            lazy = self._lazy or LazyProject.load(self._root())
            if self._lazy is None:
                for warning in lazy.index.warnings:
                    progress.emit("warn", f"warning: {warning}")
            if self.root is not None:  # a dodo's `task_regenerate` follows the working directory: keep nothing
                self._lazy = lazy
            lazy.workspace.ensure_state_dir()
            locks.join_run(lazy.workspace)
            progress.register_project(str(lazy.root), lazy.index.name)
        except LitError as err:
            refuse(err)
        install_sigterm_handler()
        return lazy

    def _create_tasks(self) -> Iterator[dict[str, Any]]:
        """Generate code.lock/ from the prompts of the lit project (doit's `doc` for the group)."""
        with long_lived():  # the tasks and what they are made from live until doit ends
            lazy = self._prepare()
            proven = doit_builds() and check_before_calls(lazy)
            if proven and sys.argv[1:] == [self.basename]:
                # `doit regenerate` and the no-op proof holds: every prompt task is up to date, doit need not
                # compare their files again (any option, such as -a, or a task named gets every task)
                yield from prompt_tasks(lazy, self.basename, replace(self.options, only=frozenset()))
                seconds = time.monotonic() - LOADED
                progress.emit("summary", progress.nothing_to_do(len(lazy.index.prompts), seconds))
                return
            yield from prompt_tasks(lazy, self.basename, self.options, proven=proven)

    def _create_tasks_after_planning(self) -> Iterator[dict[str, Any]]:
        """Generate code.lock/ from the prompts of the lit project, once its inferred prompts are planned."""
        self._lazy = None  # the plans just pinned change the project: load it again
        lazy = self._prepare()
        if lazy.index.unplanned:
            raise InvalidDodoFile(
                "lit: these prompts have no plan, so their outputs are unknown (see the failed plan tasks above): "
                + ", ".join(sorted(lazy.index.unplanned))
            )
        vbase, grouped = verify_basename(self.basename), False
        for task in prompt_tasks(lazy, self.basename, self.options):
            grouped = grouped or (task["basename"] == vbase and task["name"] is None)
            yield task
        if not grouped:  # doit was told this creator makes the group; without verified prompts it is empty
            yield {"basename": vbase, "name": None, "doc": "run the verify: commands of the prompts (lit)"}


class Planner:
    """The `plan:` tasks of a `LitProject` (`inferred` mapping), as a doit task creator."""

    def __init__(self, project: LitProject) -> None:
        self.project = project

    def __getattr__(self, name: str) -> Any:
        if name != "create_doit_tasks":
            raise AttributeError(name)
        return self._create_tasks

    def _create_tasks(self) -> Iterator[dict[str, Any]]:
        """Plan the outputs of the lit project's inferred prompts."""
        yield from plan_tasks(self.project._prepare(), self.project.basename, self.project.options)


task_regenerate = LitProject(None)
"""The lit project containing doit's working directory: `from lit_tasks import DOIT_CONFIG, task_regenerate`."""

task_plan = task_regenerate.planner
"""Its `plan:` tasks, for a project with `mapping = "inferred"`: add `task_plan` to that import."""


def mapping_of(root: Path) -> str | None:
    """`[project] mapping` read with the standard library alone (doit asks for the creator before any task
    exists); None when lit.toml cannot be read, which loading the project then reports properly."""
    try:
        return tomllib.loads(read_inside(root, CONFIG_FILE).decode()).get("project", {}).get("mapping")
    except (LitError, OSError, ValueError, AttributeError, RecursionError):
        return None


def doit_config(root: Path | None = None) -> dict[str, Any]:
    """lit's recommended DOIT_CONFIG (docs/task-model.md): sqlite3 DB in .lit/, XXH3 checker, threads, lit's reporter.

    None of it is needed for correctness when a lit project is embedded in another build.
    """
    here = Path.cwd()
    try:
        root = root or find_root(here)
    except LitError as err:
        refuse(err)
    workspace = Workspace(root)
    try:
        check_tree_shape(workspace)  # before doit opens its DB or lit writes into .lit/: a clone's links lead nowhere
    except LitError as err:
        refuse(err)
    workspace.ensure_state_dir()
    return {
        "backend": DB_BACKEND,
        "dep_file": relpath_posix(workspace.db_file, here),
        "check_file_uptodate": XXH3Checker,
        "par_type": "thread",
        "reporter": LitReporter,
        "default_tasks": [DEFAULT_BASENAME],
    }


DOIT_READ_ONLY = {"list", "info", "help", "clean", "forget", "ignore", "dumpdb", "strace", "tabcompletion"}


def doit_builds() -> bool:
    """Whether this process is the `doit` command running a build (not `doit list` or `info`; not `lit
    regenerate`, which runs doit in-process after its own checks)."""
    if not sys.argv or not os.path.basename(sys.argv[0]).startswith("doit"):
        return False
    words = [arg for arg in sys.argv[1:] if not arg.startswith("-")]
    return not words or words[0] not in DOIT_READ_ONLY


def check_before_calls(lazy: LazyProject) -> bool:
    """`lit regenerate`'s checks before the first call (a missing key, an unknown model: exit 2), for the prompts
    that may be generated; none when the last full run's proof still holds (a no-op stays a no-op). Returns
    whether that proof holds."""
    from lit_tasks.state.up_to_date import is_up_to_date

    if is_up_to_date(lazy.workspace, lazy.index):
        return True
    from lit_tasks.engine.preflight import preflight  # pydantic and the providers: not for a no-op
    from lit_tasks.engine.run_plan import make_plan

    try:
        preflight(lazy, make_plan(lazy))
    except LitError as err:
        refuse(err)
    return False


def refuse(err: LitError) -> NoReturn:
    """A project that cannot be built (bad input: a cycle, a bad lit.toml) is lit's exit code, 2, under doit too:
    doit's own error for a task loader that fails is 3, which lit reserves for its own bugs."""
    progress.emit("fail", f"error: {err}")
    raise SystemExit(err.exit_code)


def install_sigterm_handler() -> None:
    """Turn SIGTERM (a CI timeout) into KeyboardInterrupt, so doit saves its DB as it does on Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_interrupt)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")
