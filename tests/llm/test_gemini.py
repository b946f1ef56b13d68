"""The gemini provider: Google's OpenAI-compatible chat completions through lit's OpenAI code, with Google's
endpoint, keys and prices; and Lilit's split, planning on Gemini while Claude writes the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from lit_providers.base import ProviderContext
from lit_providers.openai import GeminiProvider
from lit_tasks.io.errors import ConfigError
from lit_tasks.model.config import ApiSection
from lit_tasks.state.records import load_records
from tests.commands.test_draft import PM, REQUEST, team
from tests.conftest import LitProjectDir, lit_toml
from tests.fake_llm import FakeLLM


def provider(api: ApiSection | None = None) -> GeminiProvider:
    return GeminiProvider(ProviderContext(name="gemini", api=api or ApiSection(), root=Path(".")))


def test_google_endpoint_and_keys_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "LIT_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(
        ConfigError, match="no Gemini API key: set `GEMINI_API_KEY` or `GOOGLE_API_KEY` or `LIT_API_KEY`"
    ):
        provider()
    monkeypatch.setenv("GOOGLE_API_KEY", "g-google")
    assert provider().key == "g-google"
    monkeypatch.setenv("GEMINI_API_KEY", "g-gemini")
    found = provider()
    assert found.key == "g-gemini", "GEMINI_API_KEY first, as Google's SDKs read it"
    assert found.base_url == "https://generativelanguage.googleapis.com/v1beta/openai"
    assert found.payload_key() == "max_tokens"
    assert provider(ApiSection(base_url="http://127.0.0.1:9/v1/")).base_url == "http://127.0.0.1:9/v1"


def test_a_gemini_build_goes_through_chat_completions_at_gemini_prices(
    project: LitProjectDir, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "g-test-key")
    config = lit_toml("gemini", fake_llm.url + "/v1").replace('key_env = "TEST_LLM_KEY"\n', "")
    project.write("lit.toml", config.replace('model = "claude-sonnet-5"', 'model = "gemini-2.5-flash"'))
    project.prompt("base", ["base.py"], spec=["B = 1"])
    assert project.lit("regenerate") == 0
    (call,) = fake_llm.calls
    assert call.api == "openai" and call.headers["authorization"] == "Bearer g-test-key"
    assert call.body["model"] == "gemini-2.5-flash" and call.body["max_tokens"] == 16384
    (entry,) = [p for r in load_records(project.workspace) for p in r.prompts]
    expected = (entry.usage.input_tokens * 0.30 + entry.usage.output_tokens * 2.50) / 1e6
    assert entry.provider == "gemini" and entry.cost_usd == pytest.approx(expected)


def test_planning_on_gemini_while_claude_writes_the_code(
    project: LitProjectDir, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lilit's split, in lit.toml: [model] is Claude, [roles.pm] and [roles.architect] are Gemini."""
    monkeypatch.setenv("GEMINI_API_KEY", "g-test-key")
    planning = "".join(
        f'\n[roles.{role}]\nprovider = "gemini"\nmodel = "gemini-3-pro-preview"\n[roles.{role}.api]\n'
        f'base_url = "{fake_llm.url}/v1"\n'
        for role in ("pm", "architect")
    )
    project.write("lit.toml", (project.root / "lit.toml").read_text() + planning)
    project.write("prompts/.keep", "")
    fake_llm.answer_with(team(pm=PM))
    assert project.lit("draft", REQUEST, "--force") == 0
    assert project.lit("regenerate") == 0
    by_api = [(c.api, c.body["model"]) for c in fake_llm.calls]
    assert by_api[:2] == [("openai", "gemini-3-pro-preview")] * 2, "the architect and the PM, on Gemini"
    assert set(by_api[2:]) == {("anthropic", "claude-sonnet-5")}, "the code, on Claude"
