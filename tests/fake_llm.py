"""A local stand-in for LLM services on 127.0.0.1, speaking the real wire protocols.

It serves Anthropic's Messages API (`POST /v1/messages`) and OpenAI's chat completions
(`POST /v1/chat/completions`), so lit's real code paths run: the official `anthropic` SDK and the aiohttp
client. By default it behaves like a well-mannered model: it answers every declared output with content taken
from the prompt's `> ` lines. Tests queue faults (`fail_next`) or replace the answer (`answer_with`).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

DECLARED = re.compile(r"^  - (\S.*)$", re.M)


@dataclass
class Call:
    api: str
    body: dict[str, Any]
    headers: dict[str, str]
    started: float
    finished: float = 0.0
    billed: dict[str, int] | None = None  # the usage of the answer, when the service answered (and so billed)

    @property
    def prompt_text(self) -> str:
        """The user turn as text, whichever protocol carried it."""
        if self.api == "anthropic":
            content = self.body["messages"][0]["content"]
            return content if isinstance(content, str) else "\n\n".join(block["text"] for block in content)
        return self.body["messages"][-1]["content"]

    @property
    def body_text(self) -> str:
        """The prompt body alone (Anthropic: its own content block; OpenAI: the user turn, context and all)."""
        if self.api == "anthropic":
            content = self.body["messages"][0]["content"]
            return content if isinstance(content, str) else content[-1]["text"]
        return self.prompt_text

    @property
    def system(self) -> str:
        if self.api == "anthropic":
            system = self.body.get("system", "")
            return system if isinstance(system, str) else "".join(block["text"] for block in system)
        return self.body["messages"][0]["content"]

    @property
    def declared(self) -> list[str]:
        """The declared outputs, listed under their header before the specification (or in an older system)."""
        for text in (self.prompt_text, self.system):
            if "Declared output files:" in text:
                listed = text.split("Declared output files:", 1)[1].split("\n\n", 1)[0]
                return DECLARED.findall(listed)
        return []


def default_answer(call: Call) -> str:
    """Each declared output, holding a header and the prompt's `> ` lines (so tests control the code)."""
    spec = [line[2:] for line in call.body_text.splitlines() if line.startswith("> ")]
    return "\n".join(f"=== FILE: {path} ===\n" + "\n".join([f"# {path}", *spec]) + "\n" for path in call.declared)


