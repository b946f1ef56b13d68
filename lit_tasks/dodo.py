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
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from doit.exceptions import InvalidDodoFile

from . import progress, runlock
from .checker import XXH3Checker
from .errors import LitError
from .index import LazyProject
from .options import RunOptions
from .paths import find_root, relpath_posix
from .reporter import LitReporter
from .rules import DEFAULT_BASENAME, prompt_tasks
from .state import DB_FILE, ensure_state_dir


class LitProject:
    """A lit project as a doit task creator (doit calls `create_doit_tasks` on module-level instances).

    `create_doit_tasks` is set per instance, not defined on the class: doit treats any namespace object with
    that attribute as a creator, and a dodo that merely imports the class would otherwise crash.
    """

    def __init__(
        self,
        root: str | os.PathLike[str] = ".",
        basename: str = DEFAULT_BASENAME,
        *,
        options: RunOptions | None = None,
        lazy: LazyProject | None = None,
    ) -> None:
        self.root = Path(root)
        self.basename = basename
        self.options = options or RunOptions()
        self._lazy = lazy
        self.create_doit_tasks = self._create_tasks

    def load(self) -> LazyProject:
        if self._lazy is None:
            self._lazy = LazyProject.load(self.root)
            for warning in self._lazy.index.warnings:
                progress.emit("warn", f"warning: {warning}")
        return self._lazy

    def _create_tasks(self) -> Iterator[dict[str, Any]]:
        try:
            lazy = self.load()
            ensure_state_dir(lazy.root)
            runlock.acquire(lazy.root)
        except LitError as err:
            raise InvalidDodoFile(f"lit: {err}") from None
        install_sigterm_handler()
        yield from prompt_tasks(lazy, self.basename, self.options)


def task_regenerate() -> Iterator[dict[str, Any]]:
    """Generate code.lock/ from the prompts of the lit project containing this dodo.py."""
    try:
        root = find_root(Path.cwd())
    except LitError as err:
        raise InvalidDodoFile(f"lit: {err}") from None
    yield from LitProject(root)._create_tasks()


def doit_config(root: Path | None = None) -> dict[str, Any]:
    """lit's recommended DOIT_CONFIG (DESIGN §3): sqlite3 DB in .lit/, XXH3 checker, threads, lit's reporter.

    None of it is needed for correctness when a lit project is embedded in another build.
    """
    here = Path.cwd()
    try:
        root = root or find_root(here)
    except LitError as err:
        raise InvalidDodoFile(f"lit: {err}") from None
    state = ensure_state_dir(root)
    return {
        "backend": "sqlite3",
        "dep_file": relpath_posix(state / DB_FILE, here),
        "check_file_uptodate": XXH3Checker,
        "par_type": "thread",
        "reporter": LitReporter,
        "default_tasks": [DEFAULT_BASENAME],
    }


def install_sigterm_handler() -> None:
    """Turn SIGTERM (a CI timeout) into KeyboardInterrupt, so doit saves its DB as it does on Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_interrupt)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")
