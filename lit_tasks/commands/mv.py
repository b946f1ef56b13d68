"""`lit mv OLD NEW`: rename a prompt, rewrite what refers to it, and carry its state, so nothing regenerates."""

from __future__ import annotations

import argparse
import contextlib

from lit_tasks.commands.common import add_parser, load_lazy_here
from lit_tasks.io import progress
from lit_tasks.state import locks
from lit_tasks.state.locks import prompt_lock

EXAMPLES = """\
  lit mv prompts/base.prompt.md prompts/core/base.prompt.md
                                         move a prompt (prompts/core/ is created)
  lit mv prompts/util.prompt.md prompts/lib/
                                         into an existing directory, keeping its name
  cd prompts && lit mv user.prompt.md account.prompt.md
                                         paths are relative to the current directory
The prompts importing it get the new path in their `imports:` (comments, quoting and layout kept) and in their
`@import(...)` references; its lock entry and pinned plan move with it. When only the path changed, the next
`lit regenerate` makes no call. Under mapping = "modular" or "direct" a path means more (the module files
covering it, its output names): the move is done and what will regenerate is listed. A move after which the
project would not load (an output conflict, an import cycle) is refused and nothing is changed, as is a new
name with a control character or one of `= ; % * ?` (no Make rule can name it). Files of your own named after
the prompt's path are not moved: with the replay provider, move replay/<prompt path>.response.md too.
"""


def register(commands: argparse._SubParsersAction) -> None:
    p = add_parser(
        commands,
        "mv",
        "move or rename a prompt, rewriting the imports that name it",
        "Move a prompt under prompts/, rewrite the imports and @import references that name it, and carry its "
        "lock entry and pinned plan along.",
        EXAMPLES,
    )
    p.add_argument("old", metavar="OLD", help="the prompt file to move")
    p.add_argument("new", metavar="NEW", help="its new path (ending in .prompt.md), or an existing directory")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lit_tasks.state.move import apply_move, made_stale, plan_move, statuses, target_paths

    lazy, cwd = load_lazy_here()
    old, new = target_paths(lazy.project, cwd, args.old, args.new)
    locked: set[str] = set()
    with contextlib.ExitStack() as held:
        locks.join_run(lazy.workspace)  # registered: if it is killed, the next run sweeps its temp files
        held.callback(locks.leave_run, lazy.workspace)
        while True:  # no run may be generating a prompt whose files and lock entry move or change
            plan = plan_move(lazy.workspace, lazy.project, old, new)
            wanted = {old, new, *plan.rewritten}
            if wanted <= locked:
                break
            for key in sorted(wanted - locked):
                held.enter_context(prompt_lock(lazy.workspace, key))
            locked |= wanted
            lazy, cwd = load_lazy_here()  # as it is now that those runs are done
        before = statuses(lazy.project, plan)
        moved = apply_move(lazy.workspace, plan)
        stale = made_stale(before, statuses(moved, plan), plan)
    carried = f" with its {' and '.join(plan.carried)}" if plan.carried else ""
    print(f"moved {old} -> {new}{carried}")
    for path in plan.rewritten:
        print(f"rewrote {path}: its references to {old}")
    for path in plan.respaced:
        progress.emit("warn", f"{path}: ruamel.yaml re-spaced its frontmatter (same values); review it with git diff")
    for key, reasons in stale.items():
        print(f"stale   {key}: {'; '.join(reasons)}; `lit regenerate` regenerates it")
    if not stale:
        print("the move makes no prompt stale")
    return 0
