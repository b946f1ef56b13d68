"""API keys: read from the environment only, never written anywhere, scrubbed from every message.

A provider error can echo request headers; a key read here is remembered so `scrub` can remove it from any
text before it reaches a terminal, a file or an exception.
"""

from __future__ import annotations

import os
import threading

_known: set[str] = set()
_lock = threading.Lock()


def read_key(names: list[str]) -> tuple[str | None, str | None]:
    """(key, name of the variable it came from) for the first set, non-empty variable in `names`."""
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            with _lock:
                _known.add(value)
            return value, name
    return None, None


def scrub(text: str) -> str:
    """`text` with every known key (and any 8+ character prefix of one) replaced by `***`."""
    with _lock:
        keys = sorted(_known, key=len, reverse=True)
    for key in keys:
        text = text.replace(key, "***")
        if len(key) >= 16:
            text = text.replace(key[: len(key) // 2], "***")
    return text
