"""How close lit's first-build estimate (`lit regenerate --dry-run`, the plan) is to what the build then costs.

    python benchmarks/bench_estimate.py

example_project (12 prompts, 14 files) is built from scratch against the local stand-in of the Messages API
(`tests/fake_llm.py`), which answers with the example's own stored answers and counts tokens as a quarter of
the characters of the request and of the answer; priced at $3 / $15 per million tokens. The estimate is the plan
made before the build; the cost is `lit cost` after it. "Before" is the estimate as it was made until this
change (a never-built prompt's answer counted at `max_tokens`), reproduced by setting the typical file size to
`max_tokens` x 4 bytes.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lit_tasks.commands.cli import main  # noqa: E402
from lit_tasks.engine import run_plan  # noqa: E402
from lit_tasks.engine.run_plan import make_plan  # noqa: E402
from lit_tasks.llm import budget  # noqa: E402
from lit_tasks.state.index import LazyProject  # noqa: E402
from tests.fake_llm import FakeLLM  # noqa: E402

PRICING = "\n[model.pricing]\ninput_per_million = 3.0\noutput_per_million = 15.0\n"


def example_on(fake: FakeLLM, root: Path) -> None:
    shutil.copytree(REPO / "example_project", root, ignore=shutil.ignore_patterns(".lit", "code.lock", "__pycache__"))
    config = (root / "lit.toml").read_text().replace('provider = "replay"', 'provider = "anthropic"')
    (root / "lit.toml").write_text(
        config + f'\n[model.api]\nbase_url = "{fake.url}"\nkey_env = "BENCH_KEY"\n' + PRICING
    )
    answers = {}
    for stored in (root / "replay").rglob("*.response.md"):
        text = stored.read_text()
        answers[text.split("=== FILE: ", 1)[1].split(" ===", 1)[0]] = text
    fake.answer_with(lambda call: answers[call.declared[0]])


def lit(root: Path, *argv: str) -> str:
    out, old = StringIO(), os.getcwd()
    os.chdir(root)
    try:
        with redirect_stdout(out), redirect_stderr(StringIO()):
            main(list(argv))
    finally:
        os.chdir(old)
    return out.getvalue()


def estimate(root: Path, bytes_per_output: int) -> float:
    saved = budget.BYTES_PER_OUTPUT
    budget.BYTES_PER_OUTPUT = run_plan.BYTES_PER_OUTPUT = bytes_per_output
    try:
        return make_plan(LazyProject.load(root)).estimate
    finally:
        budget.BYTES_PER_OUTPUT = run_plan.BYTES_PER_OUTPUT = saved


def measure() -> dict[str, float]:
    os.environ["BENCH_KEY"] = "sk-bench-not-a-real-key"
    fake = FakeLLM().start()
    try:
        with tempfile.TemporaryDirectory() as work:
            root = Path(work) / "taskbook"
            example_on(fake, root)
            max_tokens = (
                LazyProject.load(root).project.settings(next(iter(LazyProject.load(root).index.order))).max_tokens
            )
            before, now = estimate(root, max_tokens * 4), estimate(root, budget.BYTES_PER_OUTPUT)
            lit(root, "regenerate", "-j", "4")
            cost = json.loads(lit(root, "cost", "--json"))["total"]["cost_usd"]
    finally:
        fake.stop()
    return {
        "cost_usd": cost,
        "estimate_usd": now,
        "ratio": now / cost,
        "before_usd": before,
        "before_ratio": before / cost,
    }


if __name__ == "__main__":
    figures = measure()
    print(json.dumps({k: round(v, 4) for k, v in figures.items()}, indent=2))
