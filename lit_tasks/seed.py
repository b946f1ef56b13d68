"""Seeding doit's DB from the committed lock, so fresh clones and CI make no calls for up-to-date prompts.

doit's `uptodate` can only make a task *less* up to date, and an empty DB always means "run". So while tasks
are created, a prompt task that doit would run but whose current inputs and outputs match its lock entry is
recorded as built (`Dependency.save_success`), exactly as if doit had just run it. The lock, not the DB, is the
source of truth; the DB stays a local accelerator. `doit.globals.Globals.dep_manager` exists for this: doit
creates it before loading tasks, in `doit regenerate`, `lit regenerate` and any embedding `dodo.py` alike.
"""

from __future__ import annotations

from typing import Any

from doit.globals import Globals
from doit.task import Task

from .lock import matches_lock
from .project import Project


def seed_from_lock(project: Project, key: str, task: dict[str, Any]) -> bool:
    """Record `task` as up to date when doit would run it but the lock says nothing changed; True if seeded."""
    dep_manager = Globals.dep_manager
    if dep_manager is None:
        return False
    probe = Task(f"{task['basename']}:{task['name']}", None, file_dep=task["file_dep"], targets=task["targets"],
                 uptodate=task["uptodate"])
    if dep_manager.get_status(probe, {}).status != "run":
        return False
    if not matches_lock(project, key):
        return False
    probe.save_extra_values()
    dep_manager.save_success(probe)
    return True
