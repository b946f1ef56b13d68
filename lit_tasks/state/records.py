"""Generation records (`.lit/generations/<id>.json`, committed): what each run cost and what it produced.

During a run, each finished prompt appends one line to `<id>.jsonl` (constant work per prompt, and a crash
keeps every finished prompt); when the process ends the lines become one pretty JSON record with a summary.
Ids are a UTC timestamp plus random bytes, created exclusively, so two runs never share a file.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import secrets
import threading
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlparse

from pydantic import BaseModel, PrivateAttr, ValidationError

from lit_providers.base import Completion, Usage
from lit_tasks.io.atomic import write_atomic
from lit_tasks.io.confined import require_inside
from lit_tasks.io.hashing import read_regular
from lit_tasks.model.settings import GenerationSettings
from lit_tasks.state import ledger

if TYPE_CHECKING:
    from lit_tasks.state.workspace import Workspace

RECORDS_DIR = Path(".lit") / "generations"
PLANNING_ROLES = (
    "pm",
    "architect",
)  # `lit draft`'s calls: they build no prompt  # as git sees it, from the project root
TRAILER = re.compile(r"^Lit-Generation:\s*(\S+)\s*$", re.M)  # a commit's trailer naming a record it carries


class PromptRecord(BaseModel):
    prompt: str
    provider: str
    model: str
    endpoint: str | None = None
    request_id: str | None = None
    usage: Usage
    stop_reason: str
    seconds: float
    cost_usd: float | None
    saved_usd: float = 0.0  # what the response cache saved: this call was not made
    cache_saved_usd: float = 0.0  # what the provider's prompt cache saved (negative: writes never read back)
    batch_saved_usd: float = 0.0  # what answering in a batch saved against the interactive price
    estimate_usd: float | None = None  # what the spending limit expected this call to cost, before it was made
    batch: str | None = None  # the batch that answered the call (billed at the batch price), None if interactive
    usage_anomaly: str | None = None  # the service reported more than the request allowed (`llm.usage_bounds`)
    subscription: bool = False  # answered on the user's subscription (claude-code, auth = "subscription"): $0
    cached: bool
    input_hash: str
    request_key: str
    outputs: list[str]
    written: list[str]
    finished: str
    role: str = "generate"  # generate, fix (a verification retry) or review
    attempt: int = 0
    verification: dict[str, Any] | None = None  # commands run, exit codes, trimmed output, review verdict

    @classmethod
    def build(
        cls,
        values: dict[str, Any],
        settings: GenerationSettings,
        completion: Completion,
        *,
        endpoint: str | None,
        request_key: str,
        input_hash: str,
        role: str = "generate",
        attempt: int = 0,
        verification: dict[str, Any] | None = None,
    ) -> PromptRecord:
        return cls(
            prompt=values["prompt"],
            provider=settings.provider,
            model=completion.model,
            endpoint=endpoint,
            request_id=None if values["cached"] else completion.request_id,
            usage=Usage() if values["cached"] else completion.usage,
            stop_reason=completion.stop_reason,
            seconds=values["seconds"],
            cost_usd=values["cost_usd"],
            saved_usd=values["saved_usd"],
            cache_saved_usd=values.get("cache_saved_usd", 0.0),
            batch_saved_usd=values.get("batch_saved_usd", 0.0),
            estimate_usd=values.get("estimate_usd"),
            batch=values.get("batch"),
            usage_anomaly=None if values["cached"] else completion.usage_anomaly,
            subscription=completion.subscription,
            cached=values["cached"],
            input_hash=input_hash,
            request_key=request_key,
            outputs=values["outputs"],
            written=values["written"],
            finished=now(),
            role=role,
            attempt=attempt,
            verification=verification,
        )


class Summary(BaseModel):
    prompts: int = 0
    calls: int = 0
    cache_hits: int = 0
    usage: Usage = Usage()
    cost_usd: float = 0.0
    cost_complete: bool = True
    saved_usd: float = 0.0  # what the response cache saved: this call was not made
    cache_saved_usd: float = 0.0  # what the provider's prompt cache saved (negative: writes never read back)
    batch_saved_usd: float = 0.0  # what answering in a batch saved against the interactive price
    files_written: int = 0
    seconds: float = 0.0

    _built: set[str] = PrivateAttr(default_factory=set)  # the prompts generated: fixes and reviews add calls only

    @classmethod
    def of(cls, prompts: Iterable[PromptRecord], seconds: float) -> Summary:
        summary = cls()
        for p in prompts:
            summary.add(p)
        summary.seconds = seconds
        return summary

    def add(self, p: PromptRecord) -> None:
        """Count one entry: a run's summary grows with its journal, so no entry has to stay in memory."""
        if p.role not in PLANNING_ROLES:  # drafts build no prompt
            self._built.add(p.prompt)
            self.prompts = len(self._built)
        self.calls += 0 if p.cached else 1
        self.cache_hits += int(p.cached)
        self.usage = Usage(**{k: getattr(self.usage, k) + getattr(p.usage, k) for k in Usage.model_fields})
        if p.cost_usd is None:
            self.cost_complete = False
        else:
            self.cost_usd += p.cost_usd
        self.saved_usd += p.saved_usd
        self.cache_saved_usd += p.cache_saved_usd
        self.batch_saved_usd += p.batch_saved_usd
        self.files_written += len(p.written)


