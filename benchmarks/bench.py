"""lit's benchmark: overhead against plain doit, the critical path, calls per change, and input billed with prompt
caching.

    python benchmarks/bench.py [--sizes 100 1000 5000] [--runs 5] [--out benchmarks/results.json]

Every figure is a median of `--runs` process runs, measured in the same invocation as its baseline. Writes
`results.json`, `docs/performance.md` (tables, machine, date, commands) and `docs/noop-vs-n.png`.
Not part of `make test`: run it with `make bench` or `doit bench`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import DOIT, ENV, HERE, PEAK_MB, PY, REPO, RUN_LIT, machine, peak_of, run, settle, timed  # noqa: E402
from synth import generate, prompt_name  # noqa: E402

TWO_LINE_DODO = "from lit_tasks import DOIT_CONFIG, task_regenerate  # noqa: F401\n"


def copies(project: Path, runs: int) -> list[Path]:
    """`runs` copies of `project`, made before the first timed build: each build runs on its own copy and
    nothing is deleted while measuring, since on this machine's disk what a file creation costs depends on
    the deletions before it (see `bench_file_creation`)."""
    made = []
    for i in range(runs):
        copy = project.with_name(f"{project.name}-run{i}")
        shutil.copytree(project, copy, symlinks=True)
        made.append(copy)
    settle()
    return made


def median_build(cmd: list[str], projects: list[Path], env: dict[str, str] | None = None) -> tuple[float, list[str]]:
    """The median time of `cmd` run once in each project (a project may be listed more than once), and what
    each run printed on stderr."""
    runs = [timed(cmd, project, env) for project in projects]
    return statistics.median(t for t, _ in runs), [err for _, err in runs]


def calls(stderr: str) -> int:
    match = re.search(r"bench-calls: (\d+)", stderr)
    return int(match.group(1)) if match else -1


GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com"}
GIT_ENV |= {"GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}


def git_clones(lit: Path, runs: int) -> list[Path]:
    """`runs` real `git clone`s of the built project, committed as a team commits it: no doit DB and nothing of
    `.lit/`'s local state (`.lit/.gitignore`). All are made before the first timed run."""
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "built"]):
        run(cmd, lit, GIT_ENV)
    clones = [lit.with_name(f"{lit.name}-clone{i}") for i in range(runs)]
    for clone in clones:
        run(["git", "clone", "-q", str(lit), str(clone)], lit.parent)
    return clones


def leaf_of(root: Path) -> str:
    """A prompt that no prompt imports, of the synthetic project at `root`."""
    nodes = json.loads((root / "graph.json").read_text())
    imported = {j for node in nodes for j in node["imports"]}
    return prompt_name(next(node["id"] for node in nodes if node["id"] not in imported))


