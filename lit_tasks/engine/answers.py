"""Getting an answer for a request: from the response cache, or from a call within the budget and retries, or
from a batch (`lit regenerate --batch`, or an earlier run's batch that holds the request: `llm.batch_call`).

Only a complete answer is ever used or cached: a truncated, refused or empty one fails the prompt, and the
FILE protocol is parsed before the answer is stored, so a bad answer is never replayed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from lit_providers.base import Completion, GenerationRequest
from lit_tasks.engine.options import RunOptions
from lit_tasks.io import progress
from lit_tasks.io.errors import BilledError, LitError
from lit_tasks.llm.batch_call import batch_call
from lit_tasks.llm.batcher import BatchItem
from lit_tasks.llm.budget import Charge, expected_output_bytes, output_token_estimate, request_estimate
from lit_tasks.llm.calls import Endpoint, call, endpoint_for
from lit_tasks.llm.pricing import Price, price_for
from lit_tasks.llm.response import ParsedResponse, accept, parse_response
from lit_tasks.llm.usage_bounds import bound_usage
from lit_tasks.model.settings import GenerationSettings
from lit_tasks.state.pending_batches import claim_ended, find_pending
from lit_tasks.state.records import PromptRecord, endpoint_host, recorder_for
from lit_tasks.state.response_cache import request_key
from lit_tasks.state.workspace import Workspace

NO_FILES = ParsedResponse(files={}, notes=[])


@dataclass
class Answer:
    completion: Completion
    parsed: ParsedResponse
    cached: bool
    request_key: str
    price: Price | None
    endpoint: Endpoint
    estimate: float | None = None  # what the budget expected the call to cost (None: a cache hit, or no price)
    batch: str | None = None  # the batch that answered it (billed at the batch price)


class Asker:
    """Asks the model on behalf of one prompt, whose declared outputs an answer must contain."""

    def __init__(self, workspace: Workspace, key: str, outputs: tuple[str, ...], options: RunOptions) -> None:
        self.workspace = workspace
        self.key = key
        self.outputs = outputs
        self.options = options

    def ask(
        self, request: GenerationRequest, settings: GenerationSettings, parse: bool = True, role: str = "generate"
    ) -> Answer:
        """One model call (or a cache hit), with budget and retries; `parse` reads the FILE protocol. A call
        that fails after it was billed is recorded here under `role` (the caller never sees its answer)."""
        endpoint = endpoint_for(settings, self.workspace.root)
        rkey = request_key(settings.provider, settings.api.base_url, request)
        use_cache = self.options.use_cache and not endpoint.is_local  # a local answer is free and may be edited
        cache = self.workspace.responses if use_cache else None
        price = price_for(settings.model, settings.pricing)
        completion = cache.get(rkey) if cache is not None else None
        if completion is not None:
            batch = claim_ended(self.workspace, rkey)  # paid for in an earlier run's batch, and recorded by no run yet
            return Answer(completion, self._read(completion, parse), batch is None, rkey, price, endpoint, batch=batch)
        started = time.monotonic()
        batched = self._batched(endpoint, rkey, request, price, parse)
        if batched is not None:
            completion, batch, estimate = batched
        else:
            batch, estimate = None, self._estimate(request, price, endpoint, parse)
            completion = self._call(endpoint, request, price, estimate, settings, role)
        try:
            parsed = self._read(completion, parse)
        except LitError:  # cut off, refused, empty or not the FILE protocol: unusable, but paid for
            self._record_billed(completion, endpoint, price, estimate, settings, role, started, request, batch)
            raise
        if cache is not None:
            cache.put(rkey, completion)  # only a complete, well-formed answer is ever cached
        return Answer(completion, parsed, False, rkey, price, endpoint, estimate, batch)

    def _estimate(
        self, request: GenerationRequest, price: Price | None, endpoint: Endpoint, parse: bool, batch: bool = False
    ) -> float | None:
        output = None  # a review's verdict has no history: max_tokens
        if parse:
            output = output_token_estimate(
                expected_output_bytes(self.workspace.code_dir, self.outputs), request.max_tokens
            )
        return request_estimate(request, price, endpoint.is_local, output, batch=batch)

    def _batched(
        self, endpoint: Endpoint, rkey: str, request: GenerationRequest, price: Price | None, parse: bool
    ) -> tuple[Completion, str, float | None] | None:
        """The answer from a batch, inside the budget at batch rates: when this run batches, or when an earlier
        run's batch holds this very request (it is paid for already). None: make the call."""
        if endpoint.is_local or not (self.options.batcher is not None or find_pending(self.workspace, rkey)):
            return None
        item = BatchItem(self.workspace, rkey, request, self.key, self.outputs if parse else (), parse)
        estimate = self._estimate(request, price, endpoint, parse, batch=True)
        worst = request_estimate(request, price, endpoint.is_local, batch=True)
        with Charge(self.options.budget, self.key, worst, estimate) as charge:
            found = batch_call(endpoint, item, self.options.batcher, self.options.batch_poll_s, self._warn)
            if found is not None:
                charge.spent = call_cost(found[0], False, price, batch=True) or 0.0
        return (self._bounded(found[0], request), found[1], estimate) if found is not None else None

    def _warn(self, message: str) -> None:
        progress.emit("warn", f"{self.key}: {message}")

    def _call(
        self,
        endpoint: Endpoint,
        request: GenerationRequest,
        price: Price | None,
        estimate: float | None,
        settings: GenerationSettings,
        role: str,
    ) -> Completion:
        """The call itself, inside the budget: its estimate is reserved before and its real cost settled after."""
        started = time.monotonic()
        worst = request_estimate(request, price, endpoint.is_local)  # its input and max_tokens: the ceiling's part
        with Charge(self.options.budget, self.key, worst, estimate) as charge:
            try:
                completion = call(endpoint, request, on_retry=self._warn)
            except BilledError as err:  # failed, but paid for: counted and recorded like any answered call
                billed = self._bounded(err.completion, request)  # type: ignore[arg-type]
                charge.spent = call_cost(billed, endpoint.is_local, price) or 0.0
                self._record_billed(billed, endpoint, price, estimate, settings, role, started, request)
                raise
            charge.spent = call_cost(completion, endpoint.is_local, price) or 0.0  # as reported: it may be the bill
        return self._bounded(completion, request)

    def _record_billed(
        self,
        completion: Completion,
        endpoint: Endpoint,
        price: Price | None,
        estimate: float | None,
        settings: GenerationSettings,
        role: str,
        started: float,
        request: GenerationRequest,
        batch: str | None = None,
    ) -> None:
        """The generation-record entry of a call that failed after it was billed: no output, its cost."""
        record_unused(
            self.workspace,
            self.options.started,
            self.key,
            completion,
            settings,
            cost=call_cost(completion, endpoint.is_local, price, batch=batch is not None),
            endpoint=endpoint_host(endpoint.url),
            request_key=request_key(settings.provider, settings.api.base_url, request),
            role=role,
            seconds=time.monotonic() - started,
            batch=batch,
            estimate=estimate,
        )

    def _bounded(self, completion: Completion, request: GenerationRequest) -> Completion:
        completion = bound_usage(completion, request)
        if completion.usage_anomaly:
            self._warn(completion.usage_anomaly)
        return completion

    def _read(self, completion: Completion, parse: bool) -> ParsedResponse:
        accept(completion)
        return parse_response(completion.text, self.outputs) if parse else NO_FILES


