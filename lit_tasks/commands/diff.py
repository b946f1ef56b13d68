"""`lit diff`: what changed in prompts (or code), and with `--summary` what will regenerate because of it."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from lit_tasks.commands.common import add_parser, load_lazy_here, print_json, root_here
from lit_tasks.io import progress
from lit_tasks.io.errors import UsageError
from lit_tasks.model.paths import CODE_DIR, PROMPTS_DIR
from lit_tasks.state.status import project_status

if TYPE_CHECKING:
    from lit_tasks.state.index import LazyProject

EXAMPLES = """\
  lit diff                      prompt changes since HEAD, new (untracked) prompts included
  lit diff --code               changes in code.lock/
  lit diff --all HEAD~3         prompts, code.lock/ and lit.toml since HEAD~3
  lit diff main feature         between two revisions
  lit diff --summary            impact: changed prompts, what will regenerate and why, outputs affected
"""


def register(commands: argparse._SubParsersAction) -> None:
    p = add_parser(
        commands,
        "diff",
        "prompt or code changes, and their impact (--summary)",
        "Show changes as a unified diff; --summary explains what they will regenerate.",
        EXAMPLES,
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument("--code", action="store_true", help="diff code.lock/ instead of prompts/")
    what.add_argument("--all", action="store_true", help="diff prompts/, code.lock/ and lit.toml")
    what.add_argument("--summary", action="store_true", help="the impact analysis instead of a diff")
    p.add_argument("--json", action="store_true", help="with --summary: print it as JSON")
    p.add_argument("revs", nargs="*", metavar="REV", help="compare REV with the work tree, or REV with REV")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if len(args.revs) > 2:
        raise UsageError("lit diff takes at most two revisions")
    rev_a = args.revs[0] if args.revs else None
    rev_b = args.revs[1] if len(args.revs) == 2 else None
    from lit_tasks.io.git import Repo

    repo = Repo(root_here())
    diff = repo.diff(rev_a, rev_b)
    if args.summary:
        lazy, _ = load_lazy_here()
        data = summary(lazy, repo, diff, rev_a, rev_b)
        print_json(data) if args.json else print_summary(data)
        return 0
    prefixes = [CODE_DIR] if args.code else [PROMPTS_DIR, CODE_DIR, "lit.toml"] if args.all else [PROMPTS_DIR]
    text = repo.patch_text(diff, prefixes)
    if text:
        sys.stdout.write(text)
    else:
        progress.emit("note", f"no changes in {', '.join(prefixes)}")
    return 0


def summary(lazy: LazyProject, repo, diff, rev_a: str | None, rev_b: str | None) -> dict[str, Any]:  # noqa: ANN001 - git.Repo, pygit2.Diff
    project = lazy.project
    changed = repo.changed_paths(diff, PROMPTS_DIR)
    prompts = [{"prompt": p, "kind": k, "added": a, "removed": r} for p, k, a, r in changed if p.endswith(".prompt.md")]
    graph = project.graph
    if rev_b is None:
        regenerate = {s.prompt: s.reasons for s in project_status(lazy.workspace, lazy.index).stale}
    else:
        seeds = [p["prompt"] for p in prompts if p["prompt"] in graph.prompts]
        regenerate = {}
        for key in graph.order:
            direct = key in seeds
            via = [i for i in graph.prompts[key].imports if i in regenerate]
            if direct or via:
                regenerate[key] = (["prompt changed"] if direct else []) + [f"imports {i}" for i in via]
    outputs = sorted({f"{CODE_DIR}/{o}" for key in regenerate for o in graph.prompts[key].outputs})
    if rev_b is None:  # against the work tree: what is not there yet
        new = [o for o in outputs if not (lazy.root / o).exists()]
    else:  # between revisions: what the first one did not have
        new = [o for o in outputs if repo.read_blob(rev_a or "HEAD", o) is None]
    return {
        "prompts": prompts,
        "regenerate": [{"prompt": k, "reasons": v} for k, v in regenerate.items()],
        "outputs": outputs,
        "new_outputs": new,
        "will_regenerate": len(regenerate),
        "unchanged": len(graph.prompts) - len(regenerate),
    }


def print_summary(data: dict[str, Any]) -> None:
    marks = {"new": "+", "modified": "~", "deleted": "-"}
    print("prompts:" if data["prompts"] else "prompts: no changes")
    for p in data["prompts"]:
        detail = (
            "deleted"
            if p["kind"] == "deleted"
            else f"new, {p['added']} lines"
            if p["kind"] == "new"
            else f"+{p['added']} -{p['removed']}"
        )
        print(f"  {marks[p['kind']]} {p['prompt']} ({detail})")
    if data["regenerate"]:
        print("will regenerate:")
        for r in data["regenerate"]:
            print(f"  -> {r['prompt']} ({'; '.join(r['reasons'])})")
        print("generated code affected:")
        for o in data["outputs"]:
            print(f"  {'+' if o in data['new_outputs'] else '~'} {o}")
    print(
        f"{data['will_regenerate']} prompt(s) will regenerate, {data['unchanged']} unchanged. "
        "A dependent is skipped at run time when its import's output comes out identical."
    )
