"""`lit commit`: regenerate what is stale, then commit lit's files only, with the cost in trailers."""

from __future__ import annotations

import argparse

from lit_tasks.commands.common import add_parser, load_lazy_here
from lit_tasks.io import progress
from lit_tasks.io.errors import LitError, UsageError

EXAMPLES = """\
  lit commit -m "add the report prompt"         regenerate what is stale, then commit
  lit commit -m "fix typo" --no-generate        commit as things are
It stages only lit's files (prompts/, code.lock/, lit.toml, dodo.py, .lit/lock, .lit/generations, .lit/patches,
.gitignore); anything else you staged stays staged and is not committed. The message gets trailers naming
the generation records and their cost.
"""


def register(commands: argparse._SubParsersAction) -> None:
    p = add_parser(
        commands,
        "commit",
        "regenerate what is stale and commit lit's files",
        "Regenerate stale prompts, then commit prompts, generated code, lock and records.",
        EXAMPLES,
    )
    p.add_argument("-m", "--message", required=True, help="the commit message")
    p.add_argument("--no-generate", action="store_true", help="do not regenerate first")
    p.add_argument("-j", "--jobs", type=int, default=4, metavar="N", help="prompts generated at once (default 4)")
    p.add_argument("--max-cost", type=float, metavar="USD", help="spending limit for the regeneration")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lit_tasks.engine.regeneration import Regeneration, regenerate
    from lit_tasks.io.git import Repo
    from lit_tasks.state.records import RECORDS_DIR, load_records

    lazy, _ = load_lazy_here()
    repo = Repo(lazy.root)
    if repo.merging():
        raise UsageError(
            "a merge, rebase or cherry-pick is in progress: `lit resolve --regenerate` settles lit's files and stages "
            "them, then `git commit` (or `git rebase --continue`) keeps its parents; lit commit would not"
        )
    if not args.no_generate:
        rc = regenerate(lazy, Regeneration(jobs=args.jobs, max_cost=args.max_cost))
        if rc != 0:
            raise LitError(
                "regeneration failed, so nothing was committed: the FAILED lines above say what to fix (a prompt, a "
                "hand edit, a file in an output's place), then run `lit commit` again; `lit commit --no-generate` "
                "commits things as they are"
            )
        refuse_what_check_rejects(lazy)
    new_records = {
        c.path for c in repo.changes() if c.kind == "new" and c.path.startswith(RECORDS_DIR.as_posix() + "/")
    }
    records = [r for r in load_records(lazy.workspace) if f"{RECORDS_DIR.as_posix()}/{r.id}.json" in new_records]
    message = args.message.rstrip() + trailers(records)
    commit = repo.commit_lit_files(message)
    if commit is None:
        print("nothing to commit: prompts, code.lock/ and the lock already match HEAD")
        return 0
    cost = sum(r.summary.cost_usd for r in records)
    generated = sum(r.summary.prompts for r in records)
    print(f"committed {commit.short} {commit.summary}")
    if records:
        print(f"  {generated} prompt(s) generated in {len(records)} run(s), {progress.money(cost)}")
    return 0


def refuse_what_check_rejects(lazy) -> None:  # noqa: ANN001 - state.index.LazyProject
    """`lit commit` never makes a commit that `lit check` (a pre-commit hook, CI) rejects: an output edited by hand
    and not saved as a patch, a prompt still stale. Refuse with `lit check`'s words and its way out."""
    from lit_tasks.state.index import LazyProject
    from lit_tasks.state.status import project_status

    fresh = LazyProject.load(lazy.root)  # as the regeneration left it
    status = project_status(fresh.workspace, fresh.index)
    if status.ok:
        return
    raise LitError(
        "nothing was committed: `lit check` would reject this commit:\n"
        + "\n".join(f"  {line}" for line in status.problems())
    )


def trailers(records) -> str:  # noqa: ANN001 - list[RunRecord]
    if not records:
        return "\n"
    lines = [f"Lit-Generation: {r.id}" for r in records]
    cost = sum(r.summary.cost_usd for r in records)
    complete = all(r.summary.cost_complete for r in records)
    lines.append(f"Lit-Cost: {progress.money(cost)}" + ("" if complete else " + unknown"))
    lines.append(f"Lit-Prompts: {sum(r.summary.prompts for r in records)}")
    return "\n\n" + "\n".join(lines) + "\n"
