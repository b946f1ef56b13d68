"""Tasks on disk: one JSON file, replaced atomically on every save."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from taskbook.models import Task

FORMAT_VERSION = 1


class StoreError(Exception):
    """The task file cannot be read or written."""


class JsonStore:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def load(self) -> list[Task]:
        """All tasks; an absent file is an empty list."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, ValueError) as err:
            raise StoreError(f"cannot read {self.path}: {err}") from None
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            raise StoreError(f"{self.path} is not a taskbook file (version {FORMAT_VERSION})")
        try:
            return [Task.from_dict(item) for item in data.get("tasks", [])]
        except (KeyError, TypeError, ValueError) as err:
            raise StoreError(f"{self.path} holds an invalid task: {err}") from None

    def save(self, tasks: list[Task]) -> None:
        """Write every task; a crash leaves the old file or the new one, never half of each."""
        payload = {"version": FORMAT_VERSION, "tasks": [t.to_dict() for t in sorted(tasks, key=lambda t: t.id)]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(payload, f, indent=2)
                f.write("\n")
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    @staticmethod
    def next_id(tasks: list[Task]) -> int:
        return max((t.id for t in tasks), default=0) + 1
