"""One request answered by a batch: a pending batch that already holds it, else (in batch mode) the next batch.

What does not succeed is handled by what it cost and what it means:
- `errored`, retryable (a server or capacity error): sent again in the next batch, up to `max_retries`
  times. Not interactively: the retry waits for the barrier like any other request of its wave, and costs
  half. An error the request itself caused (`invalid_request_error`) fails the prompt at once.
- `expired` (the batch's 24 hours ran out first; not billed): sent again in the next batch, counted like a
  retry.
- `canceled` (someone canceled the batch; not billed): the prompt fails and says so, since resending what
  someone chose to cancel would overrule them; the next run sends it again.
An earlier run's batch that does not deliver, in a run without `--batch`, leaves the call to the caller.
"""

from __future__ import annotations

from collections.abc import Callable

from lit_providers.base import Completion
from lit_tasks.io.errors import ProviderError
from lit_tasks.llm.batch_watch import Delivered, watch
from lit_tasks.llm.batcher import Batcher, BatchItem
from lit_tasks.llm.calls import Endpoint
from lit_tasks.state.pending_batches import find_pending


def batch_call(
    endpoint: Endpoint, item: BatchItem, batcher: Batcher | None, poll_s: float, on_retry: Callable[[str], None]
) -> tuple[Completion, str] | None:
    """The completion of `item` and the batch it came from; None when no batch holds it (or one that did, in
    a run without a batcher, did not answer it): then the caller calls the model itself."""
    retries = endpoint.context.api.max_retries
    attempt = 0
    while True:
        delivered = _deliver(endpoint, item, batcher, poll_s)
        if delivered is None:
            return None
        result, batch = delivered.result, delivered.batch
        if result.type == "succeeded" and result.completion is not None:
            return result.completion, batch
        if result.type == "canceled":
            raise ProviderError(
                f"batch {batch} was canceled before it answered (not billed); run again to send it in a new batch"
            )
        what = f"errored ({result.error})" if result.type == "errored" else "expired before it was answered"
        if result.type == "errored" and not result.retryable:
            raise ProviderError(f"the request {what} in batch {batch}; nothing was billed")
        if attempt >= retries:
            raise ProviderError(f"the request {what} in batch {batch}, {attempt + 1} times; nothing was billed")
        if batcher is None:
            return None
        attempt += 1
        on_retry(f"the request {what} in batch {batch} (not billed); sending it again in the next batch")


def _deliver(endpoint: Endpoint, item: BatchItem, batcher: Batcher | None, poll_s: float) -> Delivered | None:
    found = find_pending(item.workspace, item.request_key)
    if found is not None:
        batch, pending = found
        [future] = watch(item.workspace, endpoint, None, batch, poll_s, [pending.custom_id])
    elif batcher is not None:
        future = batcher.submit(endpoint, item)
    else:
        return None
    return batcher.wait(future) if batcher is not None else future.result()
