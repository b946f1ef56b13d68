"""Progress lines on stderr, safe to print from doit's worker threads.

doit's own output capture swaps the process-global `sys.stdout` and is not thread-safe, so lit's tasks run
with capture off and report here: whole lines under one lock, so parallel prompts never interleave mid-line.
Colour only on a terminal, never with NO_COLOR.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TextIO

from lit_tasks.io.terminal import escape_controls

_lock = threading.Lock()
_names: dict[str, str] = {}  # root -> name of every project this process created tasks for
_projects: dict[str, str] = {}  # root -> how its lines are labelled
_current: ContextVar[str | None] = ContextVar("lit_project", default=None)  # the project of this task's thread

COLOURS = {"start": "36", "done": "32", "cached": "32", "fail": "31", "warn": "33", "note": "2", "summary": "1"}


def use_colour(stream: TextIO) -> bool:
    return "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def register_project(root: str, name: str) -> None:
    """A project whose tasks this process runs: with two or more, each task's lines say which project, by its
    name, or by its directory when two share a name."""
    with _lock:
        _names[root] = name
        names = list(_names.values())
        for path, label in _names.items():
            _projects[path] = label if names.count(label) == 1 else os.path.basename(path)


def forget_projects() -> None:
    """The run is over: the next run in this process labels its lines by its own projects only."""
    with _lock:
        _names.clear()
        _projects.clear()


@contextlib.contextmanager
def project_scope(root: str) -> Iterator[None]:
    """Lines emitted in the body (on this thread) belong to the project at `root`."""
    token = _current.set(root)
    try:
        yield
    finally:
        _current.reset(token)


def emit(kind: str, text: str, stream: TextIO | None = None) -> None:
    """Write one message line (`kind` picks the colour) to stderr."""
    out = stream or sys.stderr
    out = getattr(out, "wrapped", out)  # the text is escaped here; the colour codes must stay codes
    text = escape_controls(text)
    root = _current.get()
    if root is not None and len(_projects) > 1:
        text = f"[{_projects.get(root, root)}] {text}"
    line = f"lit: {text}"
    if use_colour(out) and kind in COLOURS:
        line = f"\x1b[{COLOURS[kind]}m{line}\x1b[0m"
    with _lock:
        out.write(line + "\n")
        out.flush()


def tokens(n: int) -> str:
    return f"{n / 1_000_000:.1f}M" if n >= 1_000_000 else f"{n:,}"


def money(usd: float | None) -> str:
    if usd is None:
        return "cost unknown"
    if usd == 0:
        return "$0"
    return f"${usd:.4f}" if usd < 0.01 else f"${usd:.2f}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def nothing_to_do(prompts: int, seconds: float) -> str:
    """The summary of a run that found every prompt up to date, however it found out."""
    return f"{plural(prompts, 'prompt')} up to date, nothing to do ({seconds:.1f}s)"