class Paired:
    """Each measured command run once per round, the rounds one after another: every figure of a round is taken
    under the same conditions as its baseline (this machine's speed drifts by a third over minutes)."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}
        self.peaks: dict[str, list[float]] = {}
        self.calls: dict[str, list[int]] = {}

    def time(self, name: str, cmd: list[str], cwd: Path) -> int:
        """Run `cmd` in `cwd` as figure `name`; returns the calls it made."""
        elapsed, err = timed(cmd, cwd)
        self.times.setdefault(name, []).append(elapsed)
        self.peaks.setdefault(name, []).append(PEAK_MB[-1])
        made = calls(err)
        self.calls.setdefault(name, []).append(made)
        return made

    def median(self, name: str) -> float:
        return statistics.median(self.times[name])


def bench_size(n: int, runs: int, work: Path) -> dict:
    root = work / f"n{n}"
    shape = generate(root, n, depth=8, fan_in=3, seed=n)
    (root / "lit" / "dodo.py").write_text(TWO_LINE_DODO)
    lit_copies, base_copies = copies(root / "lit", runs), copies(root / "baseline", runs)
    first_build, _ = median_build([PY, RUN_LIT, "regenerate", "-j", "1"], lit_copies)
    first_peak = peak_of(runs)
    base_first, _ = median_build([DOIT], base_copies)
    lit, base = lit_copies[0], base_copies[0]  # built: the no-op, check and clone runs use them
    assert (lit / ".lit/lock").is_dir() and len(list((lit / "code.lock").rglob("*.py"))) == shape["outputs"]
    fresh, edited = lit_copies[min(1, runs - 1)], lit_copies[-1]  # no doit DB; one leaf edited per round
    clones = git_clones(lit, runs)
    leaf = edited / leaf_of(root)
    settle()
    rounds = Paired()
    for i in range(runs):
        rounds.time("baseline_noop_s", [DOIT], base)
        rounds.time("noop_lit_s", [PY, RUN_LIT, "regenerate"], lit)
        rounds.time("noop_doit_s", [DOIT, "regenerate"], lit)
        rounds.time("check_s", [PY, RUN_LIT, "check"], lit)
        rounds.time("clone_s", [PY, RUN_LIT, "regenerate"], clones[i])
        (fresh / ".lit" / "doit.sqlite").unlink(missing_ok=True)  # a run the lock proves current writes none
        rounds.time("fresh_clone_s", [PY, RUN_LIT, "regenerate"], fresh)
        leaf.write_text(leaf.read_text() + f"\nOne more requirement, number {i}.\n")
        if rounds.time("leaf_edit_s", [PY, RUN_LIT, "regenerate"], edited) != 1:
            raise SystemExit(f"editing {leaf} did not make exactly 1 call")
    noop_lit = rounds.median("noop_lit_s")
    return {
        "n": n,
        "shape": shape,
        "first_build_s": first_build,
        **{name: rounds.median(name) for name in rounds.times},
        "fresh_clone_calls": max(rounds.calls["fresh_clone_s"]),
        "clone_calls": max(rounds.calls["clone_s"]),
        "baseline_first_s": base_first,
        "overhead_per_prompt_ms": (first_build - noop_lit) / n * 1000,
        "peak_mb": {
            "first_build": first_peak,
            "noop": max(rounds.peaks["noop_lit_s"]),
            "clone": max(rounds.peaks["clone_s"]),
        },
        "paired_rounds": runs,
    }


def bench_parallel(work: Path, runs: int, latency: float = 0.5, n: int = 200, depth: int = 6, jobs: int = 32) -> dict:
    root = work / "parallel"
    shape = generate(root, n, depth=depth, fan_in=3, seed=7, max_concurrent=jobs)
    env = {"BENCH_LATENCY": str(latency)}
    projects = copies(root / "lit", runs)
    wall, errs = median_build([PY, RUN_LIT, "regenerate", "-j", str(jobs)], projects, env)
    builds = [schedule_seconds(project) for project in projects]
    bound = shape["depth"] * latency
    capacity = math.ceil(n / jobs) * latency  # every call takes `latency`: some slot makes ceil(n/jobs) of them
    return {
        "n": n,
        "depth": shape["depth"],
        "latency_s": latency,
        "jobs": jobs,
        "build_s": statistics.median(builds),
        "wall_s": wall,
        "critical_path_s": bound,
        "capacity_bound_s": capacity,
        "lower_bound_s": max(bound, capacity),
        "ratio": statistics.median(builds) / bound,
        "builds_s": builds,
        "calls": calls(errs[-1]),
    }


def schedule_seconds(project: Path) -> float:
    """From the first call's start to the last answer, as the run's generation record has them (to the
    millisecond; lit's summary line rounds to 0.1 s, coarser than the target it is compared with)."""
    record = max((project / ".lit" / "generations").glob("*.json"))  # the only run in this copy
    prompts = json.loads(record.read_text())["prompts"]
    ends = [datetime.fromisoformat(p["finished"].replace("Z", "+00:00")).timestamp() for p in prompts]
    starts = [end - p["seconds"] for end, p in zip(ends, prompts, strict=True)]
    return round(max(ends) - min(starts), 3)


def create_cost(directory: Path, files: int = 2000) -> float:
    """Median milliseconds to create one new file as lit does (a temp file, written, renamed into place)."""
    directory.mkdir(parents=True)
    times = []
    for i in range(files):
        start = time.perf_counter()
        tmp = directory / f".f{i}.tmp"
        tmp.write_bytes(b"x" * 400)
        tmp.replace(directory / f"f{i}.py")
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def bench_file_creation(work: Path, deleted: int = 12000, wait: float = 60.0) -> dict:
    """What creating a file costs on this machine's disk when idle, right after a mass deletion, and `wait`
    seconds later: the reason every timed build runs on a copy made beforehand (see `copies`)."""
    idle = create_cost(work / "create-idle")
    doomed = work / "doomed"
    for i in range(deleted):
        path = doomed / f"d{i // 100}" / f"f{i}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * 400)
    settle()
    shutil.rmtree(doomed)
    os.sync()
    after = create_cost(work / "create-after-delete")
    time.sleep(wait)
    later = create_cost(work / "create-later")
    return {"deleted_files": deleted, "idle_ms": idle, "after_delete_ms": after, "wait_s": wait, "later_ms": later}


def bench_calls_per_change(work: Path) -> dict:
    """example_project: a root prompt edited without / with a change in its output."""
    project = work / "example"
    shutil.copytree(REPO / "example_project", project, ignore=shutil.ignore_patterns("doit.sqlite*", "cache"))
    root_prompt = project / "prompts/core/models.prompt.md"
    root_replay = project / "replay/prompts/core/models.response.md"

    def run() -> int:
        _, err = timed([PY, RUN_LIT, "regenerate", "-j", "4"], project)
        match = re.search(r"(\d+) generated \((\d+) calls?", err)
        return int(match.group(2)) if match else 0

    from lit_tasks.model.project import load_project

    graph = load_project(project).graph
    key = "prompts/core/models.prompt.md"
    dependents = {key}
    stack = [key]
    while stack:
        for d in graph.dependents[stack.pop()]:
            if d not in dependents:
                dependents.add(d)
                stack.append(d)
    root_prompt.write_text(root_prompt.read_text() + "\nWrite clear docstrings.\n")
    identical = run()
    root_replay.write_text(
        root_replay.read_text().replace('"""The task record and its priorities."""', '"""Tasks and priorities."""')
    )
    root_prompt.write_text(root_prompt.read_text() + "\nShorter module docstring.\n")
    changed = run()
    direct = len(graph.dependents[key])
    return {
        "prompts": len(graph.prompts),
        "identical_output_calls": identical,
        "changed_output_calls": changed,
        "direct_dependents": direct,
        "lit_v1_calls": len(dependents),
    }


def profile(cmd: list[str], cwd: Path, out: Path, functions: str, limit: int) -> tuple[str, dict[str, float]]:
    """The profile of `cmd` (cumulative, `functions` only), and the cumulative seconds of each function named
    `file:function` in PHASES."""
    timed([PY, *cmd], cwd, {"BENCH_PROFILE": str(out)})  # cmd: run_lit.py and its arguments
    import io
    import pstats

    buffer = io.StringIO()
    stats = pstats.Stats(str(out), stream=buffer)
    stats.sort_stats("cumulative").print_stats(functions, limit)
    text = buffer.getvalue()
    phases = {
        name: max(
            (row[3] for (file, _, func), row in stats.stats.items() if file.endswith(where) and func == fn), default=0.0
        )
        for name, (where, fn) in PHASES.items()
    }
    return text[text.index("ncalls") :], phases


PHASES = {  # where a clone's time goes, by the function that spends it
    "total": ("commands/cli.py", "main"),
    "load": ("state/index.py", "_load"),
    "parse": ("model/project.py", "assemble_project"),
    "entries": ("state/lock_proof.py", "index_from_lock"),
    "status": ("state/status.py", "project_status"),
    "hash": ("io/hashing.py", "_read_all"),
    "locks": ("state/lock.py", "reread"),
}


def profile_clone(work: Path, n: int) -> dict:
    """`lit regenerate` in a real `git clone` of the built, committed project of size `n` (`git_clones`)."""
    built = work / f"n{n}" / "lit-run0"
    clone = built.with_name("lit-profiled-clone")
    shutil.rmtree(clone, ignore_errors=True)
    run(["git", "clone", "-q", str(built), str(clone)], built.parent)
    settle()
    text, phases = profile(
        [RUN_LIT, "regenerate"], clone, work / "clone.prof", r"lit_tasks|doit/(runner|loader|dependency)|providers", 25
    )
    return {"n": n, "text": text, "phases": phases}


def profile_first_build(work: Path, n: int = 1000) -> str:
    root = work / f"first{n}"
    generate(root, n, depth=8, fan_in=3, seed=n)
    settle()
    return profile([RUN_LIT, "regenerate", "-j", "1"], root / "lit", work / "first.prof", r"lit_tasks", 30)[0]


def profiles(args: argparse.Namespace, work: Path) -> dict:
    n = max(args.sizes)
    if not (work / f"n{n}" / "lit-run0").exists():
        bench_size(n, 1, work)  # the built project the clone profile runs in
    return {"profile_clone": profile_clone(work, n), "profile_first": profile_first_build(work)}


def section(module: str, function: str, max_runs: int) -> Callable[[argparse.Namespace, Path], dict]:
    """A section measured by a module of its own, imported only when it runs."""

    def measure(args: argparse.Namespace, work: Path) -> dict:
        bench = getattr(importlib.import_module(module), function)
        return {module.removeprefix("bench_"): bench(work, min(args.runs, max_runs))}

    return measure


# Each section measures into its own keys of results.json; file creation last: it deletes thousands of files.
SECTIONS: dict[str, Callable[[argparse.Namespace, Path], dict]] = {
    "sizes": lambda args, work: {"sizes": [bench_size(n, args.runs, work) for n in args.sizes]},
    "parallel": lambda args, work: {"parallel": bench_parallel(work, args.runs)},
    "calls_per_change": lambda args, work: {"calls_per_change": bench_calls_per_change(work)},
    "profiles": profiles,
    "make": section("bench_make", "bench_make", 3),
    "cache": section("bench_cache", "bench_cache", 3),
    "startup": section("bench_startup", "bench_startup", 7),
    "file_creation": lambda args, work: {"file_creation": bench_file_creation(work)},
}


def run_section(name: str, args: argparse.Namespace, work: Path, results: dict) -> None:
    """Measure a section into `results`; sizes measured before and not now keep their rows (`make bench-large`
    adds N=20,000 to the others)."""
    print(f"{name} ...", file=sys.stderr)
    kept = [s for s in results.get("sizes", []) if s["n"] not in args.sizes] if name == "sizes" else []
    results.update(SECTIONS[name](args, work))
    if kept:
        results["sizes"] = sorted(kept + results["sizes"], key=lambda s: s["n"])
    results.setdefault("measured", {})[name] = machine()["date"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SECTIONS,
        help="measure only these sections; the others keep their figures from --out (each section is dated)",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lit-bench-"))
    subprocess.run(
        [PY, "-m", "compileall", "-q", str(REPO / "lit_tasks"), str(REPO / "lit_providers"), str(HERE)], env=ENV
    )
    try:
        results = json.loads(args.out.read_text()) if args.only else {"machine": machine(), "runs": args.runs}
        for name in [s for s in SECTIONS if s in (args.only or SECTIONS)]:
            run_section(name, args, work, results)
        args.out.write_text(json.dumps(results, indent=2) + "\n")
        from report import write_report

        write_report(results, REPO / "docs")
        print(json.dumps({k: v for k, v in results.items() if not k.startswith("profile")}, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
