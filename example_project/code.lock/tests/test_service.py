"""Tests for taskbook.service."""

import tempfile
import unittest
from datetime import date
from pathlib import Path

from taskbook.models import Priority
from taskbook.service import TaskNotFound, TaskService
from taskbook.store import JsonStore

TODAY = date(2026, 11, 20)


class TaskServiceTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.TemporaryDirectory()
        self.service = TaskService(JsonStore(Path(self.dir.name) / "t.json"), today=TODAY)

    def tearDown(self) -> None:
        self.dir.cleanup()

    def test_add_parses_priority_and_due(self) -> None:
        task = self.service.add("ship it", priority="h", due="tomorrow", tags=["Work"])
        self.assertEqual((task.id, task.priority, task.due, task.tags), (1, Priority.HIGH, date(2026, 11, 21), ["work"]))

    def test_complete_and_list(self) -> None:
        self.service.add("a")
        self.service.add("b", priority="high")
        self.service.complete(1)
        self.assertEqual([t.title for t in self.service.list("open")], ["b"])
        self.assertEqual([t.title for t in self.service.list("all")], ["b", "a"])

    def test_remove_keeps_ids_unique(self) -> None:
        self.service.add("a")
        self.service.add("b")
        self.service.remove(2)
        self.assertEqual(self.service.add("c").id, 2)
        self.service.remove(1)
        self.assertEqual(self.service.add("d").id, 3)

    def test_unknown_id(self) -> None:
        with self.assertRaises(TaskNotFound):
            self.service.complete(42)

    def test_empty_title_is_rejected(self) -> None:
        with self.assertRaises(ValueError):
            self.service.add("   ")


if __name__ == "__main__":
    unittest.main()
