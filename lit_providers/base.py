"""The one interface every LLM back end implements: a request in; text, usage and stop reason out.

Providers are synchronous: lit runs prompts on doit's worker threads, so a provider only has to be thread-safe.
Retries, concurrency limits, caching and parsing are lit's job, not the provider's, so every provider gets them
the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from lit_tasks.model.config import ApiSection

Stop = Literal["complete", "truncated", "refused", "other"]


class Block(BaseModel):
    """One block of the user turn. `cache` marks a prompt-cache breakpoint: the request up to and including this
    block is a prefix other requests of the project send too, so a provider that caches prefixes keeps it."""

    model_config = ConfigDict(frozen=True)

    text: str
    cache: bool = False


class GenerationRequest(BaseModel):
    """Everything a provider sends. Built deterministically: same inputs, same bytes, same cache key.

    Laid out for prefix caching (docs/cost.md): `system` is the same for every prompt of a project and model,
    `context` holds the imported code (one block per imported prompt, in the project's canonical order) and
    the prompt's own guideline files, and `body` (the prompt's declared outputs and its specification) comes
    last. A provider sends them in this order; one that caches prefixes honours the breakpoints."""

    model_config = ConfigDict(frozen=True)

    prompt: str
    outputs: tuple[str, ...]
    model: str
    max_tokens: int
    temperature: float | None = None
    seed: int | None = None
    system: str
    system_cache: bool = False  # a breakpoint after the system prompt
    context: tuple[Block, ...] = ()
    body: str

    def context_text(self) -> str:
        return "".join(block.text for block in self.context)

    def size_bytes(self) -> int:
        """The UTF-8 size of everything the request sends: what budgets, rate limits and usage bounds scale by."""
        return len(self.system.encode()) + sum(len(b.text.encode()) for b in self.context) + len(self.body.encode())

    def user_text(self) -> str:
        """The user turn as one string, for providers without content blocks."""
        context = self.context_text()
        return f"{context}\n\n{self.body}" if context else self.body


MAX_TOKENS = 10**15  # far past any call's usage, far below what a float cannot hold


class Usage(BaseModel):
    """Token counts in the four buckets providers bill separately; `input_tokens` excludes cache reads/writes."""

    # Bounded: a record read back (committed, so anything) must not overflow what its counts are multiplied by.
    input_tokens: int = Field(default=0, ge=0, le=MAX_TOKENS)
    output_tokens: int = Field(default=0, ge=0, le=MAX_TOKENS)
    cache_write_tokens: int = Field(default=0, ge=0, le=MAX_TOKENS)
    cache_read_tokens: int = Field(default=0, ge=0, le=MAX_TOKENS)

    @property
    def total(self) -> int:
        return self.input_tokens + self.output_tokens + self.cache_write_tokens + self.cache_read_tokens


class Window(BaseModel):
    """One rate limit as a response reported it: what remains, and when it is fully replenished (epoch seconds)."""

    remaining: int
    reset_at: float
    limit: int | None = None


class RateLimits(BaseModel):
    """The service's rate limits after a response, by kind: `requests`, `input_tokens`, `output_tokens`, or
    `tokens` (input and output together)."""

    windows: dict[str, Window] = {}


class Completion(BaseModel):
    text: str
    usage: Usage = Usage()
    stop: Stop
    stop_reason: str
    model: str
    request_id: str | None = None
    cost_usd: float | None = None  # what the service itself reported, when it does (the Claude Code CLI)
    subscription: bool = False  # answered on the user's subscription: not billed per token (cost 0)
    usage_anomaly: str | None = None  # reported usage beyond what the request allowed (`llm.usage_bounds`)
    limits: RateLimits | None = Field(default=None, exclude=True)  # how this call left the rate limits; not cached


class ProviderContext(BaseModel):
    """What a provider is constructed with: how to reach the service, and the project root for local files."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    name: str
    api: ApiSection
    root: Path
    replay_dir: str = "replay"


class Provider(Protocol):
    name: ClassVar[str]
    is_local: ClassVar[bool]

    def __init__(self, context: ProviderContext) -> None: ...

    def complete(self, request: GenerationRequest) -> Completion: ...


BatchResultType = Literal["succeeded", "errored", "canceled", "expired"]


class BatchCounts(BaseModel):
    """How many of a batch's requests are in each state, as the service reports them."""

    processing: int = 0
    succeeded: int = 0
    errored: int = 0
    canceled: int = 0
    expired: int = 0


class BatchStatus(BaseModel):
    """One look at a submitted batch: `ended` once every request has a result (succeeded, errored, canceled or
    expired); before that the results cannot be read."""

    id: str
    ended: bool
    counts: BatchCounts
    created_at: float | None = None  # epoch seconds, as the service reports it

    @property
    def requests(self) -> int:
        c = self.counts
        return c.processing + c.succeeded + c.errored + c.canceled + c.expired


class BatchResult(BaseModel):
    """One request's result. Only `succeeded` carries a completion and is billed; `errored` says whether asking
    again may help (`retryable`: a server or capacity error, not an invalid request)."""

    custom_id: str
    type: BatchResultType
    completion: Completion | None = None
    error: str | None = None
    retryable: bool = False


class BatchAPI(Protocol):
    """A provider's batch service (`lit regenerate --batch`): many requests in one submission, answered within
    hours at a discount. A provider offers one by naming its class in `batches` ("module:Class"); the class is
    constructed with the provider instance, so it shares the provider's client and key. Errors are
    `lit_tasks.ProviderError`, marked retryable when trying again may help."""

    def __init__(self, provider: Provider) -> None: ...

    def create(self, items: list[tuple[str, GenerationRequest]]) -> BatchStatus: ...

    def retrieve(self, batch_id: str) -> BatchStatus: ...

    def results(self, batch_id: str) -> list[BatchResult]: ...

    def recent(self, since: float) -> list[BatchStatus]:
        """The batches created at or after `since` (epoch seconds), newest first. Optional: with it, a creation
        retried after a timeout first adopts the batch the timed-out attempt may have created (batch services
        take no idempotency key), instead of paying for the same requests twice."""
        ...
