"""The task record and its priorities."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum
from typing import Any


class Priority(IntEnum):
    """How urgent a task is; a higher value sorts first."""

    LOW = 1
    NORMAL = 2
    HIGH = 3

    @classmethod
    def parse(cls, text: str) -> "Priority":
        """Accept a name in any case (`high`) or its first letter (`h`)."""
        value = text.strip().lower()
        for member in cls:
            if value in (member.name.lower(), member.name[0].lower()):
                return member
        raise ValueError(f"unknown priority {text!r}; use low, normal or high")


@dataclass
class Task:
    """One task. `id` is assigned by the store and never reused."""

    id: int
    title: str
    priority: Priority = Priority.NORMAL
    due: date | None = None
    done: bool = False
    tags: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.title = self.title.strip()
        if not self.title:
            raise ValueError("a task needs a title")
        self.tags = sorted({tag.strip().lower() for tag in self.tags if tag.strip()})

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "priority": self.priority.name.lower(),
            "due": self.due.isoformat() if self.due else None,
            "done": self.done,
            "tags": list(self.tags),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Task":
        return cls(
            id=int(data["id"]),
            title=str(data["title"]),
            priority=Priority.parse(str(data.get("priority", "normal"))),
            due=date.fromisoformat(data["due"]) if data.get("due") else None,
            done=bool(data.get("done", False)),
            tags=list(data.get("tags", [])),
        )
