"""Waiting for one submitted batch: poll it, show its progress, and when it ends put every usable answer in
the response cache, end its pending record and hand each waiting request its result.

There is one watcher per batch per process, whoever submitted the batch (this run, or an earlier run that was
killed while waiting): every request of the batch waits on it, so a batch is polled once however many
prompts it holds. Answers go into the cache before anyone is told, and for every item, waited on or not: a
rerun, or another prompt with the same request, then gets them without paying again.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime

from lit_providers.base import BatchAPI, BatchCounts, BatchResult, Completion
from lit_tasks.io import progress
from lit_tasks.io.errors import LitError, ProviderError
from lit_tasks.llm.batch_api import batch_api, retrying
from lit_tasks.llm.calls import Endpoint
from lit_tasks.llm.response import accept, parse_response
from lit_tasks.state.pending_batches import PendingBatch, PendingItem, batch_path, end_pending
from lit_tasks.state.workspace import Workspace

HEARTBEAT_S = 60.0  # a line at least this often while a batch is waiting, changed or not
MAX_FAILED_POLLS = 20  # consecutive transient failures before the wait is given up (the record stays)


@dataclass(frozen=True)
class Delivered:
    """What a waiting request gets: its result, and the batch it came from."""

    batch: str
    result: BatchResult


class Watcher:
    """Polls one batch on its own thread until it ends, then delivers every item's result."""

    def __init__(
        self, workspace: Workspace, endpoint: Endpoint, api: BatchAPI, record: PendingBatch, poll_s: float
    ) -> None:
        self.workspace = workspace
        self.endpoint = endpoint
        self.api = api
        self.record = record
        self.poll_s = poll_s
        self._futures: dict[str, list[Future[Delivered]]] = {}

    def future(self, custom_id: str) -> Future[Delivered]:
        """A future for one item's result (under the registry's lock: delivery takes the same lock)."""
        found: Future[Delivered] = Future()
        self._futures.setdefault(custom_id, []).append(found)
        return found

    def run(self) -> None:
        with progress.project_scope(str(self.workspace.root)):
            try:
                self._wait_until_ended()
                results = retrying(self.endpoint, f"batch {self.record.id}", self._results, self._warn)
            except LitError as err:
                self._fail(err)
                return
            except Exception as err:  # never leave a waiting prompt hanging
                self._fail(ProviderError(f"waiting for batch {self.record.id} failed: {err!r}"))
                return
            self._deliver(results)

    def _results(self) -> list[BatchResult]:
        return self.api.results(self.record.id)

    def _wait_until_ended(self) -> None:
        last: BatchCounts | None = None
        polls = failures = 0
        shown = time.monotonic()
        while True:
            if polls or failures:
                time.sleep(self.poll_s)  # the first look is at once: an earlier run's batch may have ended
            try:
                status = self.api.retrieve(self.record.id)
            except ProviderError as err:
                failures += 1
                if not err.retryable or failures > MAX_FAILED_POLLS:
                    raise ProviderError(
                        f"batch {self.record.id} could not be read ({err}); its record "
                        f"({batch_path(self.workspace, self.record.id).relative_to(self.workspace.root)}) stays: run again to "
                        "wait for it, or delete the record to send its requests again"
                    ) from None
                self._warn(f"batch {self.record.id}: {err}; polling again in {self.poll_s:g}s")
                continue
            failures = 0
            polls += 1
            quiet_for = time.monotonic() - shown
            if status.ended or status.counts != last or quiet_for >= HEARTBEAT_S:
                self._show(status.counts, status.ended, still=status.counts == last)
                last, shown = status.counts, time.monotonic()
            if status.ended:
                return

    def _show(self, counts: BatchCounts, ended: bool, still: bool = False) -> None:
        elapsed = duration(time.time() - created_at(self.record))
        line = f"{counts.processing} processing, {counts.succeeded} succeeded, {counts.errored} errored"
        line += "".join(
            f", {n} {what}" for what, n in (("canceled", counts.canceled), ("expired", counts.expired)) if n
        )
        state = "ended" if ended else "still waiting" if still else "waiting"
        progress.emit("note", f"batch {self.record.id} {state}: {line}, {elapsed}")

    def _warn(self, message: str) -> None:
        progress.emit("warn", message)

    def _deliver(self, results: list[BatchResult]) -> None:
        """Cache every usable answer, end the record (keeping what no run waited for), then tell every waiting
        request."""
        by_id = {r.custom_id: r for r in results}
        cache = self.workspace.responses
        cached = []
        for item in self.record.items:
            found = by_id.get(item.custom_id)
            if found is not None and found.completion is not None and usable(found.completion, item):
                cache.put(item.request_key, found.completion)
                cached.append(item)
        with _registry_lock:  # no request starts waiting on this watcher from here on
            waiting = self._forget()
            try:
                end_pending(self.workspace, self.record, [item for item in cached if item.custom_id not in waiting])
            except OSError as err:  # the answers are cached: a stale record only costs a rerun one more poll
                self._warn(f"batch {self.record.id}: could not update its record ({err.strerror or err})")
        for custom_id, futures in waiting.items():
            result = by_id.get(custom_id) or BatchResult(
                custom_id=custom_id, type="errored", error="missing from the batch's results", retryable=True
            )
            for future in futures:
                future.set_result(Delivered(self.record.id, result))

    def _fail(self, err: LitError) -> None:
        with _registry_lock:
            waiting = self._forget()
        for futures in waiting.values():
            for future in futures:
                future.set_exception(err)

    def _forget(self) -> dict[str, list[Future[Delivered]]]:
        """Unregister (under the registry's lock); returns the futures of every request that waited."""
        if _watchers.get(self.record.id) is self:
            del _watchers[self.record.id]
        return self._futures


def usable(completion: Completion, item: PendingItem) -> bool:
    """An answer the cache may keep: complete, and (for a generation) exactly the declared files."""
    try:
        accept(completion)
        if item.parse:
            parse_response(completion.text, tuple(item.outputs))
    except LitError:
        return False
    return True


def created_at(record: PendingBatch) -> float:
    return datetime.fromisoformat(record.created).timestamp()


def duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60:02d}s"
    return f"{seconds // 3600}h {seconds % 3600 // 60:02d}m"


_watchers: dict[str, Watcher] = {}
_registry_lock = threading.Lock()


def watch(
    workspace: Workspace,
    endpoint: Endpoint,
    api: BatchAPI | None,
    record: PendingBatch,
    poll_s: float,
    custom_ids: list[str],
) -> list[Future[Delivered]]:
    """The future results of items `custom_ids` of the batch `record`, from the batch's one watcher in this
    process (started now if there is none; `api` is the endpoint's batch service, made when None)."""
    with _registry_lock:
        watcher = _watchers.get(record.id)
        started, resumed = watcher is None, api is None
        if watcher is None:
            if api is None:
                api = batch_api(endpoint)
            watcher = _watchers[record.id] = Watcher(workspace, endpoint, api, record, poll_s)
        futures = [watcher.future(custom_id) for custom_id in custom_ids]
    if started and resumed:
        progress.emit(
            "note",
            f"batch {record.id}: waiting for it (sent by an earlier run, {progress.plural(len(record.items), 'request')})",
        )
    if started:
        threading.Thread(target=watcher.run, name=f"lit-batch-{record.id}", daemon=True).start()
    return futures