@dataclass
class Fault:
    """What to do instead of answering normally, for one request."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    stop: str | None = None
    text: str | None = None
    delay: float = 0.0
    drop: bool = False
    partial: bool = False
    raw: bytes | None = None


@dataclass
class RequestLimit:
    """An account's requests-per-window limit, reported in every response's headers as Anthropic does; a request
    over it is refused with a 429."""

    requests: int
    window_s: float
    started: float = 0.0
    used: int = 0
    refused: int = 0

    def admit(self) -> tuple[bool, dict[str, str]]:
        now = time.time()
        if now >= self.started + self.window_s:
            self.started, self.used = now, 0
        admitted = self.used < self.requests
        self.used += int(admitted)
        self.refused += int(not admitted)
        reset = datetime.fromtimestamp(self.started + self.window_s, UTC).isoformat().replace("+00:00", "Z")
        headers = {
            "anthropic-ratelimit-requests-limit": str(self.requests),
            "anthropic-ratelimit-requests-remaining": str(self.requests - self.used),
            "anthropic-ratelimit-requests-reset": reset,
        }
        if not admitted:
            headers["retry-after"] = str(max(1, round(self.started + self.window_s - now)))
        return admitted, headers


class FakeLLM:
    def __init__(self, model_latency: float = 0.0) -> None:
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.answer: Callable[[Call], str] = default_answer
        self.latency = model_latency
        self.limit: RequestLimit | None = None  # set to simulate the account's rate limit
        self.cache_usage: dict[str, int] = {}  # cache_creation/cache_read_input_tokens every answer reports
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0
        from tests.fake_batches import FakeBatches  # it builds on this module's Call

        self.batches = FakeBatches(self)

    # -- test controls ---------------------------------------------------------------------------------------
    def fail_next(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    def answer_with(self, fn: Callable[[Call], str]) -> None:
        self.answer = fn

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self, prompt_fragment: str | None = None) -> int:
        if prompt_fragment is None:
            return len(self.calls)
        return sum(1 for c in self.calls if prompt_fragment in c.prompt_text or prompt_fragment in c.system)

    # -- server ----------------------------------------------------------------------------------------------
    def start(self) -> FakeLLM:
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            app = web.Application(client_max_size=64 * 1024 * 1024)
            app.router.add_post("/v1/messages", self._anthropic)
            app.router.add_post("/v1/chat/completions", self._openai)
            self.batches.add_routes(app)
            self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        loop, self._loop = self._loop, None

        async def shutdown() -> None:
            assert self._runner is not None
            await self._runner.cleanup()
            loop.stop()

        asyncio.run_coroutine_threadsafe(shutdown(), loop)
        self._thread.join(10)

    async def _begin(self, request: web.Request, api: str) -> tuple[Call, Fault | None]:
        body = await request.json()
        call = Call(
            api=api, body=body, headers={k.lower(): v for k, v in request.headers.items()}, started=time.monotonic()
        )
        with self._lock:
            self.calls.append(call)
            fault = self.faults.pop(0) if self.faults else None
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        delay = self.latency + (fault.delay if fault else 0.0)
        if delay:
            await asyncio.sleep(delay)
        return call, fault

    def _end(self, call: Call) -> None:
        with self._lock:
            self.in_flight -= 1
            call.finished = time.monotonic()

    async def _fault_response(self, request: web.Request, fault: Fault) -> web.StreamResponse | None:
        if fault.drop:
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)
        if fault.partial:
            response = web.StreamResponse(
                status=200, headers={"content-type": "application/json", "content-length": "4000"}
            )
            await response.prepare(request)
            await response.write(b'{"id": "msg_1", "type": "message", "content": [{"type": "text", "text": "=== FILE')
            assert request.transport is not None
            request.transport.close()
            return response
        if fault.raw is not None:
            return web.Response(status=fault.status, body=fault.raw, content_type="application/json")
        if fault.status != 200:
            return web.json_response(
                fault.body or {"type": "error", "error": {"type": "api_error", "message": "injected"}},
                status=fault.status,
                headers=fault.headers,
            )
        return None

    def message(self, call: Call, text: str, message_id: str, stop: str = "end_turn") -> dict[str, Any]:
        """An Anthropic Messages API answer to `call` (interactive, or an item of a batch)."""
        return {
            "id": f"msg_{message_id}",
            "type": "message",
            "role": "assistant",
            "model": call.body["model"],
            "content": [{"type": "text", "text": text}],
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {
                "input_tokens": max(1, len(json.dumps(call.body)) // 4),
                "output_tokens": max(1, len(text) // 4),
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            }
            | self.cache_usage,
        }

    async def _anthropic(self, request: web.Request) -> web.StreamResponse:
        call, fault = await self._begin(request, "anthropic")
        try:
            if fault and (failed := await self._fault_response(request, fault)) is not None:
                return failed
            limit_headers: dict[str, str] = {}
            if self.limit is not None:
                with self._lock:
                    admitted, limit_headers = self.limit.admit()
                if not admitted:
                    error = {"type": "error", "error": {"type": "rate_limit_error", "message": "rate limited"}}
                    return web.json_response(error, status=429, headers=limit_headers)
            text = fault.text if fault and fault.text is not None else self.answer(call)
            stop = fault.stop if fault and fault.stop else "end_turn"
            message = self.message(call, text, f"{len(self.calls):04d}", stop)
            call.billed = message["usage"]
            headers = {"request-id": f"req_{len(self.calls):04d}", **limit_headers}
            if call.body.get("stream"):
                return await self._anthropic_stream(request, message, headers)
            return web.json_response(message, headers=headers)
        finally:
            self._end(call)

    async def _openai(self, request: web.Request) -> web.StreamResponse:
        call, fault = await self._begin(request, "openai")
        try:
            if fault and (failed := await self._fault_response(request, fault)) is not None:
                return failed
            text = fault.text if fault and fault.text is not None else self.answer(call)
            stop = fault.stop if fault and fault.stop else "stop"
            usage = {
                "prompt_tokens": max(1, len(json.dumps(call.body)) // 4),
                "completion_tokens": max(1, len(text) // 4),
                "total_tokens": 0,
            }
            headers = {"x-request-id": f"req_{len(self.calls):04d}"}
            call.billed = usage
            completion_id = f"chatcmpl-{len(self.calls):04d}"
            if call.body.get("stream"):
                return await self._openai_stream(request, call, completion_id, text, stop, usage, headers)
            return web.json_response(
                {
                    "id": completion_id,
                    "object": "chat.completion",
                    "model": call.body["model"],
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": stop}],
                    "usage": usage,
                },
                headers=headers,
            )
        finally:
            self._end(call)

    # -- streaming: server-sent events, as the services send them ---------------------------------------------
    async def _events(
        self, request: web.Request, headers: dict[str, str], events: list[tuple[str | None, str]]
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"content-type": "text/event-stream", "cache-control": "no-cache", **headers}
        )
        await response.prepare(request)
        for name, data in events:
            await response.write(((f"event: {name}\n" if name else "") + f"data: {data}\n\n").encode())
        await response.write_eof()
        return response

    async def _anthropic_stream(
        self, request: web.Request, message: dict[str, Any], headers: dict[str, str]
    ) -> web.StreamResponse:
        """The Messages API's stream: message_start (input usage), the text in deltas, message_delta (stop reason
        and output usage), message_stop."""
        text = message["content"][0]["text"]
        start = dict(message, content=[], stop_reason=None, usage=dict(message["usage"], output_tokens=1))
        pieces = [text[i : i + 400] for i in range(0, len(text), 400)] or [""]

        def event(kind: str, **fields: Any) -> tuple[str, str]:
            return kind, json.dumps({"type": kind, **fields})

        events = [
            event("message_start", message=start),
            event("content_block_start", index=0, content_block={"type": "text", "text": ""}),
            event("ping"),
            *(event("content_block_delta", index=0, delta={"type": "text_delta", "text": p}) for p in pieces),
            event("content_block_stop", index=0),
            event(
                "message_delta",
                delta={"stop_reason": message["stop_reason"], "stop_sequence": None},
                usage={"output_tokens": message["usage"]["output_tokens"]},
            ),
            event("message_stop"),
        ]
        return await self._events(request, headers, events)

    async def _openai_stream(
        self,
        request: web.Request,
        call: Call,
        completion_id: str,
        text: str,
        stop: str,
        usage: dict[str, int],
        headers: dict[str, str],
    ) -> web.StreamResponse:
        """Chat completion chunks: the text in deltas, the finish reason, usage last when asked for, then [DONE]."""

        def chunk(choices: list[dict[str, Any]], **extra: Any) -> tuple[None, str]:
            body = {"id": completion_id, "object": "chat.completion.chunk", "model": call.body["model"]}
            return None, json.dumps(body | {"choices": choices} | extra)

        pieces = [text[i : i + 400] for i in range(0, len(text), 400)] or [""]
        events = [chunk([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])]
        events += [chunk([{"index": 0, "delta": {"content": p}, "finish_reason": None}]) for p in pieces]
        events.append(chunk([{"index": 0, "delta": {}, "finish_reason": stop}]))
        if (call.body.get("stream_options") or {}).get("include_usage"):
            events.append(chunk([], usage=usage))
        events.append((None, "[DONE]"))
        return await self._events(request, headers, events)
