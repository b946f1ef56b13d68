"""`lit git-setup` (lit's merge driver for generated files) and `lit merge-driver` (what git runs)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from lit_tasks.commands.common import add_parser, root_here

EXAMPLES = """\
  lit git-setup        write .gitattributes for code.lock/ and .lit/lock/, register the driver in .git/config
"""


def register(commands: argparse._SubParsersAction) -> None:
    p = add_parser(
        commands,
        "git-setup",
        "register lit's merge driver: generated files never get conflict markers",
        "Write the .gitattributes lines that route code.lock/ and .lit/lock/ through lit's merge driver, and register "
        "the driver in this clone's git config (git never takes a driver from a repository: each clone runs this, "
        "or `lit init`). The driver keeps one side; `lit resolve` then settles every prompt by its lock entry.",
        EXAMPLES,
    )
    p.set_defaults(func=run)
    d = add_parser(
        commands,
        "merge-driver",
        "what git runs for generated files (`lit git-setup` registers it)",
        "Git's merge driver for code.lock/ and .lit/lock/: keeps our side, never writes conflict markers, and notes "
        "the merge so that `lit resolve` settles each prompt by its lock entry.",
        "  git config merge.lit.driver '\"python\" -m lit_tasks merge-driver %O %A %B %P'   (lit git-setup does this)\n",
    )
    d.add_argument("base")
    d.add_argument("ours")
    d.add_argument("theirs")
    d.add_argument("path")
    d.set_defaults(func=driver)


def run(args: argparse.Namespace) -> int:
    import pygit2

    from lit_tasks.io.git_driver import setup

    root = root_here()
    found = pygit2.discover_repository(str(root))
    if not found:
        from lit_tasks.io.errors import UsageError

        raise UsageError(f"{root} is not in a git repository; run `git init` (or `lit init`) first")
    changed = setup(root, pygit2.Repository(found))
    print(".gitattributes: " + ("lit's lines added (commit it)" if changed else "already routes lit's files"))
    print("git config: merge.lit.driver registered for this clone")
    return 0


def driver(args: argparse.Namespace) -> int:
    """Git's merge driver: keep one side, never write markers, note the merge for `lit resolve`. In a merge, ours
    (already in place); in a rebase or cherry-pick, the commit being replayed, whose later commits build on it."""
    from lit_tasks.io.git_driver import keep_side, replaying

    git_dir = Path(os.environ.get("GIT_DIR") or _git_dir())
    keep_side(git_dir, args.path, Path(args.ours), Path(args.theirs) if replaying(git_dir) else None)
    return 0


def _git_dir() -> str:
    import pygit2

    return pygit2.discover_repository(os.getcwd()) or ".git"
