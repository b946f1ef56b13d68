"""What a call is charged and recorded for: the usage the service reports, bounded by what the request allowed.

A service (or a proxy, or a stand-in) can report more than a request could have used: more output tokens than
its `max_tokens`, more input tokens than its text has bytes. lit records and prices a call at most at those
bounds and notes the anomaly in the call's record and on the terminal; the spending limit still counts what
was reported (that may be the bill), so a run whose reported spend passes the limit starts no further prompt.
"""

from __future__ import annotations

from lit_providers.base import Completion, GenerationRequest, Usage

INPUT_FRAMING_TOKENS = 256  # assumed: the roles and separators a service adds around the request's text


def input_bound(request: GenerationRequest) -> int:
    """The most input tokens the request can be: one per byte of its text (no tokenizer makes a token of less
    than a byte), plus the service's framing."""
    return request.size_bytes() + INPUT_FRAMING_TOKENS


def bound_usage(completion: Completion, request: GenerationRequest) -> Completion:
    """The completion with its usage bounded by `request` and the anomaly named, or itself when within bounds.
    A cost the service reported itself (the Claude Code CLI, whose own system prompt is part of the input) is
    kept; only its output is bounded."""
    usage = completion.usage
    problems = []
    output = usage.output_tokens
    if output > request.max_tokens:
        problems.append(f"{output:,} output tokens (the request allowed at most {request.max_tokens:,})")
        output = request.max_tokens
    buckets = (usage.input_tokens, usage.cache_write_tokens, usage.cache_read_tokens)
    limit = input_bound(request)
    if completion.cost_usd is None and sum(buckets) > limit:
        problems.append(f"{sum(buckets):,} input tokens (the request has {limit:,} at most)")
        buckets = tuple(n * limit // sum(buckets) for n in buckets)
    if not problems:
        return completion
    bounded = Usage(
        input_tokens=buckets[0], output_tokens=output, cache_write_tokens=buckets[1], cache_read_tokens=buckets[2]
    )
    anomaly = f"the service reported {' and '.join(problems)}; recorded and priced at the bound"
    return completion.model_copy(update={"usage": bounded, "usage_anomaly": anomaly})
