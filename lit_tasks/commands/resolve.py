"""`lit resolve`: settle lit's files after a merge, rebase or cherry-pick stopped with conflicts
(`engine.resolution`)."""

from __future__ import annotations

import argparse

from lit_tasks.commands.common import add_parser, root_here
from lit_tasks.io import progress

EXAMPLES = """\
  git merge feature; lit resolve      each conflicted prompt takes the side whose inputs match, at no cost
  lit resolve --regenerate            ... then regenerate what matches neither side
  git rebase main; lit resolve; git rebase --continue
"""


def register(commands: argparse._SubParsersAction) -> None:
    p = add_parser(
        commands,
        "resolve",
        "settle generated files and lock entries after a merge or rebase with conflicts",
        "For each prompt, in dependency order: when its inputs in the merged tree match the lock entry of one "
        "side (ours, theirs, the merge base), take that side's outputs and lock entry as they are; otherwise mark "
        "it stale, with our outputs and no conflict markers. Prompt files, lit.toml and guideline files are yours "
        "to resolve first. Stages what it resolved.",
        EXAMPLES,
    )
    p.add_argument("--regenerate", action="store_true", help="run `lit regenerate` right after")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lit_tasks.engine.regeneration import Regeneration, regenerate
    from lit_tasks.engine.resolution import resolve
    from lit_tasks.engine.run_plan import make_plan
    from lit_tasks.state.index import LazyProject

    root = root_here()
    result = resolve(root)
    for key in [k for k in LazyProject.load(root).index.order if k in result.took or k in result.stale]:
        if key in result.took:
            print(f"took {result.took[key]:<6} {key}")
        else:
            print(f"stale       {key}: its inputs in the merged tree match neither side")
    plan = make_plan(LazyProject.load(root))
    if not plan.items:
        print(f"resolved: {progress.plural(len(result.took), 'prompt')} taken, nothing to regenerate")
        return 0
    print(
        f"still to regenerate: {progress.plural(len(plan.items), 'prompt')}, an estimated "
        f"{progress.money(plan.estimate)} (`lit regenerate`, or `lit resolve --regenerate`)"
    )
    if args.regenerate:
        rc = regenerate(LazyProject.load(root), Regeneration())
        from lit_tasks.io.git import Repo

        Repo(root).stage_lit_files()  # what it regenerated is staged with what was resolved: `git commit` next
        return rc
    return 0