def call_cost(completion: Completion, is_local: bool, price: Price | None, batch: bool = False) -> float | None:
    """What a call cost: nothing if local, what the service reported if it did, else usage at the known price
    (at batch rates for an answer from a batch)."""
    if is_local:
        return 0.0
    if completion.cost_usd is not None:
        return completion.cost_usd
    if price is None:
        return None
    return price.cost(completion.usage) * (price.batch if batch else 1.0)


def record_unused(
    workspace: Workspace,
    started: float,
    key: str,
    completion: Completion,
    settings: GenerationSettings,
    *,
    cost: float | None,
    endpoint: str | None,
    request_key: str,
    role: str,
    seconds: float = 0.0,
    batch: str | None = None,
    estimate: float | None = None,
) -> None:
    """The record entry of a paid call whose answer wrote nothing: one that failed after the service answered it,
    or a batch answer no run will ask for. The run that began at `started` keeps it."""
    values = {
        "prompt": key,
        "cached": False,
        "seconds": round(seconds, 3),
        "cost_usd": cost,
        "saved_usd": 0.0,
        "estimate_usd": estimate,
        "batch": batch,
        "outputs": [],
        "written": [],
    }
    entry = PromptRecord.build(
        values, settings, completion, endpoint=endpoint, request_key=request_key, input_hash="", role=role
    )
    recorder_for(workspace, started).append(entry)
