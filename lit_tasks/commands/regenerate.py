"""`lit regenerate`: run the doit tasks of the selected prompts and what they import (`engine.regeneration`)."""

from __future__ import annotations

import argparse
import time
from functools import partial

from lit_tasks.commands.common import add_parser, load_lazy_unless_proven, select_prompts

EXAMPLES = """\
  lit regenerate                      generate every stale prompt of the project
  lit regenerate -j 8                 ... with up to 8 prompts in flight at once
  lit regenerate prompts/api          the prompts under prompts/api and what they import
  lit regenerate prompts/cli.prompt.md --force
                                      regenerate one prompt even if up to date (and over hand edits)
  lit regenerate --dry-run            print the plan (what would regenerate, why, its estimated cost)
  lit regenerate -k                   past a failure, build every prompt that does not depend on it
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
    p.add_argument(
        "-k",
        "--keep-going",
        action="store_true",
        help="past a failed prompt, build every prompt that does not depend on it (default: stop starting prompts)",
    )
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
    from lit_tasks.engine.regeneration import Regeneration, proven_unloaded, regenerate

    started = time.time()
    whole = not (args.paths or args.force or args.dry_run or args.static_only)
    lazy, cwd = load_lazy_unless_proven(partial(proven_unloaded, started=started) if whole else None)
    if lazy is None:
        return 0  # the committed lock proved a fresh clone current
    asked = Regeneration(
        started=started,
        keys=tuple(select_prompts(lazy, args.paths, cwd)),
        jobs=args.jobs,
        force=args.force,
        use_cache=not args.no_cache,
        dry_run=args.dry_run,
        max_cost=args.max_cost,
        static_only=args.static_only,
        batch=args.batch,
        batch_poll_s=args.batch_poll,
        keep_going=args.keep_going,
    )
    return regenerate(lazy, asked)
