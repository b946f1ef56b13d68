"""A stand-in for Anthropic's Messages API that simulates prompt caching, so what lit's request layout and
scheduling cost in input tokens can be measured offline, before and after a change.

It serves `POST /v1/messages` on 127.0.0.1 with the real wire format (the official SDK talks to it unchanged),
answers every declared output of the prompt with deterministic content of a set size, and records every
request: arrival, first token, completion and the four token counts of its `usage`.

    python benchmarks/cache_server.py --port 8765 > records.jsonl   # one JSON line per request

The caching rule, as Anthropic documents it (platform.claude.com/docs/en/build-with-claude/prompt-caching,
"How automatic prefix checking works", "Cache limitations", "Tracking cache performance"):

1. The prompt is a sequence of blocks: each tool definition, each `system` block (a string is one block), then
   each content block of each message (a string content is one block). The cache key of position i hashes the
   model and blocks 1..i, each with its place (tools, system, message n and role); `cache_control` is not
   part of the key.
2. A block with `cache_control` is a breakpoint. A top-level `cache_control` (automatic caching) adds one on
   the last non-empty block, or is a no-op if that block has one. More than 4 is a 400, as is any `ttl` but
   "5m": only the 5-minute cache is simulated.
3. Tokens: a block counts ceil(characters / 4) of its text (of its JSON, for a block that is not text); no
   overhead per block or message. A position is cacheable if its prefix has at least 1,024 tokens (4,096 for
   a model whose name contains "haiku"); a shorter one is never written nor read.
4. Read: from the last breakpoint, then from each earlier one, the system looks back over at most 20 positions
   (the breakpoint itself first) for an entry that an earlier request wrote, whose writer's response has
   begun, and that has not expired. The first found is the longest: its tokens are `cache_read_input_tokens`,
   and the read keeps the entry alive for another 5 minutes.
5. Write: one entry at every cacheable breakpoint past the read position, and nowhere else. The tokens from
   the read position to the last breakpoint are `cache_creation_input_tokens` (0 if the last breakpoint is not
   cacheable); the tokens after the last breakpoint are `input_tokens`.
6. An entry becomes readable when the response of the request that wrote it begins (its first token), not
   when the request was sent, so concurrent requests with the same prefix all write it; it expires 5 minutes
   after its last write or read.

Time: a request's first token comes `base_s + per_input_token_s x (input + cache write tokens)` after it
arrives (a cache read costs no prefill), its answer `per_output_token_s x output tokens` later.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import hashlib
import json
import math
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from cache_batches import Batches

TTL_S = 300.0
MAX_BREAKPOINTS = 4
LOOKBACK = 20
DECLARED = "Declared output files:"


def tokens(text: str) -> int:
    """The stand-in's token count: a quarter of the characters, rounded up."""
    return math.ceil(len(text) / 4)


def min_cacheable(model: str) -> int:
    return 4096 if "haiku" in model else 1024


class BadRequest(ValueError):
    """A request the real API refuses with 400 invalid_request_error."""


@dataclass(frozen=True)
class Block:
    place: str
    content: str  # canonical JSON of the block without its cache_control
    text: str
    breakpoint: bool

    @property
    def tokens(self) -> int:
        return tokens(self.text)


def _control(value: Any) -> None:
    if not isinstance(value, dict) or value.get("type") != "ephemeral":
        raise BadRequest("cache_control: the only supported type is 'ephemeral'")
    if value.get("ttl", "5m") != "5m":
        raise BadRequest("cache_control.ttl: the stand-in simulates only the 5-minute cache")


