"""`.lit/drafts/`: what each `lit draft` wrote, and from which request (committed, like the generation records).

A draft record is to a draft what a lock entry is to a generation: the project's source state before it (one
hash over lit.toml, the prompts and the guideline files), the request, and the files it wrote with their
hashes. The same request on the state before gives the recorded files again with no call; on the state after
(the draft is in place, untouched) there is nothing to do. The dashboard shows a drafted prompt's request.

The files come with the repository, so they are read as hostile input: validated, and a bad one skipped.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from pydantic import BaseModel, Field, ValidationError

from lit_tasks.io.atomic import write_atomic
from lit_tasks.io.confined import read_inside
from lit_tasks.io.hashing import Hasher
from lit_tasks.model.paths import UnsafePathError, normalise_relpath
from lit_tasks.state.workspace import STATE_DIR, Workspace

DRAFTS_DIR = f"{STATE_DIR}/drafts"
MAX_RECORD_BYTES = 1 << 20


class DraftRecord(BaseModel):
    id: str
    request: str = Field(max_length=200_000)
    fix: str | None = None  # the prompt re-planned (`lit draft --fix`)
    before: str  # the source state the draft was made from
    after: str  # the source state with the draft in place
    files: dict[str, str]  # path -> hash of what was written
    roles: list[str] = []  # the roles that answered (architect, pm)
    finished: str

    def names(self, path: str) -> bool:
        return path in self.files


def state_hash(files: dict[str, bytes]) -> str:
    """One hash over the project's source files (path -> bytes): what a draft is made from."""
    h = Hasher("lit-draft-state-v1")
    for path in sorted(files):
        h.add(path.encode())
        h.add(files[path])
    return h.hexdigest()


def file_hash(data: bytes) -> str:
    h = Hasher("lit-draft-file-v1")
    h.add(data)
    return h.hexdigest()


def save_draft(workspace: Workspace, record: DraftRecord) -> None:
    directory = workspace.root / DRAFTS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    write_atomic(directory / f"{record.id}.json", (record.model_dump_json(indent=2) + "\n").encode())


def new_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{os.urandom(3).hex()}"


def load_drafts(workspace: Workspace) -> list[DraftRecord]:
    """Every readable draft record, oldest first; a file that is not one is skipped."""
    directory = workspace.root / DRAFTS_DIR
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith(".json"))
    except OSError:
        return []
    records = []
    for name in names:
        try:
            raw = read_inside(workspace.root, f"{DRAFTS_DIR}/{name}")
            if len(raw) > MAX_RECORD_BYTES:
                continue
            record = DraftRecord.model_validate_json(raw)
            for path in record.files:
                normalise_relpath(path)
        except (OSError, ValueError, ValidationError, UnsafePathError, RecursionError):
            continue
        records.append(record)
    return records


def drafted_from(workspace: Workspace, path: str) -> DraftRecord | None:
    """The latest draft that wrote `path` (a prompt's page shows its request)."""
    return next((r for r in reversed(load_drafts(workspace)) if r.names(path)), None)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
