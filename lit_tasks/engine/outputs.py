"""A prompt's outputs in code.lock/: hand edits guarded, saved patches merged in, written all or none.

A generated file that differs from its lock entry is someone's work: it is never overwritten without `--force`.
Saved patches (`lit patch save`) are merged onto the new code; a conflict writes nothing. Files are written
atomically and only when their bytes changed, so an unchanged file keeps its mtime and doit's early cutoff holds.
"""

from __future__ import annotations

import contextlib
import os

from lit_tasks.engine.snapshot import Snapshot
from lit_tasks.io import progress
from lit_tasks.io.atomic import Durability, write_all_atomic, write_atomic
from lit_tasks.io.errors import GenerationError
from lit_tasks.io.hashing import STAT_HASHES, hash_bytes
from lit_tasks.model.paths import CODE_DIR, NOT_A_FILE_ADVICE
from lit_tasks.model.project import Project
from lit_tasks.state.lock import LockEntry
from lit_tasks.state.orphans import remove_if_unchanged
from lit_tasks.state.patches import make_patch, merge3, patch_rel, read_patch, write_patch
from lit_tasks.state.workspace import Workspace


def refuse_non_files(workspace: Workspace, outputs: tuple[str, ...]) -> None:
    """Stop before any call when an output's place holds a directory, FIFO, socket or device: the answer could
    not be written there, even with `--force`."""
    blocked = workspace.lock.not_files(outputs)
    if blocked:
        out = blocked[0]
        parent = next((p for p in _parents(out) if not (workspace.code_dir / p).is_dir()), None)
        if parent is not None and (workspace.code_dir / parent).exists():
            raise GenerationError(
                f"{CODE_DIR}/{parent} is not a directory, so {CODE_DIR}/{out} cannot be written there: move it away"
            )
        raise GenerationError(f"{CODE_DIR}/{out} {NOT_A_FILE_ADVICE}")


def _parents(rel: str) -> list[str]:
    """`a/b/c.py` -> [`a`, `a/b`]."""
    parts = rel.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def guard_hand_edits(workspace: Workspace, key: str, previous: LockEntry | None) -> None:
    """Refuse to generate over an output edited by hand since lit wrote it; the message says the two ways out."""
    edited = workspace.lock.edited_outputs(previous)
    if edited:
        files = ", ".join(f"{CODE_DIR}/{p}" for p in edited)
        raise GenerationError(
            f"{files} changed since lit generated it (a hand edit?); lit will not overwrite it. Keep the edit "
            f"with `lit patch save` (it is then re-applied after every regeneration), or discard it with "
            f"`lit regenerate --force {key}`"
        )


def apply_patches(workspace: Workspace, generated: dict[str, str], snapshot: Snapshot) -> dict[str, str]:
    """Merge each saved hand edit (the patches read into the snapshot) onto the new code; a conflict writes
    nothing."""
    result = dict(generated)
    for out, text in generated.items():
        if patch_rel(out) not in snapshot.files:
            continue
        patch = read_patch(workspace, out)
        assert patch is not None
        merged = merge3(workspace, patch.original_content, patch.manual_content, text, out)
        if merged.conflicts:
            conflict = workspace.conflicts_dir / out
            write_atomic(conflict, merged.text.encode("utf-8"))
            raise GenerationError(
                f"the saved patch of {CODE_DIR}/{out} conflicts with the newly generated code; the previous file is "
                f"unchanged. The merge with conflict markers is in {conflict.relative_to(workspace.root)}. "
                f"Move the edit into the prompt and `lit patch drop {out}`, or drop the patch, regenerate, "
                "redo the edit and `lit patch save` again"
            )
        result[out] = merged.text
    return result


def rebase_patches(
    workspace: Workspace, patched: frozenset[str], generated: dict[str, str], written: dict[str, str]
) -> None:
    """Re-base each applied patch (of the `patched` outputs) on the new generation, so the next merge starts from
    this one."""
    for out, text in generated.items():
        if out not in patched:
            continue
        patch = read_patch(workspace, out)
        if patch is not None and patch.original_content != text:
            write_patch(workspace, out, make_patch(out, text, written[out]))


def write_outputs(project: Project, files: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """Write the outputs whose bytes changed (unchanged files keep their mtime), all or none; returns the
    paths written and the hash of every output (what the lock entry records)."""
    code_dir = os.fspath(project.code_dir)
    changed: dict[str, bytes] = {}
    digests: dict[str, str] = {}
    for raw, text in files.items():
        rel = project.sandbox.check(raw)
        data = text.encode("utf-8")
        digests[rel] = hash_bytes(data)
        with contextlib.suppress(OSError):
            if STAT_HASHES.of(os.path.join(code_dir, rel)) == digests[rel]:
                continue
        changed[rel] = data
    try:
        targets = {os.path.join(code_dir, rel): data for rel, data in changed.items()}
        write_all_atomic(targets, durable=Durability.AT_EXIT)
    except OSError as err:
        raise GenerationError(
            f"cannot write {_named(project, err.filename)}: {err.strerror or err}; no output was changed"
        ) from None
    for rel in changed:  # doit's checker and the next prompt's snapshot need not read them back
        with contextlib.suppress(OSError):
            STAT_HASHES.remember(os.stat(os.path.join(code_dir, rel)), digests[rel])
    return sorted(changed), digests


def _named(project: Project, filename: str | None) -> str:
    """The file a write failed on, as the user knows it (`code.lock/b.py`)."""
    if not filename:
        return f"{CODE_DIR}/"
    rel = os.path.relpath(filename, project.code_dir)
    return f"{CODE_DIR}/{rel}" if not rel.startswith("..") else filename


def remove_undeclared(project: Project, key: str, previous: LockEntry | None, outputs: dict[str, str]) -> None:
    """Delete files this prompt generated before but no longer declares, unless edited by hand."""
    if previous is None:
        return
    for rel, digest in sorted(previous.outputs.items()):
        if rel in outputs or rel in project.graph.owner:
            continue
        removed = remove_if_unchanged(project.code_dir, rel, digest)
        if removed:
            progress.emit("note", f"removed {CODE_DIR}/{rel}: {key} no longer declares it")
        elif removed is False:
            progress.emit("warn", f"kept {CODE_DIR}/{rel}: no longer declared by {key}, but edited by hand")


def current_outputs(project: Project, outputs: tuple[str, ...]) -> dict[str, bytes | None]:
    """The outputs as they are before a generation writes, to put back if its verification never passes."""
    before: dict[str, bytes | None] = {}
    for out in outputs:
        try:
            before[out] = (project.code_dir / out).read_bytes()
        except FileNotFoundError:
            before[out] = None
    return before


def restore(project: Project, before: dict[str, bytes | None]) -> None:
    keep = {project.code_dir / out: data for out, data in before.items() if data is not None}
    write_all_atomic(keep, durable=Durability.AT_EXIT)
    for out, data in before.items():
        if data is None:
            with contextlib.suppress(FileNotFoundError):
                (project.code_dir / out).unlink()
