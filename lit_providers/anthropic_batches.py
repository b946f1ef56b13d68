"""Anthropic's Message Batches API through the official SDK (`lit regenerate --batch`): half price, answered
within 24 hours.

Each item's params are exactly what an interactive call sends (`message_params`), so a batch answer is the
answer the same request would get one by one, prompt-cache breakpoints included. Results are read as the
service streams them (JSONL, any order, matched by `custom_id`); each is `succeeded`, `errored`, `canceled` or
`expired`, and only `succeeded` is billed.
"""

from __future__ import annotations

from typing import Any

from lit_providers.anthropic import AnthropicProvider, completion_of, message_params
from lit_providers.base import BatchCounts, BatchResult, BatchStatus, GenerationRequest
from lit_tasks.io.secrets import scrub

# Error types of an errored item that may go away when asked again (the others: fix the request or account).
RETRYABLE_ERRORS = {"api_error", "overloaded_error", "rate_limit_error", "gateway_timeout_error"}
RECENT_PAGE = 20  # batches listed when a creation is retried: those of the last minutes are the newest


class AnthropicBatches:
    """The batch service of one Anthropic provider instance: its client, key and base URL."""

    def __init__(self, provider: AnthropicProvider) -> None:
        self.provider = provider

    def create(self, items: list[tuple[str, GenerationRequest]]) -> BatchStatus:
        requests = [{"custom_id": custom_id, "params": message_params(request)} for custom_id, request in items]
        with self.provider.sdk_errors():
            return status_of(self.provider.client.messages.batches.create(requests=requests))

    def retrieve(self, batch_id: str) -> BatchStatus:
        with self.provider.sdk_errors():
            return status_of(self.provider.client.messages.batches.retrieve(batch_id))

    def results(self, batch_id: str) -> list[BatchResult]:
        with self.provider.sdk_errors():
            return [result_of(line) for line in self.provider.client.messages.batches.results(batch_id)]

    def recent(self, since: float) -> list[BatchStatus]:
        """The first page of the workspace's batches (newest first), down to those created before `since`."""
        with self.provider.sdk_errors():
            page = self.provider.client.messages.batches.list(limit=RECENT_PAGE)
        found = []
        for batch in page.data:
            status = status_of(batch)
            if status.created_at is not None and status.created_at < since:
                break
            found.append(status)
        return found


def status_of(batch: Any) -> BatchStatus:  # noqa: ANN401 - anthropic.types.messages.MessageBatch
    counts = batch.request_counts
    return BatchStatus(
        id=batch.id,
        ended=batch.processing_status == "ended",
        counts=BatchCounts(
            processing=counts.processing,
            succeeded=counts.succeeded,
            errored=counts.errored,
            canceled=counts.canceled,
            expired=counts.expired,
        ),
        created_at=batch.created_at.timestamp() if batch.created_at else None,
    )


def result_of(line: Any) -> BatchResult:  # noqa: ANN401 - anthropic.types.messages.MessageBatchIndividualResponse
    result = line.result
    if result.type == "succeeded":
        return BatchResult(
            custom_id=line.custom_id,
            type="succeeded",
            completion=completion_of(result.message, request_id=result.message.id),
        )
    if result.type == "errored":
        error = result.error.error
        message = scrub(str(getattr(error, "message", "") or ""))[:500]
        return BatchResult(
            custom_id=line.custom_id,
            type="errored",
            error=f"{error.type}: {message}" if message else error.type,
            retryable=error.type in RETRYABLE_ERRORS,
        )
    return BatchResult(custom_id=line.custom_id, type=result.type)
