"""Synthetic lit projects for benchmarks: N prompts in a seeded random DAG, and the same graph as plain doit.

    python benchmarks/synth.py DIR --prompts 1000 --depth 8 --fan-in 3 --seed 1

writes DIR/lit (a lit project answered by the in-process `bench` provider), DIR/baseline (a plain doit
dodo.py with the same file_dep/targets and trivial actions), and DIR/graph.json (the shape, for the critical
path).
"""

from __future__ import annotations

import argparse
import json
import random
import textwrap
from pathlib import Path

WORDS = (
    "the service validates each request against the schema and returns a typed error when a field is "
    "missing or out of range; every public function has a docstring and type hints; "
).split()


def make_graph(n: int, depth: int, fan_in: int, seed: int) -> list[dict]:
    """Each prompt gets a level in [0, depth); imports come from lower levels (1..fan_in of them)."""
    rng = random.Random(seed)
    levels: list[list[int]] = [[] for _ in range(depth)]
    nodes = []
    for i in range(n):
        level = i % depth if i < depth else rng.randrange(depth)
        levels[level].append(i)
        nodes.append({"id": i, "level": level})
    for node in nodes:
        lower = [j for lv in range(node["level"]) for j in levels[lv]]
        chain = levels[node["level"] - 1] if node["level"] else []
        imports = set()
        if chain:
            imports.add(rng.choice(chain))  # guarantees the depth
            for _ in range(rng.randint(0, fan_in - 1)):
                imports.add(rng.choice(lower))
        node["imports"] = sorted(imports)
        node["outputs"] = [f"pkg{node['id'] // 100}/m{node['id']}_{k}.py" for k in range(rng.randint(1, 3))]
        node["words"] = rng.randint(150, 450)
    return nodes


def prompt_name(i: int) -> str:
    return f"prompts/g{i // 100}/p{i}.prompt.md"


def body(node: dict, rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(node["words"])]
    lines = [" ".join(words[k : k + 16]) for k in range(0, len(words), 16)]
    return f"# Module {node['id']}\n\n" + "\n".join(lines) + "\n"


def write_lit(root: Path, nodes: list[dict], seed: int, max_concurrent: int) -> None:
    rng = random.Random(seed + 1)
    (root / "prompts").mkdir(parents=True, exist_ok=True)
    (root / "lit.toml").write_text(
        textwrap.dedent(f"""\
        [project]
        name = "synthetic"

        [language]
        default = "python"
        version = "3.11"

        [model]
        provider = "bench"
        model = "bench-model"

        [model.api]
        max_concurrent = {max_concurrent}
        """)
    )
    for node in nodes:
        path = root / prompt_name(node["id"])
        path.parent.mkdir(parents=True, exist_ok=True)
        imports = "".join(f"\n  - {prompt_name(j)}" for j in node["imports"])
        outputs = "".join(f"\n  - {o}" for o in node["outputs"])
        path.write_text(f"---\noutputs:{outputs}\nimports:{imports or ' []'}\n---\n{body(node, rng)}")


BASELINE_DODO = '''"""Plain doit with the same task graph as the lit project: same file_dep and targets, trivial actions."""
import json
from pathlib import Path

DOIT_CONFIG = {"backend": "sqlite3", "dep_file": ".doit.sqlite", "verbosity": 0}
NODES = json.loads(Path("graph.json").read_text())


def prompt_name(i):
    return f"prompts/g{i // 100}/p{i}.prompt.md"


def write(targets):
    for target in targets:
        path = Path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {target}\\n")


def task_regenerate():
    by_id = {n["id"]: n for n in NODES}
    for node in NODES:
        deps = [prompt_name(node["id"])] + [f"code.lock/{o}" for j in node["imports"] for o in by_id[j]["outputs"]]
        yield {"name": prompt_name(node["id"]), "actions": [write], "file_dep": deps,
               "targets": [f"code.lock/{o}" for o in node["outputs"]]}
'''


def write_baseline(root: Path, lit_root: Path, nodes: list[dict]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "dodo.py").write_text(BASELINE_DODO)
    (root / "graph.json").write_text(json.dumps(nodes))
    prompts = root / "prompts"
    if not prompts.exists():
        prompts.symlink_to(lit_root / "prompts")


def critical_path(nodes: list[dict]) -> int:
    """Number of prompts on the longest import chain."""
    longest: dict[int, int] = {}
    for node in sorted(nodes, key=lambda n: n["level"]):
        longest[node["id"]] = 1 + max((longest[j] for j in node["imports"]), default=0)
    return max(longest.values())


def generate(directory: Path, n: int, depth: int, fan_in: int, seed: int, max_concurrent: int = 8) -> dict:
    nodes = make_graph(n, depth, fan_in, seed)
    write_lit(directory / "lit", nodes, seed, max_concurrent)
    write_baseline(directory / "baseline", (directory / "lit").resolve(), nodes)
    (directory / "graph.json").write_text(json.dumps(nodes))
    return {
        "prompts": n,
        "depth": critical_path(nodes),
        "edges": sum(len(x["imports"]) for x in nodes),
        "outputs": sum(len(x["outputs"]) for x in nodes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--prompts", type=int, default=1000)
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--fan-in", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-concurrent", type=int, default=8)
    args = parser.parse_args()
    print(json.dumps(generate(args.directory, args.prompts, args.depth, args.fan_in, args.seed, args.max_concurrent)))


if __name__ == "__main__":
    main()
