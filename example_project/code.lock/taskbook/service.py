"""What a user can do with their tasks, independent of how they ask."""

from __future__ import annotations

from datetime import date

from taskbook.dates import parse_due
from taskbook.models import Priority, Task
from taskbook.query import Status, filter_tasks, sort_tasks
from taskbook.store import JsonStore


class TaskNotFound(LookupError):
    def __init__(self, task_id: int) -> None:
        super().__init__(f"no task #{task_id}")
        self.task_id = task_id


class TaskService:
    def __init__(self, store: JsonStore, today: date | None = None) -> None:
        self.store = store
        self.today = today or date.today()

    def add(self, title: str, priority: str = "normal", due: str | None = None, tags: list[str] | None = None) -> Task:
        tasks = self.store.load()
        task = Task(
            id=JsonStore.next_id(tasks),
            title=title,
            priority=Priority.parse(priority),
            due=parse_due(due, self.today) if due else None,
            tags=tags or [],
        )
        tasks.append(task)
        self.store.save(tasks)
        return task

    def complete(self, task_id: int) -> Task:
        tasks = self.store.load()
        task = self._find(tasks, task_id)
        task.done = True
        self.store.save(tasks)
        return task

    def remove(self, task_id: int) -> Task:
        tasks = self.store.load()
        task = self._find(tasks, task_id)
        tasks.remove(task)
        self.store.save(tasks)
        return task

    def list(self, status: Status = "open", tag: str | None = None) -> list[Task]:
        return sort_tasks(filter_tasks(self.store.load(), status, tag, self.today))

    @staticmethod
    def _find(tasks: list[Task], task_id: int) -> Task:
        for task in tasks:
            if task.id == task_id:
                return task
        raise TaskNotFound(task_id)
