"""What a full build is billed for input when prompts share imports, against a stand-in for Anthropic that
simulates prompt caching (`cache_server.py`) on the project of `synth_shared.py`.

Each build runs `lit regenerate -j N` from nothing on its own copy, with the stand-in's cache emptied before it;
the token counts are the stand-in's records of that build. Billed input is in uncached-token equivalents
(input + 1.25 x cache writes + 0.1 x cache reads), so 1.00x of the tokens sent is what no caching would cost;
dollars use the model's prices in lit_providers/prices.toml. lit is driven only through its command line.
"""

from __future__ import annotations

import itertools
import shutil
import statistics
import tomllib
from datetime import date
from pathlib import Path

from cache_batches import PARALLEL
from cache_server import CacheServer, Latency, Record
from harness import PY, REPO, RUN_LIT, settle, timed
from synth_shared import KEY_ENV, MODEL, generate

JOBS: tuple[int | str, ...] = (8, 1, "batch")
OUTPUT_BYTES = 12_000
LATENCY = Latency(base_s=0.2, per_input_token_s=0.00002, per_output_token_s=0.0003)
WRITE, READ = 1.25, 0.1  # cache write and read, in multiples of an uncached input token


def prices(model: str, today: date) -> dict[str, float]:
    """USD per million tokens: the entry of the longest matching prefix in effect `today`, as lit picks it."""
    table = tomllib.loads((REPO / "lit_providers" / "prices.toml").read_text())["price"]
    entries = [p for p in table if model.startswith(p["prefix"]) and date.fromisoformat(p["effective"]) <= today]
    best = max(entries, key=lambda p: (len(p["prefix"]), p["effective"]))
    batch = tomllib.loads((REPO / "lit_providers" / "prices.toml").read_text()).get("defaults", {}).get("batch", 1.0)
    return {k: best[k] for k in ("input", "output", "cache_write", "cache_read")} | {"batch": batch}


def figures(records: list[Record], price: dict[str, float]) -> dict:
    """The sums over one build's requests, billed input and dollars."""
    inp, write, read, out = (
        sum(getattr(r, k) for r in records)
        for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens")
    )
    written = [key for r in records for key in r.written]
    sent = inp + write + read
    billed = inp + WRITE * write + READ * read
    usd_input = (inp * price["input"] + write * price["cache_write"] + read * price["cache_read"]) / 1e6
    return {
        "requests": len(records),
        "input_tokens": inp,
        "cache_write_tokens": write,
        "cache_read_tokens": read,
        "output_tokens": out,
        "sent_tokens": sent,
        "billed_input_tokens": billed,
        "billed_ratio": billed / sent,
        "usd_input": usd_input,
        "usd": usd_input + out * price["output"] / 1e6,
        "entries_written": len(written),
        "distinct_prefixes_written": len(set(written)),
        "requests_reading": sum(r.cache_read_input_tokens > 0 for r in records),
    }


def import_sets(project: Path) -> list[tuple[str, ...]]:
    """Each prompt's imports, read from its frontmatter (`synth_shared.py` lists them one per line)."""
    sets = []
    for path in sorted((project / "prompts").rglob("*.prompt.md")):
        front = path.read_text().split("---\n")[1]
        sets.append(tuple(line[4:] for line in front.splitlines() if line.startswith("  - prompts/")))
    return [s for s in sets if s]


def prefix_trees(sets: list[tuple[str, ...]]) -> dict:
    """How many distinct import prefixes the requests start with, for every order of the imported prompts:
    each must be written to the cache once (or sent uncached), whatever the layout's order, so the smallest is
    a floor for any layout that sends a prompt its own imports and nothing else."""
    bases = sorted({b for s in sets for b in s})
    sizes = []
    for order in itertools.permutations(bases) if len(bases) <= 8 else [tuple(bases)]:
        rank = {b: i for i, b in enumerate(order)}
        prefixes = set()
        for imports in sets:
            ordered = sorted(imports, key=rank.__getitem__)
            prefixes.update(tuple(ordered[: i + 1]) for i in range(len(ordered)))
        sizes.append(len(prefixes))
    return {"orders": len(sizes), "smallest": min(sizes), "largest": max(sizes)}


def build(server: CacheServer, project: Path, jobs: int | str, prompts: int, price: dict[str, float]) -> dict:
    """A build at `-j jobs`, or with `--batch` when `jobs` is "batch" (priced at the batch rate)."""
    server.reset()
    mode = ["--batch", "--batch-poll", "0.2"] if jobs == "batch" else ["-j", str(jobs)]
    wall, err = timed([PY, RUN_LIT, "regenerate", *mode], project, {KEY_ENV: "not-a-real-key"})
    records = server.records()
    if len(records) != prompts or any(r.stop_reason != "end_turn" for r in records):
        raise SystemExit(f"expected {prompts} complete answers, the stand-in recorded {len(records)}:\n{err[-2000:]}")
    at = price if jobs != "batch" else {k: v * price["batch"] for k, v in price.items() if k != "batch"}
    return {"wall_s": wall, **figures(records, at)}


def bench_cache(work: Path, runs: int) -> dict:
    price = prices(MODEL, date.today())
    server = CacheServer(LATENCY, OUTPUT_BYTES).start()
    try:
        source = work / "shared-imports"
        shape = generate(source, server.url, max_concurrent=8)
        projects = {j: [Path(shutil.copytree(source, work / f"shared-j{j}-run{i}")) for i in range(runs)] for j in JOBS}
        settle()
        rows = []
        for jobs in JOBS:
            builds = [build(server, p, jobs, shape["prompts"], price) for p in projects[jobs]]
            ratios = [b["billed_ratio"] for b in builds]
            median_run = sorted(builds, key=lambda b: b["billed_ratio"])[len(builds) // 2]
            rows.append(
                {
                    "jobs": jobs,
                    **median_run,
                    "wall_s": statistics.median(b["wall_s"] for b in builds),
                    "ratio_min": min(ratios),
                    "ratio_max": max(ratios),
                    "builds": builds,
                }
            )
    finally:
        server.stop()
    return {
        "shape": shape,
        "prefix_trees": prefix_trees(import_sets(source)),
        "batch_parallel": PARALLEL,
        "output_bytes": OUTPUT_BYTES,
        "latency": vars(LATENCY),
        "prices": price,
        "rows": rows,
    }
