"""`lit` with the in-process `bench` provider registered: `python benchmarks/run_lit.py regenerate -j 8`.

Prints the number of provider calls to stderr as `bench-calls: N` when the command ends.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_provider import CALLS, BenchProvider  # noqa: E402

import providers  # noqa: E402

providers.register("bench", BenchProvider)

from lit_tasks.cli import main  # noqa: E402

if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stderr.write(f"bench-calls: {CALLS['n']}\n")
    sys.exit(code)
