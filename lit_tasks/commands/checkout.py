"""`lit checkout`: switch to a branch or a commit, refusing to lose uncommitted work."""

from __future__ import annotations

import argparse

from lit_tasks.commands.common import add_parser, root_here
from lit_tasks.io.errors import LitError
from lit_tasks.model.paths import CODE_DIR, PROMPTS_DIR

EXAMPLES = """\
  lit checkout main         switch to the branch (HEAD stays on the branch)
  lit checkout 1a2b3c4      look at an old version (HEAD detached; `lit checkout main` to return)
It refuses when any tracked file has uncommitted changes, anywhere in the repository.
"""


def register(commands: argparse._SubParsersAction) -> None:
    p = add_parser(
        commands,
        "checkout",
        "switch to a branch or commit (refuses with local changes)",
        "Check out a branch or a commit of the project.",
        EXAMPLES,
    )
    p.add_argument("ref", metavar="REF", help="a branch name, tag or commit")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lit_tasks.io.git import Repo

    repo = Repo(root_here())
    dirty = repo.dirty_tracked()
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise LitError(
            f"uncommitted changes would be lost: {shown}; commit them (`lit commit`, `git commit`) or stash them first"
        )
    old, new, detached = repo.checkout(args.ref)
    where = f"HEAD detached at {new.short}" if detached else f"branch {args.ref} at {new.short}"
    print(f"checked out {where} {new.summary}")
    if old is not None and old.id != new.id:
        diff = repo.repo.diff(repo.tree(old.id), repo.tree(new.id))
        prompts = repo.changed_paths(diff, PROMPTS_DIR)
        code = repo.changed_paths(diff, CODE_DIR)
        print(f"  {len(prompts)} prompt file(s) and {len(code)} generated file(s) differ from {old.short}")
        for path, kind, _, _ in prompts:
            print(f"    {kind:<9} {path}")
    return 0
