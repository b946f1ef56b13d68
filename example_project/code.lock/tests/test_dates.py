"""Tests for taskbook.dates."""

import unittest
from datetime import date

from taskbook.dates import format_due, is_overdue, parse_due

TODAY = date(2026, 11, 20)  # a Friday


class ParseDueTest(unittest.TestCase):
    def test_words(self) -> None:
        self.assertEqual(parse_due("today", TODAY), TODAY)
        self.assertEqual(parse_due("Tomorrow", TODAY), date(2026, 11, 21))

    def test_relative(self) -> None:
        self.assertEqual(parse_due("+3d", TODAY), date(2026, 11, 23))
        self.assertEqual(parse_due("+2w", TODAY), date(2026, 12, 4))

    def test_weekday_is_the_next_one(self) -> None:
        self.assertEqual(parse_due("monday", TODAY), date(2026, 11, 23))
        self.assertEqual(parse_due("friday", TODAY), date(2026, 11, 27))

    def test_iso(self) -> None:
        self.assertEqual(parse_due("2026-12-01", TODAY), date(2026, 12, 1))

    def test_nonsense(self) -> None:
        with self.assertRaises(ValueError):
            parse_due("someday", TODAY)


class FormatDueTest(unittest.TestCase):
    def test_phrases(self) -> None:
        self.assertEqual(format_due(None, TODAY), "")
        self.assertEqual(format_due(TODAY, TODAY), "today")
        self.assertEqual(format_due(date(2026, 11, 21), TODAY), "tomorrow")
        self.assertEqual(format_due(date(2026, 11, 25), TODAY), "in 5 days")
        self.assertEqual(format_due(date(2026, 11, 19), TODAY), "overdue by 1 day")
        self.assertEqual(format_due(date(2026, 11, 17), TODAY), "overdue by 3 days")

    def test_overdue(self) -> None:
        self.assertTrue(is_overdue(date(2026, 11, 19), TODAY))
        self.assertFalse(is_overdue(TODAY, TODAY))
        self.assertFalse(is_overdue(None, TODAY))


if __name__ == "__main__":
    unittest.main()
