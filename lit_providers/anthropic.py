"""Anthropic Messages API through the official SDK.

The SDK's own retries are switched off (`max_retries=0`): lit retries every provider the same way and must
never retry a spend-limit refusal. Sampling parameters are sent only when set, through `extra_body`, because
newer models reject them. Blocks carry `cache_control` where the request's layout put a breakpoint (the end of
a prefix other prompts' requests share), so a shared prefix is billed at the cache-read rate after the first.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

from lit_providers.base import Completion, GenerationRequest, ProviderContext, RateLimits, Usage
from lit_providers.endpoints import PUBLIC, resolve_base_url
from lit_providers.http_errors import classify_status
from lit_providers.rate_limit_headers import anthropic_limits
from lit_tasks.io.errors import ConfigError, ProviderError
from lit_tasks.io.secrets import read_key, scrub

DEFAULT_BASE_URL = PUBLIC["anthropic"][0]
COMPLETE = {"end_turn", "stop_sequence"}
TRUNCATED = {"max_tokens", "model_context_window_exceeded", "pause_turn"}


CACHED = {"cache_control": {"type": "ephemeral"}}


def message_params(request: GenerationRequest) -> dict[str, Any]:
    """The Messages API parameters of a request: its blocks in order, a cache breakpoint wherever the request's
    layout put one (lit.llm.request decides where a prefix other requests share ends)."""
    system = {"type": "text", "text": request.system} | (CACHED if request.system_cache else {})
    content = [{"type": "text", "text": b.text} | (CACHED if b.cache else {}) for b in request.context if b.text]
    content.append({"type": "text", "text": request.body})
    params: dict[str, Any] = {
        "model": request.model,
        "max_tokens": request.max_tokens,
        "system": [system],
        "messages": [{"role": "user", "content": content}],
    }
    if request.temperature is not None:
        params["temperature"] = request.temperature
    return params


class AnthropicProvider:
    name: ClassVar[str] = "anthropic"
    is_local: ClassVar[bool] = False
    batches: ClassVar[str] = "lit_providers.anthropic_batches:AnthropicBatches"  # Message Batches (lit --batch)

    def __init__(self, context: ProviderContext) -> None:
        api = context.api
        self.base_url = resolve_base_url("anthropic", api.base_url)[0] or DEFAULT_BASE_URL
        names = [api.key_env] if api.key_env else []
        key, _ = read_key([*names, "ANTHROPIC_API_KEY", "LIT_API_KEY"])
        if key is None:
            if self.base_url.rstrip("/") == DEFAULT_BASE_URL:
                wanted = " or ".join(f"`{n}`" for n in [*names, "ANTHROPIC_API_KEY", "LIT_API_KEY"])
                raise ConfigError(f"no Anthropic API key: set {wanted} in the environment")
            key = "no-key"  # local Anthropic-compatible servers (Ollama, llama.cpp) ignore it
        self.timeout = api.timeout_s
        self._key = key
        self._client = None
        self._client_lock = threading.Lock()

    @property
    def client(self):  # noqa: ANN201 - anthropic.Anthropic
        """The SDK's client, made on the first call: importing the SDK takes seconds (docs/performance.md), so a
        run answered from the response cache, or stopped by a missing key, never pays for it."""
        with self._client_lock:
            if self._client is None:
                import anthropic

                self._client = anthropic.Anthropic(
                    api_key=self._key, base_url=self.base_url, timeout=self.timeout, max_retries=0
                )
            return self._client

    def complete(self, request: GenerationRequest) -> Completion:
        client = self.client
        params = message_params(request)
        temperature = params.pop("temperature", None)  # through extra_body: newer models reject the parameter
        with self.sdk_errors():
            raw = client.messages.with_raw_response.create(
                **params, extra_body={"temperature": temperature} if temperature is not None else None
            )
            message = raw.parse()
        return completion_of(message, anthropic_limits(raw.headers))

    @contextlib.contextmanager
    def sdk_errors(self) -> Iterator[None]:
        """The SDK's exceptions as lit's ProviderError: retryable or not, the key scrubbed (calls and batches)."""
        import anthropic

        try:
            yield
        except anthropic.APITimeoutError:
            raise ProviderError(f"Anthropic did not answer within {self.timeout:g}s", retryable=True) from None
        except anthropic.APIConnectionError as err:
            raise ProviderError(
                f"cannot reach Anthropic at {self.base_url}: {scrub(str(err))}", retryable=True
            ) from None
        except anthropic.APIStatusError as err:
            raise classify_status("Anthropic", err.status_code, err.response.headers, err.body, err.message) from None
        except (anthropic.APIResponseValidationError, UnicodeDecodeError, ValueError) as err:
            raise ProviderError(
                f"Anthropic answered with a malformed body ({type(err).__name__})", retryable=True
            ) from None
        except anthropic.AnthropicError as err:  # e.g. a batch's results asked for before it ended
            raise ProviderError(f"Anthropic: {scrub(str(err))}", retryable=True) from None


def completion_of(message: Any, limits: RateLimits | None = None, request_id: str | None = None) -> Completion:
    """A Messages API message as lit's Completion (a batch result's message reads the same; its id stands for
    the request id a batch item has none of)."""
    text = "".join(block.text for block in message.content if getattr(block, "type", None) == "text")
    reason = message.stop_reason or "unknown"
    stop = (
        "complete"
        if reason in COMPLETE
        else "truncated"
        if reason in TRUNCATED
        else "refused"
        if reason == "refusal"
        else "other"
    )
    usage = message.usage
    return Completion(
        text=text,
        usage=Usage(
            input_tokens=usage.input_tokens or 0,
            output_tokens=usage.output_tokens or 0,
            cache_write_tokens=usage.cache_creation_input_tokens or 0,
            cache_read_tokens=usage.cache_read_input_tokens or 0,
        ),
        stop=stop,
        stop_reason=reason,
        model=message.model,
        request_id=request_id or getattr(message, "_request_id", None),
        limits=limits,
    )
