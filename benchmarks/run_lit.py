"""`lit` with the in-process `bench` provider registered: `python benchmarks/run_lit.py regenerate -j 8`.

Prints the number of provider calls to stderr as `bench-calls: N` when the command ends, and ends the process
as the installed `lit` does (`lit_tasks.commands.cli.entry`).
"""

from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lit_providers  # noqa: E402

lit_providers.register("bench", "bench_provider:BenchProvider")  # imported on the first call, like an entry point

from lit_tasks.commands.cli import entry  # noqa: E402


def report_calls() -> None:
    bench = sys.modules.get("bench_provider")
    sys.stderr.write(f"bench-calls: {bench.CALLS['n'] if bench else 0}\n")


def profiled(argv: list[str], out: str) -> int:
    """`lit argv` under cProfile, its statistics written to `out`: `entry` ends the process without the
    interpreter's teardown, so `python -m cProfile -o` would never write them."""
    import cProfile

    from lit_tasks.commands.cli import main

    profiler = cProfile.Profile()
    try:
        return profiler.runcall(main, argv)
    finally:
        profiler.dump_stats(out)


if __name__ == "__main__":
    atexit.register(report_calls)  # before lit's own exit handlers run, and ended as the `lit` command ends
    if os.environ.get("BENCH_PROFILE"):
        raise SystemExit(profiled(sys.argv[1:], os.environ["BENCH_PROFILE"]))
    entry(sys.argv[1:])
