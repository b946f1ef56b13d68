"""Faults injected on purpose: service errors, hostile or broken answers. Each ends in a clear error or a
recovery; a failed prompt's outputs are untouched; lock, records and doit's DB stay consistent; the next run
calls only what did not finish."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from tests.conftest import LitProjectDir, lit_toml
from tests.fake_llm import FakeLLM, Fault

OLD = "# base.py\nX = 1\n"


@pytest.fixture
def built(project: LitProjectDir, fake_llm: FakeLLM) -> LitProjectDir:
    """A project generated once (base.py = OLD, and an independent app.py), whose base prompt has since changed."""
    project.write("lit.toml", lit_toml("anthropic", project_url(fake_llm)) + "timeout_s = 2\nmax_retries = 2\n")
    project.prompt("base", ["base.py"], spec=["X = 1"])
    project.prompt("app", ["app.py"], spec=["A = 1"])
    assert project.lit("regenerate") == 0
    project.prompt("base", ["base.py"], spec=["X = 2"])
    fake_llm.calls.clear()
    return project


def project_url(fake_llm: FakeLLM) -> str:
    return fake_llm.url


def assert_untouched_and_consistent(project: LitProjectDir) -> None:
    assert project.code("base.py") == OLD, "a failed prompt's outputs are untouched"
    lock = project.workspace.lock.read("prompts/base.prompt.md")
    assert lock is not None and lock.outputs == {"base.py": lock.outputs["base.py"]}
    from lit_tasks.io.hashing import hash_bytes

    assert lock.outputs["base.py"] == hash_bytes(OLD.encode()), "the lock still describes the files on disk"
    assert not list(project.root.rglob("*.lit-tmp"))


def recovers(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    """The next run calls only the prompt that failed."""
    before = fake_llm.count()
    assert project.lit("regenerate") == 0
    assert project.code("base.py") == "# base.py\nX = 2\n"
    assert [c.declared for c in fake_llm.calls[before:]] == [["base.py"]]


def err_text(capsys) -> str:
    return capsys.readouterr().err


ANTHROPIC_ERROR = {"type": "error", "error": {"type": "api_error", "message": "boom"}}


@pytest.mark.parametrize(
    "fault, retried",
    [
        (
            Fault(
                status=429,
                headers={"retry-after": "0"},
                body={"type": "error", "error": {"type": "rate_limit_error", "message": "slow"}},
            ),
            True,
        ),
        (
            Fault(status=529, body={"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
            True,
        ),
        (Fault(status=500, body=ANTHROPIC_ERROR), True),
        (Fault(status=503, body=ANTHROPIC_ERROR), True),
        (Fault(drop=True), True),
        (Fault(partial=True), True),
    ],
    ids=["429-retry-after", "529-overloaded", "500", "503", "connection-reset", "reset-mid-body"],
)
def test_transient_service_failures_are_retried(
    built: LitProjectDir, fake_llm: FakeLLM, fault: Fault, retried: bool
) -> None:
    fake_llm.fail_next(fault)
    assert built.lit("regenerate") == 0
    assert fake_llm.count() == 2 and built.code("base.py") == "# base.py\nX = 2\n"


def test_persistent_overload_gives_up_with_a_clear_error(built: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    fake_llm.fail_next(
        *[Fault(status=529, body={"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})] * 3
    )
    assert built.lit("regenerate") == 1
    assert "HTTP 529 (overloaded_error): Overloaded (gave up after 3 attempts)" in err_text(capsys)
    assert fake_llm.count() == 3
    assert_untouched_and_consistent(built)
    recovers(built, fake_llm)


def test_spend_limit_is_never_retried(built: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    fake_llm.fail_next(
        Fault(
            status=429,
            body={
                "type": "error",
                "error": {
                    "type": "rate_limit_error",
                    "message": "You have reached your specified workspace API spend limit",
                },
            },
        )
    )
    assert built.lit("regenerate") == 1
    assert "spend or quota limit: lit does not retry it" in err_text(capsys)
    assert fake_llm.count() == 1
    assert_untouched_and_consistent(built)


def test_connection_refused(built: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    built.write("lit.toml", lit_toml("anthropic", f"http://127.0.0.1:{port}") + "timeout_s = 2\nmax_retries = 1\n")
    assert built.lit("regenerate") == 1
    assert f"cannot reach Anthropic at http://127.0.0.1:{port}" in err_text(capsys)
    assert_untouched_and_consistent(built)


def test_a_request_hanging_past_the_timeout(built: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    fake_llm.fail_next(Fault(delay=30), Fault(delay=30), Fault(delay=30))
    assert built.lit("regenerate") == 1
    assert "did not answer within 2s (gave up after 3 attempts)" in err_text(capsys)
    assert_untouched_and_consistent(built)


def test_openai_hang_and_reset(project: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    project.write("lit.toml", lit_toml("openai", fake_llm.url + "/v1") + "timeout_s = 1\nmax_retries = 1\n")
    project.prompt("base", ["base.py"], spec=["X = 1"])
    fake_llm.fail_next(Fault(delay=10), Fault(drop=True))
    assert project.lit("regenerate") == 1
    err = err_text(capsys)
    assert "cannot reach" in err or "did not answer" in err
    fake_llm.fail_next(Fault(partial=True))
    assert project.lit("regenerate") == 0


HOSTILE = [
    ("refusal", Fault(stop="refusal", text="I can't help with that."), "the model refused"),
    ("empty", Fault(text=""), "the answer is empty"),
    ("no-sections", Fault(text="Here is the code:\nX = 2\n"), "no `=== FILE: path ===` sections"),
    ("missing-output", Fault(text="=== FILE: other.py ===\nX\n"), "`other.py` is not a declared output"),
    (
        "listed-twice",
        Fault(text="=== FILE: base.py ===\nX = 2\n=== FILE: base.py ===\nX = 3\n"),
        "appears more than once",
    ),
    (
        "undeclared-extra",
        Fault(text="=== FILE: base.py ===\nX = 2\n=== FILE: app.py ===\nhijack\n"),
        "`app.py` is not a declared output",
    ),
    (
        "dotdot",
        Fault(text="=== FILE: base.py ===\nX = 2\n=== FILE: ../../.git/hooks/pre-commit ===\nrm -rf /\n"),
        "contains `..`",
    ),
    ("absolute", Fault(text="=== FILE: /etc/cron.d/x ===\n* * * * * boom\n"), "is absolute"),
    ("windows", Fault(text="=== FILE: ..\\..\\evil.py ===\nX\n"), "backslash"),
    ("truncated", Fault(stop="max_tokens", text="=== FILE: base.py ===\nX = "), "cut off"),
]


@pytest.mark.parametrize("name, fault, message", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_broken_or_hostile_answers_write_nothing(
    built: LitProjectDir, fake_llm: FakeLLM, capsys, name: str, fault: Fault, message: str
) -> None:
    before = {p: p.read_bytes() for p in built.root.rglob("*") if p.is_file() and ".lit" not in p.parts}
    fake_llm.fail_next(fault)
    assert built.lit("regenerate") == 1
    assert message in err_text(capsys)
    after = {p: p.read_bytes() for p in built.root.rglob("*") if p.is_file() and ".lit" not in p.parts}
    assert after == before, "nothing outside .lit/ was created or changed"
    assert not (built.root.parent / "evil.py").exists()
    assert_untouched_and_consistent(built)
    assert not list((built.root / ".lit/cache/responses").rglob("*.json")) or all(
        "hijack" not in p.read_text() and "boom" not in p.read_text()
        for p in (built.root / ".lit/cache/responses").rglob("*.json")
    ), "a rejected answer is never cached"
    recovers(built, fake_llm)


def test_a_declared_output_through_a_symlink_out_of_code_lock(
    project: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path, capsys
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (project.root / "code.lock").mkdir(parents=True)
    os.symlink(outside, project.root / "code.lock" / "link")
    project.prompt("base", ["link/evil.py"], spec=["X = 1"])
    assert project.lit("regenerate") == 2
    assert "leads outside code.lock/" in err_text(capsys)
    assert fake_llm.count() == 0 and not list(outside.iterdir())


def test_a_five_megabyte_answer(built: LitProjectDir, fake_llm: FakeLLM) -> None:
    big = "=== FILE: base.py ===\n" + "".join(f"X_{i} = {i}  # {'y' * 40}\n" for i in range(90_000))
    assert len(big) > 5_000_000
    fake_llm.fail_next(Fault(text=big))
    assert built.lit("regenerate") == 0
    assert (built.root / "code.lock/base.py").stat().st_size == len(big) - len("=== FILE: base.py ===\n")


def test_non_utf8_bytes_in_the_answer(built: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    body = {
        "id": "m",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-5",
        "stop_reason": "end_turn",
        "content": [{"type": "text", "text": "=== FILE: base.py ===\nX = 'PLACEHOLDER'\n"}],
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }
    raw = json.dumps(body).encode().replace(b"PLACEHOLDER", b"\xff\xfe\xc3")
    fake_llm.fail_next(Fault(raw=raw))
    code = built.lit("regenerate")
    err = err_text(capsys)
    assert "Traceback" not in err and "internal error" not in err
    if code == 0:
        text = built.code("base.py")
        text.encode("utf-8")  # whatever was written is valid UTF-8
    else:
        assert code == 1
        assert_untouched_and_consistent(built)


def test_openai_non_utf8_and_non_json_bodies(project: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    project.write("lit.toml", lit_toml("openai", fake_llm.url + "/v1") + "max_retries = 0\n")
    project.prompt("base", ["base.py"], spec=["X = 1"])
    fake_llm.fail_next(Fault(raw=b"\xff\xfe not json"))
    assert project.lit("regenerate") == 1
    assert "not JSON" in err_text(capsys)


def test_provider_errors_that_echo_the_key_are_scrubbed(
    project: LitProjectDir, fake_llm: FakeLLM, monkeypatch, capsys
) -> None:
    secret = "sk-proj-SENTINEL-9f8e7d6c5b4a39281706"
    monkeypatch.setenv("TEST_LLM_KEY", secret)
    project.write("lit.toml", lit_toml("openai", fake_llm.url + "/v1") + "max_retries = 0\n")
    project.prompt("base", ["base.py"], spec=["X = 1"])
    fake_llm.fail_next(
        Fault(status=400, body={"error": {"message": f"bad request; headers were Authorization: Bearer {secret}"}})
    )
    assert project.lit("regenerate") == 1
    out = capsys.readouterr()
    assert secret not in out.err + out.out and "SENTINEL" not in out.err
    assert "Bearer ***" in out.err


def test_usage_beyond_what_the_request_allowed_is_bounded_flagged_and_stops_the_run(
    project: LitProjectDir, fake_llm: FakeLLM, capsys
) -> None:
    from lit_tasks.state.records import load_records

    project.prompt("a", ["a.py"], spec=["A = 1"])
    project.prompt("b", ["b.py"], spec=["B = 1"])
    fake_llm.cache_usage = {"output_tokens": 5_000_000}  # far beyond max_tokens, and the $9 limit
    assert project.lit("regenerate", "-j", "1", "--max-cost", "9") == 1
    err = capsys.readouterr().err
    assert "the service reported 5,000,000 output tokens (the request allowed at most" in err
    assert "could exceed the limit of $9.0000" in err, "the reported spend stops the run"
    assert fake_llm.count() == 1
    (entry,) = [p for p in load_records(project.workspace)[-1].prompts if not p.cached]
    assert entry.usage.output_tokens < 5_000_000 and entry.usage_anomaly is not None
    assert entry.cost_usd < 9, "what is charged and recorded is bounded by what the request allowed"
