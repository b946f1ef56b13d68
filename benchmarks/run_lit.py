"""`lit` with the in-process `bench` provider registered: `python benchmarks/run_lit.py regenerate -j 8`.

Prints the number of provider calls to stderr as `bench-calls: N` when the command ends, and ends the process
as the installed `lit` does (`lit_tasks.commands.cli.entry`).
"""

from __future__ import annotations

import atexit
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lit_providers  # noqa: E402

lit_providers.register("bench", "bench_provider:BenchProvider")  # imported on the first call, like an entry point

from lit_tasks.commands.cli import entry  # noqa: E402


def report_calls() -> None:
    bench = sys.modules.get("bench_provider")
    sys.stderr.write(f"bench-calls: {bench.CALLS['n'] if bench else 0}\n")


if __name__ == "__main__":
    atexit.register(report_calls)  # before lit's own exit handlers run, and ended as the `lit` command ends
    entry(sys.argv[1:])
