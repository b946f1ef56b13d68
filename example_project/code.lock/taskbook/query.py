"""Choosing and ordering tasks for display."""

from __future__ import annotations

from datetime import date
from typing import Literal

from taskbook.dates import is_overdue
from taskbook.models import Task

Status = Literal["open", "done", "all", "overdue"]


def filter_tasks(tasks: list[Task], status: Status = "open", tag: str | None = None, today: date | None = None) -> list[Task]:
    """Tasks matching a status and, if given, a tag. `overdue` needs `today`."""
    if status == "overdue" and today is None:
        raise ValueError("the overdue filter needs today's date")
    wanted = tag.strip().lower() if tag else None
    result = []
    for task in tasks:
        if status == "open" and task.done:
            continue
        if status == "done" and not task.done:
            continue
        if status == "overdue" and (task.done or not is_overdue(task.due, today)):  # type: ignore[arg-type]
            continue
        if wanted and wanted not in task.tags:
            continue
        result.append(task)
    return result


def sort_tasks(tasks: list[Task]) -> list[Task]:
    """Open before done, then higher priority, then earlier due date (undated last), then id."""
    return sorted(tasks, key=lambda t: (t.done, -int(t.priority), t.due is None, t.due or date.max, t.id))
