"""`lit log`: commits, with the model, prompts, tokens and cost of the generations each one recorded."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from lit_tasks.commands.common import add_parser, print_json, root_here
from lit_tasks.io.progress import money, tokens

EXAMPLES = """\
  lit log               the last 10 commits
  lit log -n 50 --json  the last 50, as JSON
"""


def register(commands: argparse._SubParsersAction) -> None:
    p = add_parser(
        commands,
        "log",
        "commits with the model, prompts, tokens and cost of each",
        "Show the history, with what each commit's generations cost.",
        EXAMPLES,
    )
    p.add_argument("-n", "--limit", type=int, default=10, metavar="N", help="how many commits (default 10)")
    p.add_argument("--json", action="store_true", help="print the log as JSON")
    p.set_defaults(func=run)


def entries(repo, limit: int) -> list[dict[str, Any]]:  # noqa: ANN001 - git.Repo
    from lit_tasks.state.records import RECORDS_DIR, TRAILER, RunRecord

    result = []
    for commit in repo.log(limit):
        runs = []
        for rid in TRAILER.findall(commit.message):
            data = repo.read_blob(commit.id, f"{RECORDS_DIR.as_posix()}/{rid}.json")
            if not data:
                continue
            try:
                runs.append(RunRecord.model_validate_json(data))
            except ValueError:  # pydantic's ValidationError is a ValueError
                continue
        prompts = [p for r in runs for p in r.prompts]
        result.append(
            {
                "id": commit.id,
                "short": commit.short,
                "summary": commit.summary,
                "time": commit_time(commit.time),
                "records": [r.id for r in runs],
                "models": sorted({p.model for p in prompts}),
                "prompts": len(prompts),
                "tokens": sum(p.usage.total for p in prompts),
                "cost_usd": sum(r.summary.cost_usd for r in runs),
            }
        )
    return result


def commit_time(timestamp: int) -> str:
    """A commit's time as ISO 8601 UTC; a hand-made commit's time past what a date can hold is shown as unknown."""
    try:
        return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return "(time unknown)"


def run(args: argparse.Namespace) -> int:
    from lit_tasks.io.git import Repo

    data = entries(Repo(root_here()), args.limit)
    if args.json:
        print_json(data)
        return 0
    if not data:
        print("no commits yet")
    for e in data:
        line = f"{e['short']} {e['time'][:16].replace('T', ' ')} {e['summary']}"
        if e["records"]:
            line += f"  [{', '.join(e['models'])}: {e['prompts']} prompts, {tokens(e['tokens'])} tokens, {money(e['cost_usd'])}]"
        print(line)
    return 0
