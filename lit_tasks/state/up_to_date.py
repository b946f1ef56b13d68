"""The proof a no-op needs: the last full run left every task up to date, and nothing those tasks read or
write has changed since (`.lit/cache/up_to_date.json`, local).

doit decides a no-op by creating every task and comparing each `file_dep` with its DB: at N=1,000 that is
most of a no-op's time. After a full `lit regenerate` that succeeded, lit records the project index's
fingerprint (the stat of lit.toml, of every prompt, module and pinned plan, and of lit's own source) and a
digest of the stat of every other file lit's tasks check (every output, saved patch, guideline file and
static file) and of every lock entry. While both are unchanged, every prompt still matches its lock entry, so
`lit regenerate` says so without loading doit; any change anywhere falls back to the lock and doit. doit's DB is not in the digest:
the lock, not the DB, decides what is stale (a clone has no DB at all), and doit rewrites its DB on every run,
even a no-op (its group task has no file_dep, so it always "runs"), which would end the proof after every
`doit regenerate`. The stamp is not written while another run is registered, whose writes could land between
the digest and the stamp.

Where no stamp holds (a fresh clone has neither doit's DB nor `.lit/cache`), the committed lock can prove the
same thing (`proven_by_lock`): what `lit check` proves, plus what a run would still do (remove a deleted
prompt's entry, write a `[[static]]` file, collect a pending batch). Then doit is not loaded either, and the
stamp is written for the next run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from lit_tasks.io.atomic import Durability, write_atomic
from lit_tasks.io.hashing import Hasher, StatKey, read_regular, stat_key
from lit_tasks.model.paths import CODE_DIR, lock_rel, patch_rel
from lit_tasks.state.index import ProjectIndex
from lit_tasks.state.status import ProjectStatus
from lit_tasks.state.workspace import Workspace

FORMAT = 3  # 2: doit's DB left out of the digest; 3: the lock entries in it


def checked_files(index: ProjectIndex) -> list[str]:
    """Every file a task of the project reads or writes that the index fingerprint does not cover, and every lock
    entry (a merge or `lit resolve` can change an entry and nothing else)."""
    files = dict.fromkeys(lock_rel(key) for key in index.prompts)
    files.update(dict.fromkeys(f"{CODE_DIR}/{out}" for entry in index.prompts.values() for out in entry.outputs))
    files.update(dict.fromkeys(patch_rel(out) for out in sorted(index.patched)))
    files.update(dict.fromkeys(ctx for entry in index.prompts.values() for ctx in entry.context))
    files.update(dict.fromkeys(f"{CODE_DIR}/{static.path}" for static in index.static))
    return list(files)


def digest(workspace: Workspace, index: ProjectIndex, known: Mapping[str, StatKey | None] | None = None) -> str:
    """The stat of every checked file; `known` holds the stat a file was judged on in this run (None: missing),
    which is the version a stamp must describe (a file changed since then ends the proof)."""
    h = Hasher(f"lit-up-to-date-{FORMAT}")
    base = os.fspath(workspace.root)
    known = known or {}
    for rel in checked_files(index):
        if rel in known:
            version = known[rel]
        else:
            try:
                version = stat_key(os.stat(os.path.join(base, rel)))
            except OSError:  # missing, or under something that is not a directory
                version = None
        h.add(rel.encode()).add(b"missing" if version is None else repr(version).encode())
    return h.hexdigest()


def is_up_to_date(workspace: Workspace, index: ProjectIndex) -> bool:
    """True when the last full run's stamp still holds: every task is up to date, doit need not be asked."""
    try:
        stamp = json.loads(read_regular(workspace.stamp_file, follow=False))
    except (OSError, ValueError, RecursionError):
        return False
    return (
        isinstance(stamp, dict)
        and stamp.get("format") == FORMAT
        and stamp.get("fingerprint") == index.fingerprint
        and stamp.get("digest") == digest(workspace, index)
    )


def record_up_to_date(
    workspace: Workspace, index: ProjectIndex, known: Mapping[str, StatKey | None] | None = None
) -> None:
    """After a full run that succeeded, or a status that proved the project current (whose `known` versions it
    was judged on): stamp the state it left (unless another run may be changing it)."""
    from lit_tasks.state.locks import other_runs_active

    stamp = {"format": FORMAT, "fingerprint": index.fingerprint, "digest": digest(workspace, index, known)}
    if other_runs_active(workspace):
        return
    try:
        write_atomic(workspace.stamp_file, json.dumps(stamp).encode(), durable=Durability.NONE)
    except OSError:
        pass  # a cache: the next no-op asks doit


def proven_by_lock(workspace: Workspace, index: ProjectIndex, status: ProjectStatus) -> bool:
    """True when a run of the whole project would do nothing: `status` (the project against its lock) is what
    `lit check` accepts, no deleted prompt has a lock entry left, every `[[static]]` file holds its content and
    no batch is pending."""
    if not status.ok or status.deleted or _batches_pending(workspace):
        return False
    for static in index.static:
        try:
            if read_regular(workspace.code_dir / static.path) != static.content.encode("utf-8"):
                return False
        except OSError:
            return False
    return True


def _batches_pending(workspace: Workspace) -> bool:
    try:
        return any(p.suffix == ".json" for p in workspace.batches_dir.iterdir())
    except FileNotFoundError:
        return False
