"""`lit status`: where the project stands: git, prompts, staleness against the lock, hand edits, orphans."""

from __future__ import annotations

import argparse
from typing import Any

from lit_tasks.commands.common import add_parser, load_lazy_here, print_json
from lit_tasks.io.progress import plural
from lit_tasks.model.paths import PROMPT_SUFFIX, PROMPTS_DIR

EXAMPLES = """\
  lit status            HEAD, changed prompts, stale prompts and why, hand edits, orphans, what `lit commit` would do
  lit status --json     the same as JSON
Hand edits are found by hash against the lock, not by git: a regenerated file is not a hand edit.
"""


def register(commands: argparse._SubParsersAction) -> None:
    p = add_parser(
        commands,
        "status",
        "changed prompts, stale prompts, hand edits, orphans",
        "Show the state of the project against git and against its lock.",
        EXAMPLES,
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=run)


def gather() -> dict[str, Any]:
    from lit_tasks.io.git import Repo
    from lit_tasks.state.status import project_status

    lazy, _ = load_lazy_here()
    project = lazy.project
    repo = Repo(project.root)
    head = repo.head()
    changes = repo.changes()
    prompts = {
        kind: [
            c.path
            for c in changes
            if c.kind == kind and c.path.startswith(PROMPTS_DIR + "/") and c.path.endswith(PROMPT_SUFFIX)
        ]
        for kind in ("new", "modified", "deleted")
    }
    status = project_status(lazy.workspace, lazy.index).to_json()
    from lit_tasks.state.pending_batches import pending_batches

    batches = [
        {"id": b.id, "created": b.created, "requests": len(b.items), "ended": b.ended}
        for b in pending_batches(lazy.workspace)
    ]
    lit_files = sorted(c.path for c in changes if Repo.is_lit_path(c.path))
    return {
        "project": project.config.project.name,
        "branch": repo.branch(),
        "head": None if head is None else {"id": head.id, "short": head.short, "summary": head.summary},
        "prompts": prompts,
        "stale": status["stale"],
        "edited": status["edited"],
        "orphans": status["orphans"],
        "batches": batches,
        "commit_would": {"regenerate": [s["prompt"] for s in status["stale"]], "files": lit_files},
    }


def run(args: argparse.Namespace) -> int:
    data = gather()
    if args.json:
        print_json(data)
        return 0
    head = data["head"]
    where = f"on {data['branch']}" if data["branch"] else "HEAD detached"
    print(
        f"lit: {data['project']}, {where}, " + (f"HEAD {head['short']} {head['summary']}" if head else "no commits yet")
    )
    for kind in ("new", "modified", "deleted"):
        for path in data["prompts"][kind]:
            print(f"  {kind:<9} {path}")
    if data["stale"]:
        print("stale (will regenerate):")
        for s in data["stale"]:
            verb = (
                "blocked until then"
                if s["blocked"]
                else "may regenerate"
                if s["may_regenerate_only"]
                else "regenerates"
            )
            print(f"  {s['prompt']}: {'; '.join(s['reasons'])} ({verb})")
    if data["edited"]:
        print("hand-edited outputs (`lit patch save` keeps them; `lit regenerate --force` discards them):")
        for e in data["edited"]:
            print(f"  {e['output']} ({e['prompt']})")
    if data["orphans"]:
        print("orphans (no prompt declares them; `lit regenerate` removes them):")
        for o in data["orphans"]:
            print(f"  {o['output']} (was {o['was']})")
    for batch in data["batches"]:
        state = "answered, waiting to be recorded" if batch["ended"] else "pending at the service"
        print(
            f"batch {batch['id']} ({state}, {plural(batch['requests'], 'request')}, sent {batch['created']}): "
            "the next `lit regenerate` that needs one of its requests waits for it instead of paying again"
        )
    would = data["commit_would"]
    if data["edited"]:  # `lit check` would reject the commit: `lit commit` refuses it
        print("`lit commit` would refuse until the hand-edited outputs above are saved (`lit patch save`) or discarded")
    elif not would["regenerate"] and not would["files"]:
        print("nothing to commit: prompts, code.lock/ and the lock agree with HEAD")
    else:
        parts = []
        if would["regenerate"]:
            parts.append(f"regenerate {len(would['regenerate'])} prompt(s)")
        parts.append(
            f"commit {len(would['files'])} changed lit file(s)"
            if would["files"]
            else "commit what regenerating changes"
        )
        print("`lit commit` would " + ", then ".join(parts))
    return 0
