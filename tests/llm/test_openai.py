"""The OpenAI-compatible provider over aiohttp against a local chat-completions server."""

from __future__ import annotations

import pytest

from tests.conftest import LitProjectDir, lit_toml
from tests.fake_llm import FakeLLM, Fault


@pytest.fixture
def oproject(project: LitProjectDir, fake_llm: FakeLLM) -> LitProjectDir:
    project.write(
        "lit.toml",
        lit_toml("openai", fake_llm.url + "/v1").replace(
            'model = "claude-sonnet-5"', 'model = "gpt-4.1-mini"\nseed = 7'
        ),
    )
    return project


def test_build_noop_and_change(oproject: LitProjectDir, fake_llm: FakeLLM) -> None:
    oproject.prompt("base", ["base.py"], spec=["B = 1"])
    oproject.prompt("app", ["app.py"], imports=["base"], spec=["A = 2"])
    assert oproject.lit("regenerate") == 0
    assert oproject.code("app.py") == "# app.py\nA = 2\n"
    assert fake_llm.count() == 2
    call = fake_llm.calls[0]
    assert call.headers["authorization"] == "Bearer sk-test-not-a-real-key"
    assert call.body["seed"] == 7 and "temperature" not in call.body, "sampling params are sent only when set"
    assert call.body["max_tokens"] == 16384
    assert oproject.lit("regenerate") == 0
    assert fake_llm.count() == 2
    oproject.prompt("app", ["app.py"], imports=["base"], spec=["A = 3"])
    assert oproject.lit("regenerate") == 0
    assert fake_llm.count() == 3


def test_length_finish_reason_writes_nothing(oproject: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    oproject.prompt("base", ["base.py"], spec=["B = 1"])
    fake_llm.fail_next(Fault(stop="length", text="=== FILE: base.py ===\nB = "))
    assert oproject.lit("regenerate") == 1
    assert not (oproject.root / "code.lock/base.py").exists()
    assert "cut off" in capsys.readouterr().err


def test_429_then_success_and_500_then_success(oproject: LitProjectDir, fake_llm: FakeLLM) -> None:
    oproject.prompt("base", ["base.py"], spec=["B = 1"])
    fake_llm.fail_next(
        Fault(
            status=429,
            headers={"retry-after": "0"},
            body={"error": {"message": "rate limited", "code": "rate_limit_exceeded"}},
        ),
        Fault(status=500),
    )
    assert oproject.lit("regenerate") == 0
    assert fake_llm.count() == 3


def test_spend_limit_is_not_retried(oproject: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    oproject.prompt("base", ["base.py"], spec=["B = 1"])
    fake_llm.fail_next(
        Fault(status=429, body={"error": {"message": "You exceeded your current quota", "code": "insufficient_quota"}})
    )
    assert oproject.lit("regenerate") == 1
    assert fake_llm.count() == 1
    assert "does not retry" in capsys.readouterr().err
