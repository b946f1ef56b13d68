"""Tests for taskbook.store."""

import json
import tempfile
import unittest
from datetime import date
from pathlib import Path

from taskbook.models import Priority, Task
from taskbook.store import JsonStore, StoreError


class JsonStoreTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.TemporaryDirectory()
        self.path = Path(self.dir.name) / "tasks.json"
        self.store = JsonStore(self.path)

    def tearDown(self) -> None:
        self.dir.cleanup()

    def test_missing_file_is_empty(self) -> None:
        self.assertEqual(self.store.load(), [])

    def test_round_trip(self) -> None:
        tasks = [Task(1, "write tests", Priority.HIGH, date(2026, 12, 1), tags=["Work"]), Task(2, "rest", done=True)]
        self.store.save(tasks)
        loaded = self.store.load()
        self.assertEqual([t.to_dict() for t in loaded], [t.to_dict() for t in tasks])
        self.assertEqual(loaded[0].tags, ["work"])

    def test_next_id_never_reuses(self) -> None:
        self.assertEqual(JsonStore.next_id([]), 1)
        self.assertEqual(JsonStore.next_id([Task(1, "a"), Task(5, "b")]), 6)

    def test_corrupt_file_is_a_store_error(self) -> None:
        self.path.write_text("{not json")
        with self.assertRaises(StoreError):
            self.store.load()

    def test_wrong_version_is_a_store_error(self) -> None:
        self.path.write_text(json.dumps({"version": 99, "tasks": []}))
        with self.assertRaises(StoreError):
            self.store.load()

    def test_save_leaves_no_temporary_files(self) -> None:
        self.store.save([Task(1, "a")])
        self.assertEqual(sorted(p.name for p in Path(self.dir.name).iterdir()), ["tasks.json"])


if __name__ == "__main__":
    unittest.main()
