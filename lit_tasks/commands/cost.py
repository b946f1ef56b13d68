"""`lit cost`: tokens and money, from the generation records."""

from __future__ import annotations

import argparse
from pathlib import Path

from lit_tasks.commands.common import add_parser, print_json
from lit_tasks.model.paths import find_root

EXAMPLES = """\
  lit cost                      totals over every recorded run
  lit cost --last --breakdown   the last run, prompt by prompt
  lit cost --by model --json    spend per model, as JSON
  lit cost --by role            spend per role: generate, fix, review, plan, pm, architect
"""


def register(commands: argparse._SubParsersAction) -> None:
    p = add_parser(
        commands,
        "cost",
        "tokens and money spent, from .lit/generations/",
        "Report what generation runs cost, from the committed generation records.",
        EXAMPLES,
    )
    p.add_argument("--last", action="store_true", help="only the most recent run")
    p.add_argument("--breakdown", action="store_true", help="per prompt (with --last) or per run")
    p.add_argument("--by", choices=["prompt", "model", "role", "day"], help="group the spend")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lit_tasks.llm.cost import render, report
    from lit_tasks.state.records import load_records
    from lit_tasks.state.workspace import Workspace

    records = load_records(Workspace(find_root(Path.cwd())))
    data = report(records, last=args.last, breakdown=args.breakdown, by=args.by)
    if args.json:
        print_json(data)
    elif not records:
        print("No generation records found; run `lit regenerate` first.")
    else:
        print(render(data))
    return 0
