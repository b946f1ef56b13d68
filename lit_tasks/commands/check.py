"""`lit check`: does code.lock/ match the prompts? No network, no key, no doit run."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TYPE_CHECKING

from lit_tasks.commands.common import add_parser, load_lazy_unless_proven, print_json
from lit_tasks.io.progress import plural

if TYPE_CHECKING:
    from lit_tasks.model.discovery import Scan
    from lit_tasks.state.status import ProjectStatus
    from lit_tasks.state.workspace import Workspace

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

    def proven_unloaded(workspace: Workspace, scan: Scan) -> bool:
        """A fresh clone whose lock alone proves it current (`state.lock_proof`) is reported without a load."""
        from lit_tasks.state.lock_proof import proven_by_committed_lock

        status = proven_by_committed_lock(workspace, scan)
        if status is not None:
            report(status, workspace.root, as_json=args.json)
        return status is not None

    lazy, _ = load_lazy_unless_proven(proven_unloaded)
    if lazy is None:
        return 0
    return report(project_status(lazy.workspace, lazy.index), lazy.root, as_json=args.json)


def report(status: ProjectStatus, root: Path, *, as_json: bool) -> int:
    """Print what `status` says, as text or JSON; returns the exit code (0 when code.lock/ matches)."""
    summary = status.to_json()
    if as_json:
        print_json(summary)
        return 0 if status.ok else 1
    print(f"lit check: {plural(summary['prompts'], 'prompt')}, {summary['up_to_date']} up to date")
    for line in status.problems():
        print(line)
    for hint in merge_hints(root):
        print(hint)
    if status.ok:
        print("ok: code.lock/ matches the prompts and the lock")
    return 0 if status.ok else 1


def merge_hints(root: Path) -> list[str]:
    """What a merge in progress and lit's merge driver setup say: a merge, rebase or cherry-pick going on (found
    by git's own files: no git library is loaded for a plain check), the driver named by .gitattributes but not
    registered in this clone, or a merge whose generated files it kept and `lit resolve` has not settled."""
    hints = []
    from lit_tasks.io.git_driver import NOTE, in_progress, noted

    git_dir = root / ".git"
    if git_dir.is_dir() and in_progress(git_dir):
        hints.append(
            "note: a merge, rebase or cherry-pick is in progress: `lit resolve` settles generated files and lock "
            "entries by their inputs (prompts in conflict are yours to resolve first)"
        )
    attributes = root / ".gitattributes"
    if not git_dir.is_dir() or not attributes.is_file():
        return hints
    if "merge=lit" not in attributes.read_text(encoding="utf-8", errors="replace"):
        return hints
    config = git_dir / "config"
    text = config.read_text(encoding="utf-8", errors="replace") if config.is_file() else ""
    if not re.search(r'\[merge "lit"\][^\[]*\bdriver\s*=', text):  # as text: git's library would double a check
        hints.append(
            "note: .gitattributes routes generated files to lit's merge driver, but this clone has not "
            "registered it: run `lit git-setup` (git never takes a driver from a repository)"
        )
    if (git_dir / NOTE).exists() and noted(git_dir):
        hints.append(
            "note: a merge kept our side of generated files: `lit resolve` settles each prompt by its lock entry"
        )
    return hints
