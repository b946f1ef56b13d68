"""`lit regenerate`: run the doit tasks of the selected prompts and what they import."""

from __future__ import annotations

import argparse
import os
import time
from typing import TYPE_CHECKING

from lit_tasks.commands.common import add_parser, load_lazy_here, select_prompts
from lit_tasks.io import progress
from lit_tasks.io.errors import LitError, UsageError
from lit_tasks.state import locks

if TYPE_CHECKING:
    from lit_tasks.engine.options import RunOptions
    from lit_tasks.engine.run_plan import Plan
    from lit_tasks.llm.batcher import Batcher
    from lit_tasks.llm.budget import Budget
    from lit_tasks.state.index import LazyProject

MAX_BATCH_JOBS = 512  # threads doit may run in batch mode: a wider wave goes out as more than one batch

EXAMPLES = """\
  lit regenerate                      generate every stale prompt of the project
  lit regenerate -j 8                 ... with up to 8 prompts in flight at once
  lit regenerate prompts/api          the prompts under prompts/api and what they import
  lit regenerate prompts/cli.prompt.md --force
                                      regenerate one prompt even if up to date (and over hand edits)
  lit regenerate --dry-run            print the plan (what would regenerate, why, its estimated cost)
  lit regenerate --max-cost 2.50      refuse to start, or stop starting prompts, beyond $2.50
  lit regenerate --batch              send each wave of prompts as one Message Batch: half price, slower
"""