class RunRecord(BaseModel):
    id: str
    lit_version: str
    started: str
    finished: str | None = None
    parent_commit: str | None = None
    complete: bool = True
    prompts: list[PromptRecord] = []
    summary: Summary = Summary()


def now() -> str:
    return iso(time.time())


def iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def wall_seconds(started: str, finished: str) -> float:
    """The run's wall time: with -j N its prompts overlap, so their own times do not add up to it."""
    parse = datetime.fromisoformat
    return round((parse(finished) - parse(started)).total_seconds(), 3)


def endpoint_host(url: str | None) -> str | None:
    return urlparse(url).hostname if url else None


def parent_commit(workspace: Workspace) -> str | None:
    """HEAD of the git repository holding the project, if any (the commit this run's code builds on)."""
    root = workspace.root
    if not any((d / ".git").exists() for d in (root, *root.parents)):  # where git itself starts looking
        return None  # importing pygit2 costs 0.1 s, paid under the record's lock while the first prompts wait
    try:
        import pygit2

        path = pygit2.discover_repository(str(root))
        if not path:
            return None
        repo = pygit2.Repository(path)
        return None if repo.head_is_unborn else str(repo.head.target)
    except Exception:  # no repository, or one pygit2 cannot read: the record just has no parent
        return None


class Recorder:
    """The record of this process's run in one project; created on the first finished prompt."""

    def __init__(self, workspace: Workspace, started: float) -> None:
        self.workspace = workspace
        self.started = started  # when the run began, not when its first prompt finished
        self.directory = workspace.records_dir
        self._lock = threading.Lock()
        self._record: RunRecord | None = None  # the run's head: its entries are in the journal only
        self._summary = Summary()
        self._journal: Path | None = None
        self._file: TextIO | None = None  # open for the whole run: one open per run, not one per prompt

    def _open(self) -> None:
        from lit_tasks.version import __version__

        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            rid = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
            journal = self.directory / f"{rid}.jsonl"
            try:
                fd = os.open(journal, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                continue
            os.close(fd)
            break
        self._record = RunRecord(
            id=rid, lit_version=__version__, started=iso(self.started), parent_commit=parent_commit(self.workspace)
        )
        self._journal = journal
        self._file = open(journal, "a", encoding="utf-8")  # noqa: SIM115 - closed by finish()
        self._file.write(self._record.model_dump_json(exclude={"prompts", "summary"}) + "\n")
        self._file.flush()

    def append(self, entry: PromptRecord) -> None:
        """Add one prompt's entry; a record that cannot be written is reported, it never fails the prompt."""
        try:
            self._append(entry)
        except OSError as err:
            from lit_tasks.io import progress

            progress.emit("warn", f"could not write the generation record: {err.strerror or err}")

    def _append(self, entry: PromptRecord) -> None:
        with self._lock:
            if self._record is None:
                self._open()
            assert self._file is not None and self._record is not None
            self._summary.add(entry)
            self._file.write(entry.model_dump_json() + "\n")
            self._file.flush()  # a killed run leaves every finished prompt in the journal
        ledger.add(entry)

    def finish(self) -> RunRecord | None:
        """Write `<id>.json` and remove the journal; returns the record's head and summary (None if nothing was
        generated)."""
        with self._lock:
            record, journal = self._record, self._journal
            if record is None or journal is None:
                return None
            if self._file is not None:
                with contextlib.suppress(OSError):
                    self._file.close()
                self._file = None
            record.finished = now()
            record.summary = self._summary
            record.summary.seconds = wall_seconds(record.started, record.finished)
            try:
                write_atomic(journal.with_suffix(".json"), pretty_record(record, journal))
            except (OSError, ValidationError, ValueError) as err:
                from lit_tasks.io import progress  # the journal holds every call: it is read as this run's record

                reason = err.strerror if isinstance(err, OSError) and err.strerror else err
                progress.emit(
                    "warn", f"could not write the generation record ({reason}); {journal.name} keeps every call"
                )
            else:
                with contextlib.suppress(FileNotFoundError):
                    journal.unlink()
            self._record = self._journal = None
            self._summary = Summary()
            return record


def pretty_record(head: RunRecord, journal: Path) -> Iterator[bytes]:
    """`head` with the entries of `journal` as its prompts, as `head.model_dump_json(indent=2)` would write the
    whole record, one entry in memory at a time: at 5,000 prompts the entries as models held 15 MB (tracemalloc)."""
    before, marker, after = head.model_dump_json(indent=2).partition('\n  "prompts": [],')
    assert marker, "a run's head carries no prompts"
    yield before.encode() + b'\n  "prompts": ['
    separator = b"\n"
    with open(journal, "rb") as lines:
        next(lines)  # the head
        for line in lines:
            if line.strip():
                entry = PromptRecord.model_validate_json(line).model_dump_json(indent=2)
                yield separator + b"    " + entry.replace("\n", "\n    ").encode()
                separator = b",\n"
    yield (b"\n  ]," if separator != b"\n" else b"],") + after.encode() + b"\n"


_recorders: dict[tuple[Path, float], Recorder] = {}
_recorders_lock = threading.Lock()


def recorder_for(workspace: Workspace, started: float) -> Recorder:
    """The record of the run in `workspace` that began at `started` (a process may run several, one after
    another)."""
    key = (workspace.root, started)
    with _recorders_lock:
        if key not in _recorders:
            _recorders[key] = Recorder(workspace, started)
        return _recorders[key]


@atexit.register
def finish_all() -> list[RunRecord]:
    """Close every open record (called by `lit` after a run, and at exit for `doit` runs)."""
    with _recorders_lock:
        recorders = list(_recorders.values())
        _recorders.clear()
    return [r for r in (rec.finish() for rec in recorders) if r is not None]


RecordCache = dict[str, tuple[tuple[int, int], RunRecord]]  # path -> (mtime and size it was read at, record)


def load_records(workspace: Workspace, cache: RecordCache | None = None) -> list[RunRecord]:
    """Every record of the project, oldest first; a journal left by a killed run is read as incomplete. With a
    `cache` (a long-lived reader: `lit serve`), a file is parsed again only when its mtime or size changed."""
    directory = workspace.records_dir
    records: list[RunRecord] = []
    if not directory.is_dir():
        return records
    require_inside(workspace.root, os.path.relpath(directory, workspace.root))  # a clone's link to records elsewhere
    for path in sorted(directory.iterdir()):
        try:
            st = path.stat()
            version = (st.st_mtime_ns, st.st_size)
            known = cache.get(str(path)) if cache is not None else None
            if known is not None and known[0] == version:
                records.append(known[1])
                continue
            if path.suffix == ".json":
                record = RunRecord.model_validate_json(read_regular(path, follow=False))
            elif path.suffix == ".jsonl":
                record = _from_journal(path)
            else:
                continue
        except (OSError, ValidationError, ValueError):
            continue
        records.append(record)
        if cache is not None:
            cache[str(path)] = (version, record)
    return sorted(records, key=lambda r: r.started)


def _from_journal(path: Path) -> RunRecord:
    lines = [line for line in read_regular(path, follow=False).decode("utf-8").splitlines() if line.strip()]
    if not lines:  # a run that has just opened its journal: nothing on record yet
        raise ValueError(f"{path.name}: empty journal")
    head = RunRecord.model_validate_json(lines[0])
    prompts = []
    for line in lines[1:]:
        with contextlib.suppress(ValidationError, ValueError):
            prompts.append(PromptRecord.model_validate_json(line))
    last = max((p.finished for p in prompts), default=head.started)
    summary = Summary.of(prompts, wall_seconds(head.started, last))
    return head.model_copy(update={"prompts": prompts, "summary": summary, "complete": False})
