"""Tests for taskbook.query."""

import unittest
from datetime import date

from taskbook.models import Priority, Task
from taskbook.query import filter_tasks, sort_tasks

TODAY = date(2026, 11, 20)


def sample() -> list[Task]:
    return [
        Task(1, "low later", Priority.LOW, date(2026, 12, 1)),
        Task(2, "high undated", Priority.HIGH, tags=["work"]),
        Task(3, "high soon", Priority.HIGH, date(2026, 11, 21), tags=["work"]),
        Task(4, "finished", Priority.HIGH, done=True),
        Task(5, "late", Priority.NORMAL, date(2026, 11, 18)),
    ]


class FilterTest(unittest.TestCase):
    def test_status(self) -> None:
        self.assertEqual([t.id for t in filter_tasks(sample(), "open")], [1, 2, 3, 5])
        self.assertEqual([t.id for t in filter_tasks(sample(), "done")], [4])
        self.assertEqual(len(filter_tasks(sample(), "all")), 5)
        self.assertEqual([t.id for t in filter_tasks(sample(), "overdue", today=TODAY)], [5])

    def test_tag_is_case_insensitive(self) -> None:
        self.assertEqual([t.id for t in filter_tasks(sample(), "open", tag="WORK")], [2, 3])

    def test_overdue_needs_today(self) -> None:
        with self.assertRaises(ValueError):
            filter_tasks(sample(), "overdue")


class SortTest(unittest.TestCase):
    def test_order(self) -> None:
        self.assertEqual([t.id for t in sort_tasks(sample())], [3, 2, 5, 1, 4])


if __name__ == "__main__":
    unittest.main()