def register(commands: argparse._SubParsersAction) -> None:
    p = add_parser(
        commands,
        "regenerate",
        "generate code.lock/ from the prompts (runs the doit tasks)",
        "Generate what is stale, in dependency order, in parallel, skipping what is up to date. "
        "Outputs no prompt declares any more are removed first (unless edited by hand).",
        EXAMPLES,
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="prompt files or directories (default: all)")
    p.add_argument(
        "-j", "--jobs", type=int, metavar="N", help="prompts generated at once (default 4; with --batch, all of them)"
    )
    p.add_argument(
        "--force", action="store_true", help="regenerate the selected prompts even if up to date, over hand edits"
    )
    p.add_argument("--no-cache", action="store_true", help="do not answer from the local response cache")
    p.add_argument("--all", action="store_true", help="all prompts (the default; kept for lit v1 scripts)")
    p.add_argument("--dry-run", action="store_true", help="print the plan and stop; makes no call")
    p.add_argument(
        "--static-only",
        action="store_true",
        help="only write lit.toml's [[static]] files (every run writes them; `lit makedeps` rules use this)",
    )
    p.add_argument(
        "--max-cost", type=float, metavar="USD", help="spending limit for this run ([budget] max_usd_per_run)"
    )
    p.add_argument(
        "--batch",
        action="store_true",
        help="send each wave of ready prompts as one batch (Anthropic Message Batches): half the price, answers "
        "within 24 hours; a killed run's batch is picked up by the next run",
    )
    p.add_argument(
        "--batch-poll",
        type=float,
        metavar="S",
        help="how often, in seconds, to ask whether a batch has ended (default 30)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    lazy, cwd = load_lazy_here()
    keys = select_prompts(lazy, args.paths, cwd)
    return regenerate(
        lazy,
        keys,
        jobs=args.jobs,
        force=args.force,
        use_cache=not args.no_cache,
        dry_run=args.dry_run,
        max_cost=args.max_cost,
        static_only=args.static_only,
        batch=args.batch,
        batch_poll_s=args.batch_poll,
    )


def regenerate(
    lazy: LazyProject,
    keys: list[str],
    *,
    jobs: int | None = None,
    force: bool = False,
    use_cache: bool = True,
    dry_run: bool = False,
    max_cost: float | None = None,
    static_only: bool = False,
    batch: bool = False,
    batch_poll_s: float | None = None,
) -> int:
    """The whole regenerate flow, shared with `lit commit`: the no-op proof, plan and budget, orphans, doit."""
    started = time.time()
    if jobs is not None and jobs < 1:
        raise UsageError("-j/--jobs must be at least 1")
    if batch_poll_s is not None and batch_poll_s <= 0:
        raise UsageError("--batch-poll must be more than 0 seconds")
    if not lazy.index.prompts:
        progress.emit(
            "note", "no prompts yet: write prompts/<name>.prompt.md (frontmatter `outputs:`, then the specification)"
        )
        return 0
    if static_only and keys:
        raise UsageError("--static-only writes lit.toml's static files only; give no PATH with it")
    if max_cost is not None and max_cost < 0:
        raise UsageError(f"--max-cost {max_cost:g}: a spending limit is a number of dollars, 0 or more")
    if not (force or dry_run or static_only) and nothing_to_do(lazy, keys, started):
        return 0
    forced = frozenset(keys or lazy.index.order) if force else frozenset()  # the prompts named, not their imports
    from lit_tasks.engine.options import RunOptions

    batching = batch and not static_only
    wave = batch_preflight(lazy, keys) if batching else 4
    jobs = jobs or wave

    budget = None
    if not static_only and (dry_run or max_cost is not None or lazy.index.max_usd_per_run is not None):
        plan = planned(lazy, keys, forced)
        if dry_run:
            print("\n".join(batch_priced(plan, batching).lines()))
            return 0
        limit = max_cost if max_cost is not None else lazy.project.config.budget.max_usd_per_run
        budget = within_budget(batch_priced(plan, batching), limit)
    options = RunOptions(
        use_cache=use_cache, forced=forced, budget=budget, started=started, **batch_options(batching, batch_poll_s)
    )
    return run_registered(lazy, keys, jobs, options, static_only)


def nothing_to_do(lazy: LazyProject, keys: list[str], started: float) -> bool:
    """When the last full run's proof holds, say so: doit need not even be loaded."""
    from lit_tasks.state.up_to_date import is_up_to_date

    if not is_up_to_date(lazy.root, lazy.index):
        return False
    selected = len(lazy.index.closure(keys)) if keys else len(lazy.index.prompts)
    seconds = time.time() - started
    progress.emit("summary", f"{progress.plural(selected, 'prompt')} up to date, nothing to do ({seconds:.1f}s)")
    return True


def planned(lazy: LazyProject, keys: list[str], forced: frozenset[str]) -> Plan:
    from lit_tasks.engine.run_plan import make_plan

    return make_plan(lazy, keys or None, forced=forced)


def within_budget(plan: Plan, limit: float) -> Budget:
    """The run's budget, after printing the plan; refuses a plan estimated over the limit, or unpriced."""
    from lit_tasks.llm.budget import Budget

    for line in plan.lines():
        progress.emit("note", line)
    if plan.unpriced:
        raise UsageError(
            f"no price is known for the model of {plan.unpriced[0]}; set [model.pricing] to use a spending limit"
        )
    if plan.estimate > limit:
        raise LitError(
            f"the plan is estimated at {progress.money(plan.estimate)}, over the limit of {progress.money(limit)}; "
            "raise --max-cost, or regenerate fewer prompts (lit regenerate PATH)"
        )
    return Budget(limit)


def run_registered(lazy: LazyProject, keys: list[str], jobs: int, options: RunOptions, static_only: bool) -> int:
    """Run doit as a registered run: orphans removed first, the no-op proof recorded after a full success."""
    from lit_tasks.engine.runner import run_doit
    from lit_tasks.state.orphans import remove_orphans
    from lit_tasks.state.up_to_date import record_up_to_date

    locks.join_run(lazy.root)
    old = os.getcwd()
    try:
        removed, kept = remove_orphans(lazy.root, lazy.index)
        for orphan in removed:
            progress.emit("note", f"removed code.lock/{orphan.path}: no prompt declares it (was {orphan.prompt})")
        for orphan in kept:
            progress.emit("warn", f"kept code.lock/{orphan.path}: no prompt declares it, but it was edited by hand")
        os.chdir(lazy.root)
        rc = run_doit(lazy, keys, jobs=jobs, options=options, static_only=static_only)
        if rc == 0 and not keys and not static_only:
            record_up_to_date(lazy.root, lazy.index)
        return rc
    finally:
        os.chdir(old)
        locks.leave_run(lazy.root)


def batch_preflight(lazy: LazyProject, keys: list[str]) -> int:
    """`--batch` needs a batch API for every provider the run may call (local ones never batch); returns the
    default -j: every task of the selection at once, so that a whole wave can wait in one batch."""
    from lit_tasks.llm.batch_api import supports_batch

    project = lazy.project
    selected = sorted(project.graph.closure(keys)) if keys else list(project.graph.order)
    verified = [key for key in selected if project.verify_commands(key) or project.review_enabled(key)]
    for key in selected:
        roles = [
            "generate",
            *(["fix", "review"] if key in verified else []),
            *(["plan"] if key in lazy.index.inferred else []),
        ]
        for role in roles:
            provider = project.settings(key, role).provider
            if not supports_batch(provider):
                raise UsageError(f"--batch: provider `{provider}` ({key}) has no batch API; run without --batch")
    return min(MAX_BATCH_JOBS, len(selected) + len(verified))


def batch_priced(plan: Plan, batching: bool) -> Plan:
    """The plan as the run will pay for it: at batch rates with `--batch`."""
    from lit_tasks.engine.run_plan import at_batch_rates

    return at_batch_rates(plan) if batching else plan


def batch_options(batching: bool, poll_s: float | None) -> dict[str, Batcher | float]:
    """The run's batch switches: its batcher with `--batch`, and how often to poll any batch it waits for."""
    from lit_tasks.engine.options import BATCH_POLL_S

    options: dict[str, Batcher | float] = {"batch_poll_s": poll_s or BATCH_POLL_S}
    if batching:
        from lit_tasks.llm.batcher import Batcher

        options["batcher"] = Batcher(options["batch_poll_s"])
    return options
