"""Pausing CPython's cyclic garbage collector while lit builds what lives until the process ends.

Loading a project allocates a few objects per prompt that all stay alive: the prompts, their settings, the
index, the lock entries, doit's tasks. CPython runs a full collection each time the survivors grow by a
quarter, and each one walks every object alive, so the walks add up to several times the project: at N=5,000
they were 0.3 s of a fresh clone's 1.45 s (docs/performance.md), and found nothing to free. While such
structures are built the collector is paused; afterwards they are frozen (`gc.freeze`: left out of every later
collection) and collection resumes for the rest of the run, whose calls, threads and exceptions do leave cycles.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def long_lived() -> Iterator[None]:
    """No collection inside; what was allocated is frozen on the way out. Nested uses resume only at the
    outermost, and a collector the process had disabled stays disabled."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.enable()
