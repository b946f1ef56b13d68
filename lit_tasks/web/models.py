"""What the dashboard's JSON API returns (`docs/dashboard.md` documents each field)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

State = Literal["up-to-date", "stale", "queued", "generating", "reviewing", "verifying", "failed", "never-built"]


class PromptSummary(BaseModel):
    path: str
    title: str
    state: State
    reasons: list[str] = []  # why it is stale, in `lit check`'s words
    cost_usd: float | None = None  # what its last generation cost (every call of it: generate, fix, review)
    cached: bool = False  # its last generation was answered from the response cache: no call, `saved_usd` saved
    saved_usd: float = 0.0  # what the cache saved on its last generation
    total_cost_usd: float = 0.0  # every generation of it on record
    outputs: list[str]
    imports: list[str]
    last_record: str | None = None  # the id of the run that last generated it
    failure: str | None = None  # while `failed`: the first line of what the build said


class Step(BaseModel):
    """One call of a generation: generate, fix (after a failed verification) or review."""

    role: str
    attempt: int
    model: str
    cached: bool
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    seconds: float
    verdict: str | None = None  # what the verification or review said, in a line
    finished: str


class HistoryEntry(BaseModel):
    record: str
    finished: str | None
    calls: int
    cost_usd: float
    commit: str | None = None  # the short id of the commit that carries the record, if committed


class OutputView(BaseModel):
    path: str
    exists: bool
    diff: str | None = None  # its last change: the work tree against HEAD, else the last commit touching it
    diff_of: str | None = None  # "work tree" or the short commit id the diff comes from


class DraftOrigin(BaseModel):
    """The `lit draft` that last wrote a prompt: the request it came from."""

    draft: str
    request: str
    fix: str | None = None  # the prompt whose failure it re-planned
    finished: str
    edited_since: bool  # the prompt file is no longer what the draft wrote


class PromptDetail(PromptSummary):
    frontmatter: str
    drafted_from: DraftOrigin | None = None
    importers: list[str]
    output_views: list[OutputView]
    steps: list[Step]  # the calls of its last generation
    history: list[HistoryEntry]


class RunView(BaseModel):
    id: str
    started: str
    finished: str | None
    complete: bool
    prompts: list[str]
    calls: int
    cache_hits: int
    cost_usd: float
    wall_seconds: float
    broken: str | None = None  # what is wrong with the record, when something is


class Segment(BaseModel):
    """One step of one prompt in a run: draft, generate, fix, verify or review."""

    step: str
    start_s: float  # seconds after the run started
    seconds: float  # how long it took, or has taken so far while `live`
    live: bool = False  # going on now
    outcome: str | None = None  # how it ended when it was the prompt's last step: done, failed, interrupted
    usual_s: float | None = None  # the mean of this prompt's past durations of this step, from the records


class TimelineRow(BaseModel):
    prompt: str
    state: str  # the step going on, or how the prompt's run ended
    segments: list[Segment]


class Timeline(BaseModel):
    """The last run on the project (the one going on, if any), step by step."""

    pid: int
    started: str
    live: bool
    seconds: float
    rows: list[TimelineRow]
