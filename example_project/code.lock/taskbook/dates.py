"""Due dates as people type and read them."""

from __future__ import annotations

import re
from datetime import date, timedelta

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_RELATIVE = re.compile(r"^\+(\d+)([dw])$")


def parse_due(text: str, today: date) -> date:
    """Parse `today`, `tomorrow`, `+3d`, `+2w`, a weekday name (the next one) or an ISO date."""
    value = text.strip().lower()
    if value == "today":
        return today
    if value == "tomorrow":
        return today + timedelta(days=1)
    match = _RELATIVE.match(value)
    if match:
        amount = int(match.group(1))
        return today + timedelta(days=amount * (7 if match.group(2) == "w" else 1))
    if value in WEEKDAYS:
        ahead = (WEEKDAYS.index(value) - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"cannot read due date {text!r}; try today, tomorrow, +3d, friday or 2026-12-01") from None


def format_due(due: date | None, today: date) -> str:
    """A short phrase relative to today: `today`, `tomorrow`, `in 3 days`, `overdue by 2 days`."""
    if due is None:
        return ""
    delta = (due - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "overdue by 1 day"
    if delta < 0:
        return f"overdue by {-delta} days"
    return f"in {delta} days"


def is_overdue(due: date | None, today: date) -> bool:
    return due is not None and due < today
