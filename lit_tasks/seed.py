"""Seeding doit's DB from the committed lock, so fresh clones and CI make no calls for up-to-date prompts.

doit's `uptodate` can only make a task *less* up to date, and an empty DB always means "run". So while tasks
are created, a prompt task that doit would run but whose current inputs and outputs match its lock entry is
recorded as built (`Dependency.save_success`), exactly as if doit had just run it. The lock, not the DB, is the
source of truth; the DB stays a local accelerator. `doit.globals.Globals.dep_manager` exists for this: doit
creates it before loading tasks, in `doit regenerate`, `lit regenerate` and any embedding `dodo.py` alike.

The common case, a DB that already says "up to date", is recognised from the DB and one `stat` per file
(what doit's own check does next), so a no-op run does not pay for a second full status check.
"""

from __future__ import annotations

import os
from typing import Any

from doit.globals import Globals
from doit.task import Task

from .hashing import FileHashes
from .lock import matches_lock
from .project import Project


def seed_from_lock(project: Project, key: str, task: dict[str, Any], hashes: FileHashes) -> bool:
    """Record `task` as up to date when doit would run it but the lock says nothing changed; True if seeded."""
    dep_manager = Globals.dep_manager
    if dep_manager is None:
        return False
    name = f"{task['basename']}:{task['name']}"
    if recorded_as_built(dep_manager, name, task):
        return False
    probe = Task(name, None, file_dep=task["file_dep"], targets=task["targets"], uptodate=task["uptodate"])
    if dep_manager.get_status(probe, {}).status != "run":
        return False
    if not matches_lock(project, key, hashes):
        return False
    probe.save_extra_values()
    dep_manager.save_success(probe)
    return True


def recorded_as_built(dep_manager: Any, name: str, task: dict[str, Any]) -> bool:
    """True when doit's DB already holds this task with these settings, these deps unchanged and all targets.

    A conservative shortcut: when it says False, the full status check decides.
    """
    get = dep_manager._get  # doit 0.37: the per-task DB record (cached by the backend after the first read)
    if get(name, "checker:") != dep_manager.checker.__class__.__name__:
        return False
    values = get(name, "_values_:") or {}
    digest = task["uptodate"][0]._calc_digest()
    if values.get("_config_changed") != digest:
        return False
    deps = get(name, "deps:")
    if deps is None or set(deps) != set(task["file_dep"]):
        return False
    for dep in task["file_dep"]:
        state = get(name, dep)
        try:
            st = os.stat(dep)
        except OSError:
            return False
        if state is None or dep_manager.checker.check_modified(dep, st, state):
            return False
    return all(os.path.exists(t) for t in task["targets"])
