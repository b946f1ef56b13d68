"""The build's events: what each prompt of a run is doing now, for `lit serve` to follow from another process.

Every run appends one JSON line per change of a prompt's state (`generating`, `verifying`, `reviewing`, `done`,
`failed`) and one when it starts and ends, to `.lit/events.jsonl`: local state, never committed. Appends are
whole lines under an exclusive lock (`atomic.append_exclusive`), so overlapping runs never interleave; a
reader follows the file by offset. The file is started afresh by a run that finds it over `MAX_BYTES` and no
other run going, so it stays small.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Literal

import msgspec

from lit_tasks.io.atomic import append_exclusive

if TYPE_CHECKING:
    from lit_tasks.state.workspace import Workspace

MAX_BYTES = 1 << 20
State = Literal["generating", "verifying", "reviewing", "done", "failed", "run-start", "run-end"]


class Event(msgspec.Struct, omit_defaults=True):
    t: float  # seconds since the epoch
    pid: int
    state: State  # a prompt's, or a run's start and end
    prompt: str | None = None
    cost_usd: float | None = None
    message: str | None = None


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Event)


def emit(workspace: Workspace, state: State, prompt: str | None = None, **fields: object) -> None:
    """Append one event; never fails the build (the dashboard is a view, not a part of the build)."""
    event = Event(t=time.time(), pid=os.getpid(), state=state, prompt=prompt, **fields)  # type: ignore[arg-type]
    try:
        append_exclusive(os.fspath(workspace.events_file), _encoder.encode(event) + b"\n")
    except OSError:
        pass


def start_afresh_if_large(workspace: Workspace) -> None:
    """Called by a run that is alone on the project: drop the old events once the file is large."""
    path = workspace.events_file
    try:
        if os.path.getsize(path) > MAX_BYTES:
            os.truncate(path, 0)
    except OSError:
        pass


def read_from(workspace: Workspace, offset: int) -> tuple[list[Event], int]:
    """The whole events written from byte `offset` on, and the offset after them; a file that shrank (started
    afresh) is read from its beginning. A partial last line is left for the next read."""
    try:
        with open(workspace.events_file, "rb") as f:
            if os.fstat(f.fileno()).st_size < offset:
                offset = 0
            f.seek(offset)
            data = f.read()
    except FileNotFoundError:
        return [], 0
    end = data.rfind(b"\n") + 1
    events = []
    for line in data[:end].splitlines():
        try:
            events.append(_decoder.decode(line))
        except msgspec.DecodeError:
            continue  # a line from a future or broken writer: skipped, never fatal
    return events, offset + end
