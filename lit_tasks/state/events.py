"""The build's events: what each prompt of a run is doing now, for `lit serve` to follow from another process.

Every run appends one JSON line per change of a prompt's state (`drafting` for a `lit draft` step, `generating`, `verifying`, `reviewing`, `done`,
`failed`) and one when it starts and ends, to `.lit/events.jsonl`: local state, never committed. Appends are
whole lines under an exclusive lock (`atomic.append_exclusive`), so overlapping runs never interleave; a
reader follows the file by offset. The file is started afresh by a run that finds it over `MAX_BYTES` and no
other run going, so it stays small.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Annotated, Literal

import msgspec
from msgspec import Meta

from lit_tasks.io.atomic import append_exclusive
from lit_tasks.io.hashing import open_regular

if TYPE_CHECKING:
    from lit_tasks.state.workspace import Workspace

MAX_BYTES = 1 << 20
MAX_PID = 1 << 22  # Linux's largest pid_max: a pid beyond it is no process
MAX_LINE = 1 << 16  # no event is longer; an unfinished line past it is skipped, not waited for
READ_LIMIT = 1 << 22  # read at most this much per call; the rest on the next
State = Literal["drafting", "generating", "verifying", "reviewing", "done", "failed", "run-start", "run-end"]


class Event(msgspec.Struct, omit_defaults=True):
    """One line of the events file. The file is local but anything can write it, so every field is checked as
    it is read (types and ranges): a line that fails is skipped and counted, never trusted."""

    t: Annotated[float, Meta(ge=0, le=1e11)]  # seconds since the epoch
    pid: Annotated[int, Meta(ge=1, le=MAX_PID)]
    state: State  # a prompt's, or a run's start and end
    prompt: Annotated[str, Meta(max_length=4096)] | None = None
    cost_usd: Annotated[float, Meta(ge=0, le=1e9)] | None = None
    message: Annotated[str, Meta(max_length=2000)] | None = None


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


class EventReader:
    """Follows one project's events file by offset: whole lines only, each checked (`Event`), bad ones skipped and
    counted. A last line still being written is waited for while it could be an event; one longer than any
    event (`MAX_LINE`) is skipped, up to its newline, so a stray write never makes the reader reread the file."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.offset = 0  # where the next whole line starts
        self.unfinished = 0  # bytes after `offset` that are a line not yet ended
        self.skipped = 0  # lines that were not events
        self._discarding = False  # inside a line too long to be one: skip to its newline

    def read(self) -> list[Event]:
        """The events appended since the last call (the file started afresh: from its beginning)."""
        while True:
            data = self._chunk()
            if data is None:
                return []
            if not self._discarding:
                break
            newline = data.find(b"\n")  # skip the rest of an overlong line, however much was written of it
            self.offset += len(data) if newline < 0 else newline + 1
            self._discarding = newline < 0
            if newline < 0 and len(data) < READ_LIMIT:
                return []  # the file ends inside it
        end = data.rfind(b"\n") + 1
        found = [event for line in data[:end].split(b"\n") if (event := self._event(line)) is not None]
        self.offset += end
        self.unfinished = len(data) - end
        if self.unfinished > MAX_LINE:
            self.offset, self.unfinished, self._discarding = self.offset + self.unfinished, 0, True
            self.skipped += 1
        return found

    def has_news(self) -> bool:
        """Whether the file changed since the last read (grew past the unfinished line, or started afresh)."""
        try:
            return os.path.getsize(self.workspace.events_file) != self.offset + self.unfinished
        except OSError:
            return False

    def _chunk(self) -> bytes | None:
        """Up to READ_LIMIT bytes from the offset (None: no file, or not a regular one: nothing to read)."""
        try:
            fd, st = open_regular(self.workspace.events_file, follow=False)  # never a FIFO waited on, nor a link
        except OSError:
            return None
        try:
            if st.st_size < self.offset:  # started afresh
                self.offset = self.unfinished = 0
                self._discarding = False
            return os.pread(fd, READ_LIMIT, self.offset)
        finally:
            os.close(fd)

    def _event(self, line: bytes) -> Event | None:
        if not line.strip():
            return None
        try:
            return _decoder.decode(line)
        except (msgspec.DecodeError, RecursionError):  # a broken or hostile line (a ValidationError is one too)
            self.skipped += 1
            return None
