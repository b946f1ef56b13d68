"""The one interface every LLM back end implements: a request in; text, usage and stop reason out.

Providers are synchronous: lit runs prompts on doit's worker threads, so a provider only has to be thread-safe.
Retries, concurrency limits, caching and parsing are lit's job, not the provider's, so every provider gets them
the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from lit_tasks.model.config import ApiSection

Stop = Literal["complete", "truncated", "refused", "other"]


class GenerationRequest(BaseModel):
    """Everything a provider sends. Built deterministically: same inputs, same bytes, same cache key."""

    model_config = ConfigDict(frozen=True)

    prompt: str
    outputs: tuple[str, ...]
    model: str
    max_tokens: int
    temperature: float | None = None
    seed: int | None = None
    system: str
    context: str
    body: str

    def user_text(self) -> str:
        """The user turn as one string, for providers without content blocks."""
        return f"{self.context}\n\n{self.body}" if self.context else self.body


class Usage(BaseModel):
    """Token counts in the four buckets providers bill separately; `input_tokens` excludes cache reads/writes."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0

    @property
    def total(self) -> int:
        return self.input_tokens + self.output_tokens + self.cache_write_tokens + self.cache_read_tokens


class Completion(BaseModel):
    text: str
    usage: Usage = Usage()
    stop: Stop
    stop_reason: str
    model: str
    request_id: str | None = None
    cost_usd: float | None = None  # what the service itself reported, when it does (the Claude Code CLI)


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
