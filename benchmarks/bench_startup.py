"""Start-up: one stale prompt against an instant Anthropic stand-in, next to importing the SDK alone.

Importing the official `anthropic` SDK takes seconds, and every `lit regenerate` that calls Anthropic pays it
once (a `make -j` build once per recipe). lit imports it only when a call is really made, so the figures are:
the SDK import alone (`python -c "import anthropic"`), a run with one stale prompt (wall time, and the time to
the first request the stand-in sees, from the process start), and a run whose only stale prompt is answered
from the response cache, which must not import the SDK at all (checked with `python -X importtime`).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from cache_server import CacheServer, Latency
from harness import PY, RUN_LIT, run, settle, timed
from synth_shared import KEY_ENV, lit_toml

ENV = {KEY_ENV: "not-a-real-key"}


def write_prompt(project: Path, version: int) -> None:
    (project / "prompts/hello.prompt.md").write_text(
        f"---\noutputs: [hello.py]\n---\n# Hello\n\nA function `hello()` that returns the number {version}.\n"
    )


def stale_run(server: CacheServer, project: Path, version: int) -> tuple[float, float]:
    """Wall seconds of a run with one stale prompt, and seconds from the process start to its request."""
    write_prompt(project, version)
    server.reset()
    start = time.monotonic()
    wall, _ = timed([PY, RUN_LIT, "regenerate"], project, ENV)
    (record,) = server.records()
    return wall, record.arrival - start


def cache_hit_run(server: CacheServer, project: Path, version: int) -> float:
    """Wall seconds of a run whose stale prompt is answered from the response cache (no request at all)."""
    write_prompt(project, version)
    server.reset()
    wall, _ = timed([PY, RUN_LIT, "regenerate"], project, ENV)
    if server.records():
        raise SystemExit("a response-cache hit sent a request")
    return wall


def sdk_imported_on_cache_hit(project: Path, version: int) -> bool:
    write_prompt(project, version)
    imports = run([PY, "-X", "importtime", RUN_LIT, "regenerate"], project, ENV).stderr
    return any(line.rstrip().endswith(("| anthropic", "|   anthropic")) for line in imports.splitlines())


def bench_startup(work: Path, runs: int) -> dict:
    server = CacheServer(Latency(base_s=0.0, per_input_token_s=0.0, per_output_token_s=0.0), output_bytes=400).start()
    try:
        project = work / "startup"
        (project / "prompts").mkdir(parents=True)
        (project / "lit.toml").write_text(lit_toml(server.url, 8))
        write_prompt(project, 0)
        run([PY, RUN_LIT, "regenerate"], project, ENV)
        settle()
        sdk = statistics.median(timed([PY, "-c", "import anthropic"], project)[0] for _ in range(runs))
        stale = [stale_run(server, project, version) for version in range(1, runs + 1)]
        hits = [cache_hit_run(server, project, version) for version in range(1, runs + 1)]  # answered above
        imported = sdk_imported_on_cache_hit(project, 1)
    finally:
        server.stop()
    wall = statistics.median(w for w, _ in stale)
    return {
        "sdk_import_s": sdk,
        "stale_wall_s": wall,
        "first_request_s": statistics.median(f for _, f in stale),
        "ratio": wall / sdk,
        "cache_hit_wall_s": statistics.median(hits),
        "cache_hit_imports_sdk": imported,
        "runs": runs,
    }
