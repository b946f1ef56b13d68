"""`lit regenerate --batch`: the requests of one wave of prompts sent as one batch, at the batch price.

doit runs every ready prompt at once (in batch mode `-j` defaults to the number of prompts); each generation
action is counted in and out (`running`), and a request that misses the response cache is queued here and
its action blocks (`wait`). When every running action is waiting, nothing else can make progress, so the
queue is the whole wave: it is sent then, one batch per endpoint. doit hands a wave's tasks to its threads
one after another, so the barrier also waits until nothing has started, asked or finished for `settle_s`:
a batch sent early only splits a wave in two (a wait more, never a cost more, since a batch is priced per
token).

A sent batch is recorded under `.lit/batches/` before anyone waits on it, and watched by `batch_watch`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass

from lit_providers.base import GenerationRequest
from lit_tasks.io import progress
from lit_tasks.io.errors import LitError, ProviderError
from lit_tasks.llm.batch_api import batch_api, create_once
from lit_tasks.llm.batch_watch import Delivered, watch
from lit_tasks.llm.calls import Endpoint
from lit_tasks.state.pending_batches import PendingBatch, PendingItem, pending_batches, save_pending
from lit_tasks.state.records import now
from lit_tasks.state.workspace import Workspace

SETTLE_S = 0.5  # how long nothing may happen before a wave is taken to be complete
CUSTOM_ID_LENGTH = 32  # custom_id: 1 to 64 of [A-Za-z0-9_-]; a request key is 32 hex digits (xxh3-128)


@dataclass(frozen=True)
class BatchItem:
    """One request to answer in a batch, and what its answer must hold to be cached."""

    workspace: Workspace  # of the project that asks: where the batch is recorded and its answers cached
    request_key: str
    request: GenerationRequest
    prompt: str
    outputs: tuple[str, ...]
    parse: bool  # the answer is in the FILE protocol (False for a plan or a review)

    @property
    def custom_id(self) -> str:
        return self.request_key[:CUSTOM_ID_LENGTH]

    def pending(self) -> PendingItem:
        return PendingItem(
            custom_id=self.custom_id,
            request_key=self.request_key,
            prompt=self.prompt,
            outputs=list(self.outputs),
            parse=self.parse,
        )


class Batcher:
    """The run's batcher: a barrier over its generation actions, and the queue of the next batch."""

    def __init__(self, poll_s: float, settle_s: float | None = None) -> None:
        self.poll_s = poll_s
        self.settle_s = SETTLE_S if settle_s is None else settle_s
        self._cond = threading.Condition()
        self._running = 0
        self._waiting = 0
        self._queued: dict[Endpoint, dict[str, tuple[BatchItem, list[Future[Delivered]]]]] = {}
        self._flusher: threading.Thread | None = None

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """An action that may ask the model: the barrier waits for it to ask, or to finish."""
        self._count(running=1)
        try:
            yield
        finally:
            self._count(running=-1)

    @contextlib.contextmanager
    def idle(self) -> Iterator[None]:
        """An action blocked on something other than a batch (another run generating its prompt): counted as
        waiting, so the batch the others wait for is sent. Two batch runs would each hold one prompt's lock and
        wait for the other's forever otherwise."""
        self._count(waiting=1)
        try:
            yield
        finally:
            self._count(waiting=-1)

    def wait(self, future: Future[Delivered]) -> Delivered:
        """Block the calling action on `future`, counted as waiting for the barrier."""
        self._count(waiting=1)
        try:
            return future.result()
        finally:
            self._count(waiting=-1)

    def submit(self, endpoint: Endpoint, item: BatchItem) -> Future[Delivered]:
        """Queue `item` for the next batch of `endpoint` (once, however many prompts send the same request)."""
        future: Future[Delivered] = Future()
        with self._cond:
            queue = self._queued.setdefault(endpoint, {})
            queue.setdefault(item.request_key, (item, []))[1].append(future)
            if self._flusher is None:
                self._flusher = threading.Thread(target=self._flush_forever, name="lit-batcher", daemon=True)
                self._flusher.start()
            self._cond.notify_all()
        return future

    def _count(self, running: int = 0, waiting: int = 0) -> None:
        with self._cond:
            self._running += running
            self._waiting += waiting
            self._cond.notify_all()

    def _ready(self) -> bool:
        return bool(self._queued) and self._waiting >= self._running

    def _flush_forever(self) -> None:
        while True:
            with self._cond:
                while True:
                    while not self._ready():
                        if not self._running and not self._queued:  # the run is over; `submit` starts another
                            self._flusher = None
                            return
                        self._cond.wait()
                    if not self._cond.wait(self.settle_s) and self._ready():
                        break  # settle_s passed with nothing started, asked or finished
                queued, self._queued = self._queued, {}
            for endpoint, entries in queued.items():
                try:
                    send(endpoint, list(entries.values()), self.poll_s)
                except Exception as err:  # never leave a waiting prompt hanging
                    fail(list(entries.values()), ProviderError(f"sending a batch failed: {err!r}"))


def send(endpoint: Endpoint, entries: list[tuple[BatchItem, list[Future[Delivered]]]], poll_s: float) -> None:
    """One batch of `entries` to `endpoint`, recorded before anyone waits, then watched; a failure to send it
    fails every request in it."""
    items = [item for item, _ in entries]
    try:
        api = batch_api(endpoint)
        work = [(item.custom_id, item.request) for item in items]
        known = {batch.id for batch in pending_batches(items[0].workspace)}
        status = create_once(endpoint, api, work, known, _warn)
    except LitError as err:
        fail(entries, err)
        return
    record = PendingBatch(
        id=status.id,
        provider=endpoint.context.name,
        endpoint=endpoint.url,
        created=now(),
        items=[item.pending() for item in items],
    )
    try:
        save_pending(items[0].workspace, record)
    except OSError as err:
        _warn(
            f"batch {status.id}: could not record it ({err.strerror or err}); if this run is killed, a rerun pays again"
        )
    prompts = sorted({item.prompt for item in items})
    shown = ", ".join(prompts[:3]) + (f" and {len(prompts) - 3} more" if len(prompts) > 3 else "")
    progress.emit("note", f"batch {status.id}: sent {progress.plural(len(items), 'request')} ({shown})")
    delivered = watch(items[0].workspace, endpoint, api, record, poll_s, [item.custom_id for item in items])
    for (_, futures), result in zip(entries, delivered, strict=True):
        result.add_done_callback(lambda done, futures=futures: _relay(done, futures))


def fail(entries: list[tuple[BatchItem, list[Future[Delivered]]]], err: LitError) -> None:
    for _, futures in entries:
        for future in futures:
            if not future.done():
                future.set_exception(err)


def _relay(done: Future[Delivered], futures: list[Future[Delivered]]) -> None:
    """Every prompt that sent the same request gets the one result."""
    error = done.exception()
    for future in futures:
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(done.result())


def _warn(message: str) -> None:
    progress.emit("warn", message)
