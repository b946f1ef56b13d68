"""`lit patch`: keep hand edits of generated files across regenerations."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from lit_tasks.commands.common import add_parser, load_lazy_here, output_arg
from lit_tasks.io import progress
from lit_tasks.io.confined import read_inside
from lit_tasks.io.errors import LitError, UsageError
from lit_tasks.io.hashing import hash_bytes
from lit_tasks.model.paths import CODE_DIR

if TYPE_CHECKING:
    from lit_tasks.state.index import LazyProject
    from lit_tasks.state.workspace import Workspace

EXAMPLES = """\
  lit patch save                        save every hand-edited generated file as a patch
  lit patch save code.lock/app/cli.py   save one
  lit patch list                        patches, their size, and any whose file no prompt declares
  lit patch show app/cli.py             the saved diff
  lit patch drop app/cli.py             forget it: the next regeneration writes the generated version
A saved patch is re-applied after every regeneration with a three-way merge; when the new code conflicts
with it, that prompt fails and the previous file is kept.
"""


def register(commands: argparse._SubParsersAction) -> None:
    p = add_parser(
        commands,
        "patch",
        "save, list, show and drop hand edits of generated files",
        "Manage hand edits of code.lock/ files that survive regeneration.",
        EXAMPLES,
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    save = actions.add_parser("save", help="save hand edits as patches")
    save.add_argument("paths", nargs="*", metavar="PATH", help="generated files (default: every edited one)")
    actions.add_parser("list", help="list saved patches")
    show = actions.add_parser("show", help="print a saved patch")
    show.add_argument("path", metavar="PATH")
    drop = actions.add_parser("drop", help="delete a saved patch")
    drop.add_argument("path", metavar="PATH")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lit_tasks.state.patches import drop_patch, list_patches, read_patch

    lazy, cwd = load_lazy_here()
    project, workspace = lazy.project, lazy.workspace
    if args.action == "save":
        wanted = {output_arg(project, raw, cwd) for raw in args.paths}
        return save(lazy, wanted)
    if args.action == "list":
        patches = list_patches(project.root)
        if not patches:
            print("no patches saved")
        for out in patches:
            patch = read_patch(workspace, out)
            added, removed = patch.line_counts if patch else (0, 0)
            note = (
                "" if out in project.graph.owner else "  (no prompt declares this file any more: `lit patch drop` it)"
            )
            print(f"{CODE_DIR}/{out} (+{added} -{removed}){note}")
        return 0
    out = output_arg(project, args.path, cwd)
    if args.action == "show":
        patch = read_patch(workspace, out)
        if patch is None:
            raise LitError(f"no patch saved for {CODE_DIR}/{out}")
        sys.stdout.write(patch.diff)
        return 0
    if not drop_patch(workspace, out):
        raise LitError(f"no patch saved for {CODE_DIR}/{out}")
    print(f"dropped the patch of {CODE_DIR}/{out}; the next `lit regenerate` writes the generated version")
    return 0


def save(lazy: LazyProject, wanted: set[str]) -> int:
    """Save each edited output as a patch against its generated version, and record it in the lock."""
    from lit_tasks.state.lock_proof import source_now
    from lit_tasks.state.locks import prompt_lock

    saved = 0
    seen: set[str] = set()
    source = source_now(lazy.workspace)  # once: each entry saved keeps its tie to it
    for key in sorted(lazy.workspace.lock.prompts()):
        with prompt_lock(lazy.workspace, key):  # a run generating this prompt now writes its entry too
            saved += _save_entry(lazy.workspace, key, wanted, seen, source)
    missing = wanted - seen
    if missing:
        raise UsageError(f"not a generated file of this project: {', '.join(sorted(missing))}")
    if not saved:
        progress.emit("note", "no hand edits found: every generated file is as lit wrote it")
    return 0


def _save_entry(workspace: Workspace, key: str, wanted: set[str], seen: set[str], source: str | None) -> int:
    """The patches of one prompt's edited outputs, and its lock entry updated: read and written under its lock."""
    from lit_tasks.state.patches import make_patch, read_patch, write_patch

    entry = workspace.lock.reread(key)
    saved = 0
    for out, digest in sorted(entry.outputs.items()) if entry is not None else []:
        if wanted and out not in wanted:
            continue
        seen.add(out)
        try:  # a patch is committed: never through a link leading out of the project
            current = read_inside(workspace.root, f"{CODE_DIR}/{out}")
        except FileNotFoundError:
            continue
        if hash_bytes(current) == digest:
            continue
        existing = read_patch(workspace, out)
        base = existing.original_content.encode() if existing else find_generated(workspace, out, digest)
        patch = make_patch(out, base.decode("utf-8"), current.decode("utf-8"))
        data = write_patch(workspace, out, patch)
        entry.inputs.patches[out] = hash_bytes(data)
        entry.outputs[out] = hash_bytes(current)
        saved += 1
        added, removed = patch.line_counts
        print(f"saved patch: {CODE_DIR}/{out} (+{added} -{removed})")
    if saved:
        from lit_tasks.state.lock_proof import carry_source

        old_input_hash, entry.input_hash = entry.input_hash, entry.inputs.digest
        carry_source(entry, old_input_hash, source)
        workspace.lock.write(entry)
    return saved


def find_generated(workspace: Workspace, out: str, digest: str) -> bytes:
    """The generated version of `out` (hash `digest`): the local store, else the git history."""
    from lit_tasks.io.git import GitError, Repo
    from lit_tasks.state.patches import generated_version

    found = generated_version(workspace, digest)
    if found is not None:
        return found
    try:
        for data in Repo(workspace.root).history_blobs(f"{CODE_DIR}/{out}"):
            if hash_bytes(data) == digest:
                return data
    except GitError:
        pass
    raise LitError(
        f"cannot find the generated version of {CODE_DIR}/{out} (not in .lit/cache/ nor in the last 50 "
        f"commits); run `lit regenerate --force` for its prompt, redo the edit, and save again"
    )
