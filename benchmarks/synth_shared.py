"""A lit project whose prompts share imports, answered by Anthropic's API at a given URL (the caching stand-in):
the project on which what prompt caching saves is measured.

    python benchmarks/synth_shared.py DIR --base-url http://127.0.0.1:8765

`bases` prompts import nothing; each of `importers` prompts imports `fan_in` of them (a seeded choice). Every
prompt declares one output. How big the outputs are is the stand-in's setting (`--output-bytes`), not the
project's. The model is one that lit's price table knows, so lit's own cost figures apply too.
"""

from __future__ import annotations

import argparse
import json
import random
import textwrap
from pathlib import Path

MODEL = "claude-sonnet-5"
KEY_ENV = "LIT_BENCH_ANTHROPIC_KEY"  # the stand-in ignores the key; lit wants one for a non-local endpoint
WORDS = (
    "the module validates each record against the schema and returns a typed error when a field is missing "
    "or out of range; every public function has a docstring and type hints; use the imported interfaces as "
    "written and keep the functions small and pure where the domain allows it"
).split()


def body(title: str, rng: random.Random, words: int = 200) -> str:
    chosen = [rng.choice(WORDS) for _ in range(words)]
    return f"# {title}\n\n" + "\n".join(" ".join(chosen[k : k + 16]) for k in range(0, words, 16)) + "\n"


def lit_toml(base_url: str, max_concurrent: int) -> str:
    return textwrap.dedent(f"""\
        [project]
        name = "shared-imports"

        [language]
        default = "python"
        version = "3.11"

        [model]
        provider = "anthropic"
        model = "{MODEL}"

        [model.api]
        base_url = "{base_url}"
        key_env = "{KEY_ENV}"
        max_concurrent = {max_concurrent}
        """)


def generate(
    root: Path,
    base_url: str,
    bases: int = 6,
    importers: int = 40,
    fan_in: int = 3,
    seed: int = 1,
    max_concurrent: int = 8,
) -> dict:
    """Write the project under `root`; returns its shape."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    (root / "lit.toml").write_text(lit_toml(base_url, max_concurrent))
    prompts = {}
    for i in range(bases):
        prompts[f"prompts/base/b{i}.prompt.md"] = ([f"base/b{i}.py"], [], body(f"Base module {i}", rng))
    import_sets = []
    for j in range(importers):
        chosen = sorted(rng.sample(range(bases), fan_in))
        import_sets.append(chosen)
        imports = [f"prompts/base/b{i}.prompt.md" for i in chosen]
        prompts[f"prompts/feature/f{j}.prompt.md"] = ([f"feature/f{j}.py"], imports, body(f"Feature {j}", rng))
    for name, (outputs, imports, text) in prompts.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        listed = "".join(f"\n  - {i}" for i in imports) or " []"
        path.write_text(f"---\noutputs:\n  - {outputs[0]}\nimports:{listed}\n---\n{text}")
    return {
        "prompts": len(prompts),
        "bases": bases,
        "importers": importers,
        "fan_in": fan_in,
        "distinct_import_sets": len({tuple(s) for s in import_sets}),
        "model": MODEL,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--bases", type=int, default=6)
    parser.add_argument("--importers", type=int, default=40)
    parser.add_argument("--fan-in", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    shape = generate(args.directory, args.base_url, args.bases, args.importers, args.fan_in, args.seed)
    print(json.dumps(shape))


if __name__ == "__main__":
    main()
