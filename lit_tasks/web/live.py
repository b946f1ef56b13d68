"""What running builds are doing, from the events they append (`state.events`), laid over the board's states.

A prompt shows `generating`, `verifying` or `reviewing` while the run that said so is alive; `failed` while the
last run that tried it failed and it is still not up to date; `queued` while a run is going and the prompt is
stale or never built; else its state from the lock. A run that was killed never says it ended: a run counts as
alive while its process exists.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from lit_tasks.state import events
from lit_tasks.state.locks import pid_alive
from lit_tasks.state.workspace import Workspace
from lit_tasks.web.board import Board

BUSY = ("generating", "verifying", "reviewing")
LOG_EVENTS = 50_000  # more than a full events file holds (`events.MAX_BYTES`)
NOT_BUILT = ("stale", "never-built")


@dataclass
class Live:
    """The events read so far from one project's events file."""

    workspace: Workspace
    reader: events.EventReader = field(init=False)
    runs: set[int] = field(default_factory=set)  # pids that started a run and have not said it ended
    prompts: dict[str, events.Event] = field(default_factory=dict)  # the last event of each prompt
    log: deque[events.Event] = field(default_factory=lambda: deque(maxlen=LOG_EVENTS))  # for the timeline

    def __post_init__(self) -> None:
        self.reader = events.EventReader(self.workspace)

    def follow(self) -> list[events.Event]:
        """Read what was appended since the last call, and return it."""
        new = self.reader.read()
        self.log.extend(new)
        for event in new:
            if event.state == "run-start":
                self.runs.add(event.pid)
            elif event.state == "run-end":
                self.runs.discard(event.pid)
            elif event.prompt is not None:
                self.prompts[event.prompt] = event
        return new

    def has_news(self) -> bool:
        """Whether the events file grew (or started afresh) since the last read."""
        return self.reader.has_news()

    @property
    def skipped(self) -> int:
        """Lines of the events file that were not events (broken, or hostile), skipped."""
        return self.reader.skipped

    def running(self) -> bool:
        self.runs = {pid for pid in self.runs if pid_alive(pid)}
        return bool(self.runs)

    def state(self, key: str, base: str, run_going: bool) -> str:
        event = self.prompts.get(key)
        if event is not None and event.state in BUSY and pid_alive(event.pid):
            return event.state
        if event is not None and event.state == "failed" and base != "up-to-date":
            return "failed"
        if run_going and base in NOT_BUILT:
            return "queued"
        return base


def states(board: Board, live: Live) -> dict[str, str]:
    """Every prompt's state now, base and live together."""
    going = live.running()
    return {key: live.state(key, summary.state, going) for key, summary in board.prompts.items()}
