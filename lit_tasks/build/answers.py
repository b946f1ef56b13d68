"""Getting an answer for a request: from the response cache, or from a call within the budget and retries.

Only a complete answer is ever used or cached: a truncated, refused or empty one fails the prompt, and the
FILE protocol is parsed before the answer is stored, so a bad answer is never replayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lit_tasks.build.options import RunOptions
from lit_tasks.io import progress
from lit_tasks.io.errors import ResponseError
from lit_tasks.llm.budget import last_output_bytes, output_token_estimate, request_estimate
from lit_tasks.llm.calls import Endpoint, call, endpoint_for
from lit_tasks.llm.pricing import Price, price_for
from lit_tasks.llm.response import ParsedResponse, parse_response
from lit_tasks.model.settings import GenerationSettings
from lit_tasks.state.response_cache import ResponseCache, request_key
from providers.base import Completion, GenerationRequest

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


class Asker:
    """Asks the model on behalf of one prompt, whose declared outputs an answer must contain."""

    def __init__(self, root: Path, key: str, outputs: tuple[str, ...], options: RunOptions) -> None:
        self.root = root
        self.key = key
        self.outputs = outputs
        self.options = options

    def ask(self, request: GenerationRequest, settings: GenerationSettings, parse: bool = True) -> Answer:
        """One model call (or a cache hit), with budget and retries; `parse` reads the FILE protocol."""
        endpoint = endpoint_for(settings, self.root)
        rkey = request_key(settings.provider, settings.api.base_url, request)
        use_cache = self.options.use_cache and not endpoint.is_local  # a local answer is free and may be edited
        cache = ResponseCache(self.root) if use_cache else None
        price = price_for(settings.model, settings.pricing)
        completion = cache.get(rkey) if cache is not None else None
        if completion is not None:
            return Answer(completion, self._read(completion, parse), True, rkey, price, endpoint)
        estimate = self._estimate(request, price, endpoint, parse)
        completion = self._call(endpoint, request, price, estimate)
        parsed = self._read(completion, parse)
        if cache is not None:
            cache.put(rkey, completion)  # only a complete, well-formed answer is ever cached
        return Answer(completion, parsed, False, rkey, price, endpoint, estimate)

    def _estimate(
        self, request: GenerationRequest, price: Price | None, endpoint: Endpoint, parse: bool
    ) -> float | None:
        output = None  # a review's verdict has no history: max_tokens
        if parse:
            output = output_token_estimate(last_output_bytes(self.root / "code.lock", self.outputs), request.max_tokens)
        return request_estimate(request, price, endpoint.is_local, output)

    def _call(
        self, endpoint: Endpoint, request: GenerationRequest, price: Price | None, estimate: float | None
    ) -> Completion:
        """The call itself, inside the budget: its estimate is reserved before and its real cost settled after."""
        budget = self.options.budget
        if budget is not None:
            budget.reserve(self.key, estimate)
        spent = 0.0
        try:
            completion = call(endpoint, request, on_retry=lambda msg: progress.emit("warn", f"{self.key}: {msg}"))
            spent = call_cost(completion, endpoint.is_local, price) or 0.0
        finally:
            if budget is not None:
                budget.settle(estimate, spent)
        return completion

    def _read(self, completion: Completion, parse: bool) -> ParsedResponse:
        accept(completion)
        return parse_response(completion.text, self.outputs) if parse else NO_FILES


def accept(completion: Completion) -> None:
    """Only a complete answer may be used; the message says what to change."""
    if completion.stop == "truncated":
        raise ResponseError(
            f"the answer was cut off (stop reason `{completion.stop_reason}`, {completion.usage.output_tokens} output "
            "tokens); raise [model] max_tokens or split the prompt; nothing was written"
        )
    if completion.stop == "refused":
        raise ResponseError(
            f"the model refused to answer (stop reason `{completion.stop_reason}`); nothing was written"
        )
    if completion.stop != "complete":
        raise ResponseError(
            f"the answer did not end normally (stop reason `{completion.stop_reason}`); nothing was written"
        )
    if not completion.text.strip():
        raise ResponseError("the answer is empty; nothing was written")


def call_cost(completion: Completion, is_local: bool, price: Price | None) -> float | None:
    """What a call cost: nothing if local, what the service reported if it did, else usage at the known price."""
    if is_local:
        return 0.0
    if completion.cost_usd is not None:
        return completion.cost_usd
    return price.cost(completion.usage) if price is not None else None
