"""Batches submitted and not yet collected: `.lit/batches/<batch id>.json` (local, gitignored).

A batch takes minutes to hours and the run waiting for it may be killed; the service keeps working and bills
what it answers. So the batch id and the request key of every item are written (atomically, durably) right
after the service accepted the batch and before anyone waits: a later run whose request is one of these
items waits for that batch instead of paying again. When the batch ends its answers go into the response
cache and the record is removed, or, if some answers reached no waiting run (the rerun selected other
prompts), kept as `ended` with those items: the first run that uses one of them from the cache claims it and
records it as the paid batch call it was, so every call's cost is in a generation record once. Local, not
committed: a batch can only be read with the API key (the
workspace) that created it, so a teammate's clone could do nothing with it.
"""

from __future__ import annotations

import contextlib
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError

from lit_tasks.io.atomic import write_atomic
from lit_tasks.io.errors import ConfigError
from lit_tasks.io.hashing import hash_bytes, read_regular

if TYPE_CHECKING:
    from lit_tasks.state.workspace import Workspace

SAFE_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")


class PendingItem(BaseModel):
    custom_id: str
    request_key: str
    prompt: str
    outputs: list[str]  # what a usable answer declares (checked before it is cached)
    parse: bool = True  # False for a plan or review, whose answer is not in the FILE protocol


class PendingBatch(BaseModel):
    id: str
    provider: str
    endpoint: str | None
    created: str
    items: list[PendingItem]
    ended: bool = False  # its answers are in the response cache; `items` are those no run has recorded yet

    def item(self, request_key: str) -> PendingItem | None:
        return next((i for i in self.items if i.request_key == request_key), None)


def batch_path(workspace: Workspace, batch_id: str) -> Path:
    name = batch_id if SAFE_NAME.fullmatch(batch_id) else hash_bytes(batch_id.encode())
    return workspace.batches_dir / f"{name}.json"


def save_pending(workspace: Workspace, batch: PendingBatch) -> None:
    write_atomic(batch_path(workspace, batch.id), batch.model_dump_json(indent=1).encode())


def remove_pending(workspace: Workspace, batch_id: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        batch_path(workspace, batch_id).unlink()


def end_pending(workspace: Workspace, batch: PendingBatch, unrecorded: list[PendingItem]) -> None:
    """`batch` has ended and its answers are cached: keep only the `unrecorded` items (answered, but waited
    for by no run), or remove the record. Judged against the record as it is now: a batch watched twice
    never gets back an item the first watcher already handed out."""
    try:
        current = _read(batch_path(workspace, batch.id))
    except (OSError, ValidationError, ValueError):
        return
    if current.ended:
        listed = {item.custom_id for item in current.items}
        unrecorded = [item for item in unrecorded if item.custom_id in listed]
    if unrecorded:
        save_pending(workspace, batch.model_copy(update={"items": unrecorded, "ended": True}))
    else:
        remove_pending(workspace, batch.id)


_parsed: dict[Path, tuple[int, int, PendingBatch]] = {}  # path -> (mtime_ns, size, record): read once per change
_parsed_lock = threading.Lock()


def pending_batches(workspace: Workspace) -> list[PendingBatch]:
    """Every pending batch of the project (none, without even a directory, in a project that never batched)."""
    directory = workspace.batches_dir
    try:
        paths = sorted(p for p in directory.iterdir() if p.suffix == ".json")
    except FileNotFoundError:
        return []
    found = []
    for path in paths:
        try:
            found.append(_read(path))
        except FileNotFoundError:
            continue  # ended and removed by another run meanwhile
        except (OSError, ValidationError, ValueError, RecursionError):
            raise ConfigError(
                f"{path.relative_to(workspace.root)} cannot be read (cut short, or not lit's): the batch "
                f"{path.stem} it names may still be answering requests this run would send again, and the service "
                "bills both. Wait for the batch to end and remove the file (its answers stay with the service), "
                "or remove it now to send the requests again"
            ) from None
    return found


def check_pending(workspace: Workspace) -> None:
    """A ConfigError (exit 2, before any call) for a batch record that cannot be read: never ignored."""
    pending_batches(workspace)


def _read(path: Path) -> PendingBatch:
    stat = path.stat()
    with _parsed_lock:
        known = _parsed.get(path)
    if known is not None and known[:2] == (stat.st_mtime_ns, stat.st_size):
        return known[2]
    batch = PendingBatch.model_validate_json(read_regular(path, follow=False))
    with _parsed_lock:
        _parsed[path] = (stat.st_mtime_ns, stat.st_size, batch)
    return batch


def find_pending(workspace: Workspace, request_key: str) -> tuple[PendingBatch, PendingItem] | None:
    """The pending batch holding `request_key`, and its item, if one does."""
    for batch in pending_batches(workspace):
        item = batch.item(request_key)
        if item is not None and not batch.ended:
            return batch, item
    return None


def claim_ended(workspace: Workspace, request_key: str) -> str | None:
    """The id of the ended batch that answered `request_key` without any run recording it, now claimed (the
    item is taken out of the record) by the caller, which records the call; None if there is none."""
    for batch in pending_batches(workspace):
        if batch.ended and batch.item(request_key) is not None:
            left = [i for i in batch.items if i.request_key != request_key]
            if left:
                save_pending(workspace, batch.model_copy(update={"items": left}))
            else:
                remove_pending(workspace, batch.id)
            return batch.id
    return None
