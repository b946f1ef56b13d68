"""The dashboard's data, read from the project as it is now: each prompt's state and cost, a prompt's detail, the
runs. Everything here is read-only and recomputed on demand; `live` overlays what running builds are doing."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from lit_tasks.io.errors import LitError
from lit_tasks.model.paths import CODE_DIR
from lit_tasks.state.index import LazyProject, ProjectIndex
from lit_tasks.state.records import PromptRecord, RecordCache, RunRecord, load_records, wall_seconds
from lit_tasks.state.status import project_status
from lit_tasks.state.workspace import Workspace
from lit_tasks.web.models import HistoryEntry, PromptSummary, RunView, Step


@dataclass
class Board:
    """A project's prompts with their base state (from the lock: up-to-date, stale, never-built), in schedule
    order, and its records; or the error that kept it from loading."""

    root: Path
    index: ProjectIndex | None = None
    prompts: dict[str, PromptSummary] = field(default_factory=dict)
    records: list[RunRecord] = field(default_factory=list)
    error: str | None = None

    @property
    def spent_usd(self) -> float:
        """What every generation of these prompts on record cost."""
        return sum(p.total_cost_usd for p in self.prompts.values())


def read_board(root: Path, cache: RecordCache | None = None) -> Board:
    """The project at `root` now; a project that does not load is a board with its error (the page shows it).
    `cache` keeps the records parsed between reads."""
    try:
        records = load_records(Workspace(root), cache)  # the runs are on record whether the project loads or not
    except LitError as err:
        return Board(root, error=str(err))
    try:
        lazy = LazyProject.load(root)
        status = project_status(lazy.workspace, lazy.index)
    except LitError as err:
        return Board(root, records=records, error=str(err))
    board = Board(root, lazy.index, records=records)
    runs_of: dict[str, list[tuple[RunRecord, list[PromptRecord]]]] = {}  # prompt -> its runs with their calls
    for record in records:
        calls: dict[str, list[PromptRecord]] = {}
        for call in record.prompts:
            calls.setdefault(call.prompt, []).append(call)
        for key, mine in calls.items():
            runs_of.setdefault(key, []).append((record, mine))
    for key in lazy.index.order:
        entry, st = lazy.index.prompts[key], status.prompts[key]
        mine = runs_of.get(key, [])
        board.prompts[key] = PromptSummary(
            path=key,
            title=entry.title,
            state="never-built" if st.never_built else "stale" if st.stale or st.edited else "up-to-date",
            reasons=st.reasons + [f"{CODE_DIR}/{out} edited by hand" for out in st.edited],
            cost_usd=cost_of(mine[-1][1]) if mine else None,
            cached=bool(mine) and all(p.cached for p in mine[-1][1]),
            saved_usd=sum(p.saved_usd for p in mine[-1][1]) if mine else 0.0,
            total_cost_usd=sum(cost_of(calls) or 0.0 for _, calls in mine),
            outputs=list(entry.outputs),
            imports=list(entry.imports),
            last_record=mine[-1][0].id if mine else None,
        )
    return board


def calls_of(record: RunRecord, key: str) -> list[PromptRecord]:
    return [p for p in record.prompts if p.prompt == key]


def cost_of(calls: list[PromptRecord]) -> float | None:
    """What the calls cost; None when a price was unknown."""
    costs = [p.cost_usd for p in calls]
    return None if any(c is None for c in costs) else sum(c for c in costs if c is not None)


def steps_of(calls: list[PromptRecord]) -> list[Step]:
    return [
        Step(
            role=p.role,
            attempt=p.attempt,
            model=p.model,
            cached=p.cached,
            input_tokens=p.usage.input_tokens + p.usage.cache_write_tokens + p.usage.cache_read_tokens,
            output_tokens=p.usage.output_tokens,
            cost_usd=p.cost_usd,
            seconds=p.seconds,
            verdict=verdict_line(p),
            finished=p.finished,
        )
        for p in calls
    ]


def verdict_line(call: PromptRecord) -> str | None:
    """The verification or review outcome of a call, in a line."""
    found = call.verification or {}
    review = found.get("review")
    if isinstance(review, dict):
        return "review approved" if review.get("approved") else f"review: {len(review.get('issues') or [])} issue(s)"
    if "passed" not in found:
        return None
    if found["passed"]:
        return "verification passed"
    failed = next((c for c in found.get("commands") or [] if c.get("exit_code")), None)
    return (
        f"verification failed: `{failed['command']}` exited {failed['exit_code']}" if failed else "verification failed"
    )


def history_of(board: Board, key: str, commits: dict[str, str]) -> list[HistoryEntry]:
    """Every run that generated `key`, newest first, with the commit that carries its record."""
    entries = []
    for record in reversed(board.records):
        calls = calls_of(record, key)
        if calls:
            entries.append(
                HistoryEntry(
                    record=record.id,
                    finished=record.finished,
                    calls=sum(0 if p.cached else 1 for p in calls),
                    cost_usd=cost_of(calls) or 0.0,
                    commit=commits.get(record.id),
                )
            )
    return entries


def run_views(records: list[RunRecord]) -> list[RunView]:
    """The runs, newest first; a record whose times do not parse is one row saying so, not a failed page."""
    return [_run_view(r) for r in reversed(records)]


def _run_view(r: RunRecord) -> RunView:
    broken, seconds = None, r.summary.seconds
    try:
        if r.finished:
            seconds = wall_seconds(r.started, r.finished)
    except (ValueError, TypeError, OverflowError):
        broken, seconds = "its start or end time is not a time", 0.0
    return RunView(
        id=r.id,
        started=r.started,
        finished=r.finished,
        complete=r.complete,
        prompts=sorted({p.prompt for p in r.prompts}),
        calls=r.summary.calls,
        cache_hits=r.summary.cache_hits,
        cost_usd=r.summary.cost_usd if math.isfinite(r.summary.cost_usd) else 0.0,
        wall_seconds=seconds,
        broken=broken,
    )