def blocks_of(body: dict[str, Any]) -> list[Block]:
    """The request as the sequence of cacheable blocks, in the order the cache hashes them, breakpoints marked."""
    out: list[Block] = []

    def add(place: str, block: Any) -> None:
        block = {"type": "text", "text": block} if isinstance(block, str) else dict(block)
        control = block.pop("cache_control", None)
        if control is not None:
            _control(control)
        text = block["text"] if block.get("type") == "text" else json.dumps(block, sort_keys=True)
        out.append(Block(place, json.dumps(block, sort_keys=True), text, control is not None))

    for tool in body.get("tools") or []:
        add("tools", tool)
    system = body.get("system") or []
    for block in [system] if isinstance(system, str) else system:
        add("system", block)
    for n, message in enumerate(body.get("messages") or []):
        content = message["content"]
        for block in [content] if isinstance(content, str) else content:
            add(f"message {n} {message['role']}", block)
    if (control := body.get("cache_control")) is not None:
        _control(control)
        last = max((i for i, b in enumerate(out) if b.text), default=None)
        if last is not None:
            out[last] = dataclasses.replace(out[last], breakpoint=True)
    found = sum(b.breakpoint for b in out)
    if found > MAX_BREAKPOINTS:
        raise BadRequest(f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be provided. Found {found}.")
    return out


@dataclass
class Usage:
    input_tokens: int
    cache_creation_input_tokens: int
    cache_read_input_tokens: int


@dataclass
class Entry:
    readable_at: float
    expires_at: float


class PromptCache:
    """The cache state and the rule of the module docstring; time is passed in, so it is testable without waiting."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}

    def _readable(self, key: str, now: float) -> bool:
        entry = self.entries.get(key)
        return entry is not None and entry.readable_at <= now < entry.expires_at

    def plan(self, model: str, blocks: list[Block], now: float) -> tuple[Usage, list[str]]:
        """The usage of a request arriving at `now`, and the keys it writes (see `write`). Refreshes what it reads."""
        keys, reach = [], []
        digest = hashlib.sha256(model.encode()).digest()
        total = 0
        for block in blocks:
            digest = hashlib.sha256(digest + f"{block.place}\n{block.content}".encode()).digest()
            keys.append(digest.hex())
            total += block.tokens
            reach.append(total)
        minimum = min_cacheable(model)
        breakpoints = [i for i, b in enumerate(blocks) if b.breakpoint]
        read = next(
            (
                i
                for bp in reversed(breakpoints)
                for i in range(bp, max(bp - LOOKBACK, -1), -1)
                if reach[i] >= minimum and self._readable(keys[i], now)
            ),
            None,
        )
        hit = 0
        if read is not None:
            self.entries[keys[read]].expires_at = now + TTL_S
            hit = reach[read]
        # the last breakpoint ends the cached span; reads never reach past it, so cached >= hit
        cached = reach[breakpoints[-1]] if breakpoints and reach[breakpoints[-1]] >= minimum else 0
        writes = [keys[i] for i in breakpoints if reach[i] >= minimum and (read is None or i > read)]
        return Usage(total - cached, cached - hit, hit), writes

    def write(self, keys: list[str], readable_at: float) -> None:
        """Entries for `keys`, readable from `readable_at` (an entry still pending keeps its earlier time)."""
        for key in keys:
            entry = self.entries.get(key)
            if entry is None or entry.expires_at <= readable_at:
                self.entries[key] = Entry(readable_at, readable_at + TTL_S)
            else:
                entry.readable_at = min(entry.readable_at, readable_at)
                entry.expires_at = max(entry.expires_at, readable_at + TTL_S)


def declared_outputs(blocks: list[Block]) -> list[str]:
    """The paths listed under lit's "Declared output files:" header, wherever in the prompt it is."""
    text = "\n".join(b.text for b in blocks)
    if DECLARED not in text:
        return []
    paths = []
    for line in text.rsplit(DECLARED, 1)[1].splitlines()[1:]:
        if not line.startswith("  - "):
            break
        paths.append(line[4:].strip())
    return paths


def answer(paths: list[str], size: int) -> str:
    """Each path in lit's `=== FILE: path ===` format, `size` bytes of Python derived from the path alone, so the
    same prompt always gets the same bytes."""
    files = []
    for path in paths:
        lines, length, i = [], 0, 0
        while length < size:
            line = f'VALUE_{i} = "{hashlib.sha256(f"{path}:{i}".encode()).hexdigest()}"\n'
            lines.append(line)
            length += len(line)
            i += 1
        files.append(f"=== FILE: {path} ===\n{''.join(lines)}")
    return "\n".join(files)


@dataclass(frozen=True)
class Latency:
    base_s: float = 0.2
    per_input_token_s: float = 0.00002
    per_output_token_s: float = 0.0003

    def first_token(self, usage: Usage) -> float:
        return self.base_s + self.per_input_token_s * (usage.input_tokens + usage.cache_creation_input_tokens)


@dataclass
class Record:
    id: str
    model: str
    outputs: list[str]
    arrival: float
    first_token: float
    finished: float
    input_tokens: int
    cache_creation_input_tokens: int
    cache_read_input_tokens: int
    output_tokens: int
    stop_reason: str
    written: list[str]  # the prefixes it wrote, by hash (16 hex digits): one written twice was not yet readable
    batch: str | None = None  # the Message Batch the request was an item of


def error(status: int, kind: str, message: str, request_id: str) -> web.Response:
    body = {"type": "error", "error": {"type": kind, "message": message}}
    return web.json_response(body, status=status, headers={"request-id": request_id})


class CacheServer:
    """The stand-in on 127.0.0.1, served from a thread of the calling process; `reset` empties cache and records."""

    def __init__(
        self,
        latency: Latency = Latency(),
        output_bytes: int = 12_000,
        clock: Callable[[], float] = time.monotonic,
        on_record: Callable[[Record], None] | None = None,
    ) -> None:
        self.latency = latency
        self.output_bytes = output_bytes
        self.clock = clock
        self.on_record = on_record
        self.cache = PromptCache()
        self._records: list[Record] = []
        self._count = 0
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.batches = Batches(self)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def records(self) -> list[Record]:
        with self._lock:
            return list(self._records)

    def reset(self) -> None:
        with self._lock:
            self.cache = PromptCache()
            self._records = []

    def start(self, port: int = 0) -> CacheServer:
        ready = threading.Event()

        def serve() -> None:
            self._loop = asyncio.new_event_loop()
            app = web.Application(client_max_size=64 * 1024 * 1024)
            app.router.add_post("/v1/messages", self._messages)
            self.batches.add_routes(app)
            self._runner = web.AppRunner(app, access_log=None)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", port)
            self._loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the cache stand-in did not start")
        return self

    def stop(self) -> None:
        loop, self._loop = self._loop, None
        if loop is None:
            return

        async def shutdown() -> None:
            assert self._runner is not None
            await self._runner.cleanup()
            loop.stop()

        asyncio.run_coroutine_threadsafe(shutdown(), loop)
        self._thread.join(10)

    async def _messages(self, request: web.Request) -> web.Response:
        arrival = self.clock()
        request_id = self._next_id()
        try:
            body = await request.json()
        except ValueError as err:
            return error(400, "invalid_request_error", str(err), request_id)
        status, payload = await self.respond(body, arrival, request_id)
        return web.json_response(payload, status=status, headers={"request-id": request_id})

    def _next_id(self) -> str:
        with self._lock:
            self._count += 1
            return f"req_{self._count:06d}"

    async def respond(self, body: dict, arrival: float, request_id: str, batch: str | None = None) -> tuple[int, dict]:
        """One Messages API request, answered after its simulated latency: the HTTP status and the JSON body."""
        try:
            model = body["model"]
            blocks = blocks_of(body)
        except (BadRequest, KeyError, TypeError, ValueError) as err:
            return 400, {"type": "error", "error": {"type": "invalid_request_error", "message": str(err)}}
        outputs = declared_outputs(blocks)
        if not outputs:
            message = f"the stand-in found no {DECLARED!r} list"
            return 400, {"type": "error", "error": {"type": "invalid_request_error", "message": message}}
        text, stop = answer(outputs, self.output_bytes), "end_turn"
        if tokens(text) > body.get("max_tokens", math.inf):
            text, stop = text[: 4 * body["max_tokens"]], "max_tokens"
        output_tokens = tokens(text)
        with self._lock:  # planning and writing happen together: no request sees the cache in between
            usage, writes = self.cache.plan(model, blocks, arrival)
            first_token = arrival + self.latency.first_token(usage)
            self.cache.write(writes, first_token)
        finished = first_token + self.latency.per_output_token_s * output_tokens
        await asyncio.sleep(max(0.0, finished - self.clock()))
        record = Record(
            request_id,
            model,
            outputs,
            arrival,
            first_token,
            finished,
            **vars(usage),
            output_tokens=output_tokens,
            stop_reason=stop,
            written=[key[:16] for key in writes],
            batch=batch,
        )
        with self._lock:
            self._records.append(record)
        if self.on_record:
            self.on_record(record)
        return 200, {
            "id": f"msg_{request_id[4:]}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": text}],
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {**vars(usage), "output_tokens": output_tokens},
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--output-bytes", type=int, default=12_000, help="size of each answered output file")
    parser.add_argument("--base-latency", type=float, default=Latency.base_s)
    parser.add_argument("--input-token-latency", type=float, default=Latency.per_input_token_s)
    parser.add_argument("--output-token-latency", type=float, default=Latency.per_output_token_s)
    args = parser.parse_args()
    latency = Latency(args.base_latency, args.input_token_latency, args.output_token_latency)

    def emit(record: Record) -> None:
        print(json.dumps(vars(record)), flush=True)

    server = CacheServer(latency, args.output_bytes, on_record=emit).start(args.port)
    print(f"Anthropic stand-in with prompt caching on {server.url}; Ctrl-C stops it", file=sys.stderr)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
