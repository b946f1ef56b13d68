"""Tasks rendered as a plain-text table."""

from __future__ import annotations

from datetime import date

from taskbook.dates import format_due
from taskbook.models import Task

MARKS = {True: "x", False: " "}


def render_table(tasks: list[Task], today: date) -> str:
    """One row per task: done mark, id, priority, title, due phrase, tags; columns aligned."""
    if not tasks:
        return "No tasks.\n"
    rows = [
        (f"[{MARKS[t.done]}]", f"#{t.id}", t.priority.name.lower(), t.title, format_due(t.due, today), " ".join(f"+{tag}" for tag in t.tags))
        for t in tasks
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines) + "\n"


def summary(tasks: list[Task], today: date) -> str:
    """`3 open, 1 done, 1 overdue`."""
    open_ = [t for t in tasks if not t.done]
    overdue = [t for t in open_ if t.due is not None and t.due < today]
    return f"{len(open_)} open, {len(tasks) - len(open_)} done, {len(overdue)} overdue"
