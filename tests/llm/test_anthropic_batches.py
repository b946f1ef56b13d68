"""The Anthropic provider's Message Batches, through the official SDK, against the stand-in's batch endpoints."""

from __future__ import annotations

from pathlib import Path

import pytest

from lit_providers.anthropic import AnthropicProvider
from lit_providers.anthropic_batches import AnthropicBatches
from lit_providers.base import GenerationRequest, ProviderContext
from lit_tasks.io.errors import ProviderError
from lit_tasks.model.config import ApiSection
from tests.fake_llm import FakeLLM


def request(n: int) -> GenerationRequest:
    return GenerationRequest(
        prompt=f"prompts/p{n}.prompt.md",
        outputs=(f"p{n}.py",),
        model="claude-sonnet-5",
        max_tokens=100,
        system="You write code.",
        body=f"Declared output files:\n  - p{n}.py\n\n> X = {n}\n",
    )


@pytest.fixture
def batches(fake_llm: FakeLLM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AnthropicBatches:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    context = ProviderContext(name="anthropic", api=ApiSection(base_url=fake_llm.url, max_retries=0), root=tmp_path)
    return AnthropicBatches(AnthropicProvider(context))


def test_a_batch_is_created_polled_and_read_with_every_result_type(
    batches: AnthropicBatches, fake_llm: FakeLLM
) -> None:
    fake_llm.batches.error_item("X = 1", error_type="overloaded_error")
    fake_llm.batches.error_item("X = 2", error_type="invalid_request_error")
    fake_llm.batches.expire_next(answered=3)
    fake_llm.batches.hold()
    sent = batches.create([(f"id-{n}", request(n)) for n in range(4)])
    assert not sent.ended and sent.counts.processing == 4
    assert not batches.retrieve(sent.id).ended, "held"
    fake_llm.batches.hold(False)
    ended = batches.retrieve(sent.id)
    assert ended.ended and ended.counts.model_dump() == {
        "processing": 0,
        "succeeded": 1,
        "errored": 2,
        "canceled": 0,
        "expired": 1,
    }
    results = {r.custom_id: r for r in batches.results(sent.id)}
    assert results["id-0"].type == "succeeded"
    assert results["id-0"].completion.text == "=== FILE: p0.py ===\n# p0.py\nX = 0\n"
    assert results["id-0"].completion.stop == "complete" and results["id-0"].completion.usage.output_tokens > 0
    assert (results["id-1"].type, results["id-1"].retryable) == ("errored", True)
    assert (results["id-2"].type, results["id-2"].retryable) == ("errored", False)
    assert results["id-2"].error == "invalid_request_error: injected"
    assert results["id-3"].type == "expired" and results["id-3"].completion is None
    item = fake_llm.batches.created[0].items[0][1]
    assert "sk-test" in item.headers.get("x-api-key", item.headers.get("authorization", "")), "the provider's key"
    assert item.body["messages"][0]["role"] == "user"


def test_service_errors_are_provider_errors(batches: AnthropicBatches) -> None:
    with pytest.raises(ProviderError, match="HTTP 404"):
        batches.retrieve("msgbatch_missing")
    with pytest.raises(ProviderError, match="HTTP 400"):
        batches.create([("same", request(1)), ("same", request(2))])
