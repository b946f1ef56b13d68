"""`make -j 8` over `lit makedeps` rules against `lit regenerate -j 8`, on the same graph and provider.

The graph is example_project's (12 prompts, 5 levels), answered by the in-process bench provider after a set
latency. Make runs one `lit regenerate <prompt>` process per prompt, so each level of the graph pays a
process start, imports and a project load on top of the call; lit pays them once.
"""

from __future__ import annotations

import json
import shutil
import statistics
from pathlib import Path

from harness import PY, REPO, RUN_LIT, run, settle, timed

JOBS = 8
LATENCIES = (2.0, 10.0)


def fresh_copy(work: Path, name: str) -> Path:
    """example_project without its generated code and state, answered by the bench provider."""
    project = work / name
    shutil.copytree(
        REPO / "example_project", project, ignore=shutil.ignore_patterns(".lit", "code.lock", "__pycache__")
    )
    config = project / "lit.toml"
    config.write_text(config.read_text().replace('provider = "replay"', 'provider = "bench"'))
    return project


def makefile(project: Path) -> None:
    rules = run([PY, RUN_LIT, "makedeps", "--target", "code"], project).stdout
    (project / "lit.mk").write_text(rules)
    (project / "Makefile").write_text("include lit.mk\n\nall: code\n")


def generations(project: Path) -> int:
    return sum(
        entry["role"] == "generate"
        for path in (project / ".lit/generations").glob("*.json")
        for entry in json.loads(path.read_text())["prompts"]
    )


def bench_make(work: Path, runs: int) -> dict:
    rows = []
    for latency in LATENCIES:
        env = {"BENCH_LATENCY": str(latency)}
        lit_copies = [fresh_copy(work, f"lit-{latency}-{i}") for i in range(runs)]
        make_copies = [fresh_copy(work, f"make-{latency}-{i}") for i in range(runs)]
        for project in make_copies:
            makefile(project)  # `lit makedeps` reads the project: done before timing, like a committed lit.mk
        settle()
        lit = [timed([PY, RUN_LIT, "regenerate", "-j", str(JOBS)], p, env)[0] for p in lit_copies]
        make = [timed(["make", "-j", str(JOBS), f"LIT={PY} {RUN_LIT}"], p, env)[0] for p in make_copies]
        rows.append(
            {
                "latency_s": latency,
                "lit_s": statistics.median(lit),
                "make_s": statistics.median(make),
                "lit_runs_s": lit,
                "make_runs_s": make,
                "lit_calls": max(generations(p) for p in lit_copies),
                "make_calls": max(generations(p) for p in make_copies),
            }
        )
    one_prompt = [PY, RUN_LIT, "regenerate", "prompts/core/dates.prompt.md"]
    no_op = statistics.median(timed(one_prompt, lit_copies[0])[0] for _ in range(runs))
    return {"jobs": JOBS, "prompts": 12, "depth": 5, "rows": rows, "recipe_no_op_s": no_op}
