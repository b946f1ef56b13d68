"""`lit check`: does code.lock/ match the prompts? No network, no key, no doit run."""

from __future__ import annotations

import argparse

from lit_tasks.commands.common import add_parser, load_lazy_here, print_json
from lit_tasks.io.progress import plural

EXAMPLES = """\
  lit check                 exit 0 if code.lock/ matches the prompts; 1 listing what does not
  lit check --json          the same as JSON, for CI annotations
It hashes files and compares them with .lit/lock/: fast enough for a pre-commit hook.
"""


def register(commands: argparse._SubParsersAction) -> None:
    p = add_parser(
        commands,
        "check",
        "is code.lock/ up to date with the prompts? (no network, no key)",
        "Compare prompts, settings and outputs with the committed lock.",
        EXAMPLES,
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lit_tasks.state.status import project_status

    lazy, _ = load_lazy_here()
    status = project_status(lazy.workspace, lazy.index)
    report = status.to_json()
    if args.json:
        print_json(report)
        return 0 if status.ok else 1
    print(f"lit check: {plural(report['prompts'], 'prompt')}, {report['up_to_date']} up to date")
    for line in status.problems():
        print(line)
    if status.ok:
        print("ok: code.lock/ matches the prompts and the lock")
    return 0 if status.ok else 1
