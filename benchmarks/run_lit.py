"""`lit` with the in-process `bench` provider registered: `python benchmarks/run_lit.py regenerate -j 8`.

Prints the number of provider calls to stderr as `bench-calls: N` when the command ends.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import providers  # noqa: E402

providers.register("bench", "bench_provider:BenchProvider")  # imported on the first call, like an entry point

from lit_tasks.commands.cli import main  # noqa: E402

if __name__ == "__main__":
    code = main(sys.argv[1:])
    bench = sys.modules.get("bench_provider")
    sys.stderr.write(f"bench-calls: {bench.CALLS['n'] if bench else 0}\n")
    sys.exit(code)
