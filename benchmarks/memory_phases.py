"""Where a first build's memory goes: Python's own allocations (tracemalloc) at the phases of a run.

    python benchmarks/synth.py /tmp/m20k --prompts 20000 --seed 20000
    cd /tmp/m20k/lit && python /path/to/benchmarks/memory_phases.py regenerate -j 1

prints how much memory each phase (loading the project, doit creating the tasks, doit running them) added,
what was held at its end and its peak. tracemalloc counts Python's allocations only, and slows the run about
threefold: the resident set (`make bench-large`'s peak) adds the interpreter, the imported modules and the
allocator's free space.
"""

from __future__ import annotations

import functools
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lit_providers  # noqa: E402

lit_providers.register("bench", "bench_provider:BenchProvider")

import doit.runner  # noqa: E402

from lit_tasks.commands.cli import main  # noqa: E402
from lit_tasks.state.index import LazyProject  # noqa: E402

MARKS: list[tuple[str, float, float]] = []  # (what had happened, MB held then, peak MB since the last mark)


def mark(event: str) -> None:
    current, peak = tracemalloc.get_traced_memory()
    MARKS.append((event, current / 1e6, peak / 1e6))
    tracemalloc.reset_peak()


def around(owner: Any, name: str, before: str | None, after: str) -> None:
    """Mark `before` (if any) when `owner.name` is called and `after` when it returns."""
    wrapped: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(wrapped)
    def measured(*args: Any, **kwargs: Any) -> Any:
        if before:
            mark(before)
        try:
            return wrapped(*args, **kwargs)
        finally:
            mark(after)

    setattr(owner, name, measured)


if __name__ == "__main__":
    around(LazyProject, "_load", "lit started", "the project loaded")
    around(doit.runner.Runner, "run_tasks", "doit created the tasks", "doit ran the tasks")
    tracemalloc.start(1)
    rc = main(sys.argv[1:])
    mark("the run ended")
    held = 0.0
    for event, current, peak in MARKS:
        print(f"until {event}: {current - held:+.0f} MB, {current:.0f} MB held, peak {peak:.0f} MB")
        held = current
    raise SystemExit(rc)
