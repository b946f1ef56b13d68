"""The prompt-caching stand-in of the benchmarks (benchmarks/cache_server.py): its rule, and its wire format as
the official SDK reads it. A wrong rule would make every figure of the caching benchmark wrong."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from cache_server import TTL_S, BadRequest, CacheServer, Latency, PromptCache, Usage, blocks_of  # noqa: E402

BIG = "x" * 8000  # 2,000 tokens: cacheable alone on a Sonnet model
SONNET, HAIKU = "claude-sonnet-5", "claude-haiku-4-5"


def text(value: str, cached: bool = False) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "text", "text": value}
    if cached:
        block["cache_control"] = {"type": "ephemeral"}
    return block


def body(system: list[dict], content: list[dict]) -> dict[str, Any]:
    return {"model": SONNET, "max_tokens": 100, "system": system, "messages": [{"role": "user", "content": content}]}


def ask(cache: PromptCache, request: dict[str, Any], now: float, model: str = SONNET) -> Usage:
    """One request arriving at `now` whose first token comes at once."""
    usage, writes = cache.plan(model, blocks_of(request), now)
    cache.write(writes, now)
    return usage


def test_a_prefix_written_once_is_read_by_the_next_request() -> None:
    cache = PromptCache()
    request = body([text(BIG, cached=True)], [text("question one")])
    assert ask(cache, request, 0.0) == Usage(3, 2000, 0)
    request["messages"][0]["content"] = [text("question two, longer")]
    assert ask(cache, request, 1.0) == Usage(5, 0, 2000)


def test_a_breakpoint_below_the_minimum_is_neither_written_nor_read() -> None:
    cache = PromptCache()
    short = body([text("y" * 4000, cached=True)], [text("q")])  # 1,000 tokens
    assert ask(cache, short, 0.0) == Usage(1001, 0, 0)
    assert ask(cache, short, 1.0) == Usage(1001, 0, 0)
    haiku = body([text("z" * 8000, cached=True)], [text("q")])  # 2,000 tokens: too short for Haiku
    assert ask(cache, haiku, 2.0, model=HAIKU) == Usage(2001, 0, 0)
    assert ask(cache, haiku, 3.0, model=SONNET) == Usage(1, 2000, 0)


def test_a_unique_system_prompt_before_shared_context_makes_every_prefix_unique() -> None:
    """lit's layout when this stand-in was written: each prompt's outputs in the system prompt, then the imports."""
    cache = PromptCache()
    for n in range(3):
        request = body([text(f"outputs: f{n}.py", cached=True)], [text(BIG, cached=True), text("body")])
        assert ask(cache, request, float(n)) == Usage(1, 2004, 0)


def test_writes_happen_only_at_breakpoints_and_reads_look_back_for_them() -> None:
    cache = PromptCache()
    first = body([text(BIG, cached=True)], [text("a" * 400), text("b" * 400, cached=True)])
    assert ask(cache, first, 0.0) == Usage(0, 2200, 0)
    # the same system block, other messages: the lookback finds the entry the first request wrote at the system
    second = body([text(BIG)], [text("c" * 400), text("d" * 400, cached=True)])
    assert ask(cache, second, 1.0) == Usage(0, 200, 2000)
    # the first request wrote nothing after its first message block, so this prefix is not found there
    third = body([text(BIG)], [text("a" * 400), text("e" * 400, cached=True)])
    assert ask(cache, third, 2.0) == Usage(0, 200, 2000)


def test_the_lookback_covers_20_positions_from_each_breakpoint() -> None:
    cache = PromptCache()
    ask(cache, body([text(BIG, cached=True)], [text("q")]), 0.0)
    near = body([text(BIG)], [text(f"m{i}") for i in range(18)] + [text("last", cached=True)])
    assert ask(cache, near, 1.0).cache_read_input_tokens == 2000  # the system block is position 20 from the breakpoint
    far = body([text(BIG)], [text(f"n{i}") for i in range(19)] + [text("last", cached=True)])
    assert ask(cache, far, 2.0).cache_read_input_tokens == 0


def test_an_entry_is_readable_from_its_writers_first_token_and_expires_after_5_minutes_unused() -> None:
    cache = PromptCache()
    request = body([text(BIG, cached=True)], [text("q")])
    usage, writes = cache.plan(SONNET, blocks_of(request), 0.0)
    cache.write(writes, 2.0)  # the writer's first token at t=2
    assert cache.plan(SONNET, blocks_of(request), 1.0)[0].cache_creation_input_tokens == 2000  # concurrent: writes too
    assert cache.plan(SONNET, blocks_of(request), 2.0)[0].cache_read_input_tokens == 2000
    assert cache.plan(SONNET, blocks_of(request), 2.0 + TTL_S - 1)[0].cache_read_input_tokens == 2000  # refreshed
    assert cache.plan(SONNET, blocks_of(request), 2.0 + 2 * TTL_S - 2)[0].cache_read_input_tokens == 2000
    assert cache.plan(SONNET, blocks_of(request), 2.0 + 3 * TTL_S)[0].cache_read_input_tokens == 0


def test_automatic_caching_marks_the_last_block() -> None:
    cache = PromptCache()
    request = body([text("s")], [text(BIG)]) | {"cache_control": {"type": "ephemeral"}}
    assert ask(cache, request, 0.0) == Usage(0, 2001, 0)
    assert ask(cache, request, 1.0) == Usage(0, 0, 2001)


@pytest.mark.parametrize(
    "request_body",
    [
        body([text("s", cached=True)], [text(f"m{i}", cached=True) for i in range(4)]),
        body([text("s", cached=True)], [text(f"m{i}", cached=True) for i in range(3)] + [text("m")])
        | {"cache_control": {"type": "ephemeral"}},
        body([text("s") | {"cache_control": {"type": "ephemeral", "ttl": "1h"}}], [text("q")]),
    ],
)
def test_what_the_real_api_refuses_is_refused(request_body: dict[str, Any]) -> None:
    with pytest.raises(BadRequest):
        blocks_of(request_body)


@pytest.fixture
def server() -> Iterator[CacheServer]:
    server = CacheServer(Latency(0.0, 0.0, 0.0), output_bytes=300).start()
    yield server
    server.stop()


def test_the_sdk_reads_its_answers(server: CacheServer) -> None:
    import anthropic

    client = anthropic.Anthropic(api_key="not-a-key", base_url=server.url, max_retries=0)
    system = [text("Declared output files:\n  - pkg/a.py\n  - pkg/b.py\n\nGuidelines:\n  - not a path", cached=True)]
    request = {"model": SONNET, "max_tokens": 1000, "system": system}
    messages = [{"role": "user", "content": [text(BIG, cached=True), text("body")]}]
    first = client.messages.create(**request, messages=messages)
    again = client.messages.create(**request, messages=messages)
    assert first.content[0].text == again.content[0].text  # the same prompt gets the same bytes
    assert first.content[0].text.startswith("=== FILE: pkg/a.py ===\n")
    assert "=== FILE: pkg/b.py ===\n" in first.content[0].text and "not a path" not in first.content[0].text
    assert first.stop_reason == "end_turn" and first._request_id == "req_000001"
    assert (first.usage.cache_creation_input_tokens, first.usage.cache_read_input_tokens) == (2019, 0)
    assert (again.usage.cache_creation_input_tokens, again.usage.cache_read_input_tokens) == (0, 2019)
    assert [r.cache_read_input_tokens for r in server.records()] == [0, 2019]
    with pytest.raises(anthropic.BadRequestError, match="A maximum of 4 blocks"):
        client.messages.create(**request, messages=[{"role": "user", "content": [text("m", cached=True)] * 4}])
