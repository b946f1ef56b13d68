"""Cold parse of every frontmatter of the N=1000 synthetic project, with whatever YAML loader lit has installed.

    python benchmarks/parse.py [--prompts 1000] [--runs 7]

A first build, or any command after a pull, parses every changed prompt in a fresh process: what this measures
is that, importing the YAML library included. Each run is a separate process that reads the prompts of the
project `bench.py` builds at that size (`synth.generate`, same seed), then times `lit_tasks.prompt.load_yaml`
over all of their frontmatters twice: cold (the first pass, which imports the loader) and warm (the second).
Prints the medians over `--runs` processes as JSON, with the loader that was used.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synth import generate  # noqa: E402

# As bench.py measures: with bytecode caches, whatever this machine's PYTHONDONTWRITEBYTECODE says.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
C_LOADERS = {
    "_ruamel_yaml": "ruamel.yaml on ruamel.yaml.clib (libyaml)",
    "_ruamel_yaml_clibz": "ruamel.yaml on ruamel.yaml.clibz (libyaml)",
    "yaml._yaml": "PyYAML CSafeLoader (libyaml)",
}


def frontmatters(project: Path) -> list[tuple[str, str, int]]:
    from lit_tasks.model.prompt import decode, split_frontmatter

    found = []
    for path in sorted((project / "prompts").rglob("*.prompt.md")):
        rel = path.relative_to(project).as_posix()
        yaml_text, _, line, _ = split_frontmatter(decode(path.read_bytes(), rel), rel)
        found.append((yaml_text, rel, line))
    return found


def child(project: Path) -> None:
    """One measured process: prints {"cold_s", "warm_s", "loader", "lit"} on stdout."""
    documents = frontmatters(project)
    from lit_tasks.model.prompt import load_yaml

    passes = []
    for _ in range(2):
        start = time.perf_counter()
        for yaml_text, rel, line in documents:
            load_yaml(yaml_text, rel, line)
        passes.append(time.perf_counter() - start)
    loader = next((name for module, name in C_LOADERS.items() if module in sys.modules), "pure Python")
    import lit_tasks

    print(json.dumps({"cold_s": passes[0], "warm_s": passes[1], "loader": loader, "lit": lit_tasks.__file__}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    with tempfile.TemporaryDirectory(prefix="lit-parse-") as work:
        root = Path(work)
        generate(root, args.prompts, depth=8, fan_in=3, seed=args.prompts)  # as bench.py builds this size
        cmd = [sys.executable, __file__, "--child", str(root / "lit")]
        runs = []
        for _ in range(args.runs):
            out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=ENV)
            runs.append(json.loads(out.stdout))
    cold, warm = statistics.median(r["cold_s"] for r in runs), statistics.median(r["warm_s"] for r in runs)
    summary = {
        "prompts": args.prompts,
        "runs": args.runs,
        "loader": runs[0]["loader"],
        "lit": runs[0]["lit"],
        "cold_s": round(cold, 4),
        "warm_s": round(warm, 4),
        "warm_ms_per_frontmatter": round(warm / args.prompts * 1000, 4),
        "cold_runs_s": [round(r["cold_s"], 4) for r in runs],
        "warm_runs_s": [round(r["warm_s"], 4) for r in runs],
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
