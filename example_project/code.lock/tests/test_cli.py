"""Tests for taskbook.cli, driving `main` as a user would."""

import contextlib
import io
import tempfile
import unittest
from datetime import date
from pathlib import Path

from taskbook.cli import main

TODAY = date(2026, 11, 20)


class CliTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.TemporaryDirectory()
        self.file = str(Path(self.dir.name) / "tasks.json")

    def tearDown(self) -> None:
        self.dir.cleanup()

    def run_cli(self, *argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--file", self.file, *argv], today=TODAY)
        return code, out.getvalue(), err.getvalue()

    def test_add_done_ls(self) -> None:
        self.assertEqual(self.run_cli("add", "write", "docs", "-p", "high", "-d", "+2d", "-t", "work")[1], "added #1: write docs\n")
        self.run_cli("add", "water plants")
        self.assertEqual(self.run_cli("done", "2")[1], "done #2: water plants\n")
        code, out, _ = self.run_cli("ls")
        self.assertEqual(code, 0)
        self.assertIn("#1  high  write docs  in 2 days  +work", out)
        self.assertNotIn("water plants", out)
        self.assertTrue(out.endswith("1 open, 1 done, 0 overdue\n"))

    def test_unknown_task_is_an_error(self) -> None:
        code, _, err = self.run_cli("rm", "9")
        self.assertEqual(code, 1)
        self.assertIn("no task #9", err)

    def test_bad_due_date_is_an_error(self) -> None:
        code, _, err = self.run_cli("add", "x", "-d", "someday")
        self.assertEqual(code, 1)
        self.assertIn("cannot read due date", err)

    def test_empty_list(self) -> None:
        self.assertEqual(self.run_cli("ls")[1], "No tasks.\n0 open, 0 done, 0 overdue\n")


if __name__ == "__main__":
    unittest.main()
