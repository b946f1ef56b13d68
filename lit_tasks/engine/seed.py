"""Seeding doit's DB from the committed lock, so fresh clones and CI make no calls for up-to-date prompts.

doit's `uptodate` can only make a task *less* up to date, and an empty DB always means "run". So while tasks
are created, a prompt task that doit has no record of, but whose current inputs and outputs match its lock
entry, is recorded as built (`Dependency.save_success`), exactly as if doit had just run it. The lock, not the
DB, is the source of truth; the DB stays a local accelerator. `doit.globals.Globals.dep_manager` exists for
this: doit creates it before loading tasks, in `doit regenerate`, `lit regenerate` and any embedding `dodo.py`.

A task doit *does* have a record of is left to doit's own check, which costs one `stat` per file. If that
record is stale but the files match the lock (a `git pull` brought new prompts, code and lock together), doit
runs the task and the generation step adopts the lock entry without a call (`GenerationStep.run`).
"""

from __future__ import annotations

from typing import Any

from doit.globals import Globals
from doit.task import Task

from lit_tasks.state.index import LazyProject


def seed_from_lock(lazy: LazyProject, key: str, task: dict[str, Any], verified: str | None = None) -> bool:
    """Record `task` as up to date when doit has no record of it and the lock says nothing changed (and, for a
    verify task, that this verification passed on these outputs)."""
    dep_manager = Globals.dep_manager
    if dep_manager is None:
        return False
    name = f"{task['basename']}:{task['name']}"
    if dep_manager._get(name, "deps:") is not None:  # doit 0.37: the task's record (read once per task)
        return False
    store = lazy.workspace.lock  # only for a task doit has never recorded: a fresh clone
    entry = store.read(key)
    if entry is None or (verified is not None and entry.verified != verified):
        return False
    if not store.matches(lazy.index, entry):
        return False
    probe = Task(name, None, file_dep=task["file_dep"], targets=task.get("targets", []), uptodate=task["uptodate"])
    probe.save_extra_values()
    dep_manager.save_success(probe)
    return True
