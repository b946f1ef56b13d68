"""The pipeline of the last run, prompt by prompt and step by step, from the events it appended (`state.events`):
when each step began and ended, live while the run goes on, each with the usual duration of that step for that
prompt (the mean over the generation records) so a person sees what is slow and what is left.

A run is what one process did between its `run-start` and its `run-end` (or its death). `lit draft` steps are
its `drafting` events; a `generating` that follows a verification or review of the same prompt is a fix.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from itertools import islice

from lit_tasks.state.events import Event
from lit_tasks.state.records import RunRecord
from lit_tasks.web.models import Segment, Timeline, TimelineRow

STEP_OF = {"drafting": "draft", "generating": "generate", "verifying": "verify", "reviewing": "review"}
ENDS = ("done", "failed")
DRAFT_PREFIX = "lit-draft/"


def last_run(log: Sequence[Event]) -> list[Event]:
    """The events of the newest run in `log`, from its start to its end (or to now)."""
    start = next((i for i in range(len(log) - 1, -1, -1) if log[i].state == "run-start"), None)
    if start is None:
        return []
    pid = log[start].pid
    run = [log[start]]
    for event in islice(log, start + 1, None):
        if event.pid != pid:
            continue
        run.append(event)
        if event.state == "run-end":
            break
    return run


def usual_durations(records: list[RunRecord], before: float) -> dict[tuple[str, str], float]:
    """(prompt, step) -> the mean of its durations in the runs that ended before `before`: a call's seconds for
    its role, its verify commands summed."""
    seen: dict[tuple[str, str], list[float]] = defaultdict(list)
    for record in records:
        if not _ended_before(record, before):
            continue
        for call in record.prompts:
            step = "draft" if call.role in ("pm", "architect") else call.role
            seen[(call.prompt, step)].append(call.seconds)
            commands = (call.verification or {}).get("commands") or []
            spent = [c.get("seconds") for c in commands if isinstance(c, dict)]
            if spent and all(isinstance(s, int | float) for s in spent):
                seen[(call.prompt, "verify")].append(float(sum(spent)))
    return {key: sum(values) / len(values) for key, values in seen.items()}


def build_timeline(
    log: Sequence[Event], records: list[RunRecord], alive: Callable[[int], bool], now: float
) -> Timeline | None:
    """The last run's timeline; None when no run is on file."""
    run = last_run(log)
    if not run:
        return None
    origin = run[0].t
    ended = run[-1].state == "run-end" or not alive(run[0].pid)
    end = run[-1].t if ended else now
    usual = usual_durations(records, origin)
    rows: dict[str, TimelineRow] = {}
    open_steps: dict[str, tuple[str, float]] = {}
    for event in run:
        key = event.prompt
        if key is None:
            continue
        row = rows.setdefault(key, TimelineRow(prompt=key, state=event.state, segments=[]))
        if key in open_steps:
            step, since = open_steps.pop(key)
            row.segments.append(_segment(step, since, event.t, origin, usual.get((key, step))))
        if event.state in STEP_OF:
            step = STEP_OF[event.state]
            if step == "generate" and any(s.step in ("verify", "review") for s in row.segments):
                step = "fix"
            open_steps[key] = (step, event.t)
            row.state = step
        elif event.state in ENDS:
            row.state = event.state
            if row.segments:
                row.segments[-1].outcome = event.state
    for key, (step, since) in open_steps.items():
        segment = _segment(step, since, end, origin, usual.get((key, step)))
        segment.live, segment.outcome = not ended, None if not ended else "interrupted"
        rows[key].segments.append(segment)
        rows[key].state = step if not ended else "interrupted"
    return Timeline(
        pid=run[0].pid,
        started=datetime.fromtimestamp(origin, UTC).isoformat(timespec="seconds"),
        live=not ended,
        seconds=round(max(end - origin, 0.0), 3),
        rows=list(rows.values()),
    )


def _ended_before(record: RunRecord, moment: float) -> bool:
    try:
        return record.finished is not None and datetime.fromisoformat(record.finished).timestamp() < moment
    except ValueError:  # a broken record (the runs page shows it as such)
        return False


def _segment(step: str, since: float, until: float, origin: float, usual: float | None) -> Segment:
    usual_s = round(usual, 3) if usual is not None else None
    return Segment(
        step=step, start_s=round(since - origin, 3), seconds=round(max(until - since, 0.0), 3), usual_s=usual_s
    )
