"""The `lit` command line.

Exit codes (DESIGN §6): 0 ok, 1 a generation or check failed, 2 usage or configuration error, 3 internal
error. A user error prints one message and no traceback; `--debug` shows the traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from . import __version__, progress
from .config import find_root
from .errors import LitError, UsageError
from .paths import PROMPT_SUFFIX, relpath_posix
from .project import Project, load_project

EXAMPLES_REGENERATE = """\
examples:
  lit regenerate                      generate every stale prompt of the project
  lit regenerate -j 8                 ... with up to 8 prompts in flight at once
  lit regenerate prompts/api          the prompts under prompts/api and what they import
  lit regenerate prompts/cli.prompt.md --force
                                      regenerate one prompt even if it is up to date
  lit regenerate --dry-run            print the plan (what would regenerate, why, at most what cost)
  lit regenerate --max-cost 2.50      refuse to start, or stop starting prompts, beyond $2.50
"""

EXAMPLES_CHECK = """\
examples:
  lit check                 exit 0 if code.lock/ matches the prompts; 1 listing what does not
  lit check --json          the same as JSON, for CI annotations
It needs no network and no API key: it hashes files and compares them with .lit/lock/.
"""

EXAMPLES_COST = """\
examples:
  lit cost                      totals over every recorded run
  lit cost --last --breakdown   the last run, prompt by prompt
  lit cost --by model --json    spend per model, as JSON
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lit",
        description="Prompts are the source, an LLM is the compiler, code.lock/ is the artifact.",
        epilog="Run `lit COMMAND --help` for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"lit {__version__}")
    parser.add_argument("--debug", action="store_true", help="show a traceback for errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    regen = commands.add_parser(
        "regenerate",
        help="generate code.lock/ from the prompts (runs the doit tasks)",
        description="Generate what is stale, in dependency order, in parallel, skipping what is up to date.",
        epilog=EXAMPLES_REGENERATE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    regen.add_argument("paths", nargs="*", metavar="PATH", help="prompt files or directories (default: all)")
    regen.add_argument("-j", "--jobs", type=int, default=4, metavar="N", help="prompts generated at once (default 4)")
    regen.add_argument("--force", action="store_true", help="regenerate the selected prompts even if up to date")
    regen.add_argument("--no-cache", action="store_true", help="do not answer from the local response cache")
    regen.add_argument("--all", action="store_true", help="all prompts (the default; kept for lit v1 scripts)")
    regen.add_argument("--dry-run", action="store_true", help="print the plan and stop; makes no call")
    regen.add_argument("--max-cost", type=float, metavar="USD", help="spending limit for this run ([budget] max_usd_per_run)")
    regen.set_defaults(func=cmd_regenerate)

    check = commands.add_parser(
        "check", help="is code.lock/ up to date with the prompts? (no network, no key)",
        description="Compare prompts, settings and outputs with the committed lock.",
        epilog=EXAMPLES_CHECK, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(func=cmd_check)

    cost = commands.add_parser(
        "cost", help="tokens and money spent, from .lit/generations/",
        description="Report what generation runs cost, from the committed generation records.",
        epilog=EXAMPLES_COST, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cost.add_argument("--last", action="store_true", help="only the most recent run")
    cost.add_argument("--breakdown", action="store_true", help="per prompt (with --last) or per run")
    cost.add_argument("--by", choices=["prompt", "model", "day"], help="group the spend")
    cost.add_argument("--json", action="store_true", help="print the report as JSON")
    cost.set_defaults(func=cmd_cost)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.func(args)
    except LitError as err:
        if args.debug:
            traceback.print_exc()
        progress.emit("fail", f"error: {err}")
        return err.exit_code
    except KeyboardInterrupt:
        progress.emit("fail", "interrupted")
        return 130
    except Exception:  # a bug in lit: say so, with the details needed to report it
        traceback.print_exc()
        progress.emit("fail", "internal error (a bug in lit); please report it with the traceback above")
        return 3


def select_prompts(project: Project, paths: list[str], cwd: Path) -> list[str]:
    """Prompt keys for PATH arguments (files or directories, relative to the current directory)."""
    keys: list[str] = []
    for raw in paths:
        target = (cwd / raw).resolve()
        rel = relpath_posix(target, project.root)
        if rel.startswith(".."):
            raise UsageError(f"{raw} is outside the project at {project.root}")
        if rel == ".":
            return list(project.graph.order)
        if target.is_dir():
            found = [k for k in project.graph.order if k.startswith(rel + "/")]
            if not found:
                raise UsageError(f"{raw}: no prompts under this directory")
            keys.extend(found)
        elif rel in project.graph.prompts:
            keys.append(rel)
        else:
            hint = "" if rel.endswith(PROMPT_SUFFIX) else f" (prompt files end in {PROMPT_SUFFIX})"
            raise UsageError(f"{raw} is not a prompt of this project{hint}")
    return list(dict.fromkeys(keys))


def load_here() -> tuple[Project, Path]:
    cwd = Path.cwd()
    project = load_project(find_root(cwd))
    for warning in project.warnings:
        progress.emit("warn", f"warning: {warning}")
    return project, cwd


def cmd_regenerate(args: argparse.Namespace) -> int:
    from .budget import Budget
    from .generation import RunOptions
    from .orphans import remove_orphans
    from .plan import make_plan
    from .runner import run_doit

    if args.jobs < 1:
        raise UsageError("-j/--jobs must be at least 1")
    project, cwd = load_here()
    keys = select_prompts(project, args.paths, cwd)
    limit = args.max_cost if args.max_cost is not None else project.config.budget.max_usd_per_run
    if args.dry_run or limit is not None:
        plan = make_plan(project, keys or None, force=args.force)
        lines = plan.lines()
        if args.dry_run:
            print("\n".join(lines))
            return 0
        for line in lines:
            progress.emit("note", line)
        if limit is not None and plan.unpriced:
            raise UsageError(f"no price is known for the model of {plan.unpriced[0]}; set [model.pricing] to use a spending limit")
        if limit is not None and plan.bound > limit:
            raise LitError(f"the plan may cost up to {progress.money(plan.bound)}, over the limit of {progress.money(limit)}; "
                           "raise --max-cost, or regenerate fewer prompts (lit regenerate PATH)")
    removed, kept = remove_orphans(project)
    for orphan in removed:
        progress.emit("note", f"removed code.lock/{orphan.path}: no prompt declares it (was {orphan.prompt})")
    for orphan in kept:
        progress.emit("warn", f"kept code.lock/{orphan.path}: no prompt declares it, but it was edited by hand")
    options = RunOptions(use_cache=not args.no_cache, force=args.force, budget=Budget(limit) if limit is not None else None)
    os.chdir(project.root)
    return run_doit(project, keys, jobs=args.jobs, force=args.force, options=options)


def cmd_check(args: argparse.Namespace) -> int:
    import json

    from .status import project_status

    project, _ = load_here()
    status = project_status(project)
    if args.json:
        print(json.dumps(status.to_json(), indent=2))
        return 0 if status.ok else 1
    report = status.to_json()
    print(f"lit check: {report['prompts']} prompts, {report['up_to_date']} up to date")
    for s in status.stale:
        print(f"stale   {s.prompt}: {'; '.join(s.reasons)}")
    for out, key in status.edited:
        print(f"edited  code.lock/{out} ({key}): differs from what lit generated; keep it in the prompt or regenerate with --force")
    for o in status.orphans:
        print(f"orphan  code.lock/{o.path}: no prompt declares it (was {o.prompt}); `lit regenerate` removes it")
    if status.ok:
        print("ok: code.lock/ matches the prompts and the lock")
    return 0 if status.ok else 1


def cmd_cost(args: argparse.Namespace) -> int:
    import json

    from .cost import render, report
    from .records import load_records

    root = find_root(Path.cwd())
    records = load_records(root)
    data = report(records, last=args.last, breakdown=args.breakdown, by=args.by)
    if args.json:
        print(json.dumps(data, indent=2))
    elif not records:
        print("No generation records found; run `lit regenerate` first.")
    else:
        print(render(data))
    return 0
