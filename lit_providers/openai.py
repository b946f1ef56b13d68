"""OpenAI-compatible chat completions over aiohttp: OpenAI, vLLM, llama.cpp, Ollama, LM Studio via `base_url`.

Each call runs its own short event loop on the calling doit worker thread; lit's semaphore bounds how many run
at once, so there is no shared loop to manage and nothing to clean up after a run.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, ClassVar
from urllib.parse import urlparse

import aiohttp

from lit_providers.base import Completion, GenerationRequest, ProviderContext, Usage
from lit_providers.endpoints import PUBLIC, resolve_base_url
from lit_providers.http_errors import classify_status
from lit_providers.rate_limit_headers import openai_limits
from lit_tasks.io.errors import ConfigError, ProviderError
from lit_tasks.io.secrets import read_key, scrub


class OpenAIProvider:
    name: ClassVar[str] = "openai"
    is_local: ClassVar[bool] = False
    service: ClassVar[str] = "OpenAI"
    key_variables: ClassVar[tuple[str, ...]] = ("OPENAI_API_KEY",)  # read in order, after [model.api] key_env
    official_host: ClassVar[str] = "api.openai.com"

    def __init__(self, context: ProviderContext) -> None:
        api = context.api
        self.base_url = (resolve_base_url(self.name, api.base_url)[0] or PUBLIC[self.name][0]).rstrip("/")
        wanted = [*([api.key_env] if api.key_env else []), *self.key_variables, "LIT_API_KEY"]
        self.key, _ = read_key(wanted)
        self.official = urlparse(self.base_url).hostname == self.official_host
        if self.key is None and self.official:
            listed = " or ".join(f"`{n}`" for n in wanted)
            raise ConfigError(f"no {self.service} API key: set {listed} in the environment")
        self.timeout = api.timeout_s

    @property
    def server(self) -> str:
        return self.service if self.official else "the OpenAI-compatible server"

    def payload_key(self) -> str:
        """OpenAI's reasoning models reject `max_tokens`; compatible servers (Gemini's too) mostly know only it."""
        return "max_completion_tokens" if self.official and self.name == "openai" else "max_tokens"

    def payload(self, request: GenerationRequest) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": request.model,
            "messages": [
                {"role": "system", "content": request.system},
                {"role": "user", "content": request.user_text()},
            ],
        }
        body[self.payload_key()] = request.max_tokens
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.seed is not None:
            body["seed"] = request.seed
        return body

    def complete(self, request: GenerationRequest) -> Completion:
        return asyncio.run(self._complete(request))

    async def _complete(self, request: GenerationRequest) -> Completion:
        headers = {"content-type": "application/json"}
        if self.key:
            headers["authorization"] = f"Bearer {self.key}"
        url = f"{self.base_url}/chat/completions"
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.post(url, json=self.payload(request), headers=headers) as resp:
                    raw = await resp.read()
                    status, resp_headers = resp.status, {k.lower(): v for k, v in resp.headers.items()}
        except TimeoutError:
            raise ProviderError(f"{url} did not answer within {self.timeout:g}s", retryable=True) from None
        except aiohttp.ClientError as err:
            raise ProviderError(
                f"cannot reach {url}: {scrub(str(err)) or type(err).__name__}", retryable=True
            ) from None
        body = _json(raw)
        if status >= 400:
            text = raw.decode("utf-8", "replace")[:300]
            raise classify_status(self.server, status, resp_headers, body, text)
        if not isinstance(body, dict):
            raise ProviderError(f"{url} answered HTTP {status} with a body that is not JSON", retryable=status >= 500)
        return _completion(body, resp_headers, request.model)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def _completion(body: dict[str, Any], headers: dict[str, str], model: str) -> Completion:
    choices = body.get("choices") or []
    if not choices or not isinstance(choices[0], dict):
        raise ProviderError("the OpenAI-compatible server answered without any choice")
    choice = choices[0]
    message = choice.get("message") or {}
    reason = str(choice.get("finish_reason") or "unknown")
    if message.get("refusal"):
        stop, reason = "refused", "refusal"
    elif reason == "stop":
        stop = "complete"
    elif reason == "length":
        stop = "truncated"
    elif reason == "content_filter":
        stop = "refused"
    else:
        stop = "other"
    usage = body.get("usage") or {}
    cached = int(((usage.get("prompt_tokens_details") or {}).get("cached_tokens")) or 0)
    return Completion(
        text=str(message.get("content") or ""),
        usage=Usage(
            input_tokens=max(0, int(usage.get("prompt_tokens") or 0) - cached),
            output_tokens=int(usage.get("completion_tokens") or 0),
            cache_read_tokens=cached,
        ),
        stop=stop,
        stop_reason=reason,
        model=str(body.get("model") or model),
        request_id=headers.get("x-request-id") or body.get("id"),
        limits=openai_limits(headers),
    )


class GeminiProvider(OpenAIProvider):
    """Google's Gemini through its OpenAI-compatible endpoint: the same chat completions, Google's URL and keys."""

    name: ClassVar[str] = "gemini"
    service: ClassVar[str] = "Gemini"
    key_variables: ClassVar[tuple[str, ...]] = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
    official_host: ClassVar[str] = "generativelanguage.googleapis.com"
