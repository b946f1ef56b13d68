"""Money counted is money billed: whatever goes wrong after the service answered (a truncated answer, one that is
not the FILE protocol, a verification that fails, a patch conflict), every billed call is in the run's record,
in `lit cost` and in the summary line, and refused calls (429, 5xx) are in none of them. One invariant, driven
by random fault sequences through the stand-in."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lit_tasks.state.records import load_records
from tests.conftest import LitProjectDir, lit_toml
from tests.fake_llm import FakeLLM, Fault

FAULTS = {
    "ok": None,
    "truncated": Fault(stop="max_tokens"),
    "garbage": Fault(text="Sure! Here is the code you asked for."),
    "wrong": Fault(text="=== FILE: a.py ===\nA = 2\n"),  # for a.py: its verification fails, a fix follows
    "rate-limited": Fault(status=429, headers={"retry-after": "0"}),
    "overloaded": Fault(status=529, body={"type": "error", "error": {"type": "overloaded_error", "message": "o"}}),
}
VERIFIED = '---\noutputs: [a.py]\nverify: ["python -c \\"import a; assert a.A == 1\\""]\nfix_attempts: 1\n---\n# A\n\n> A = 1\n'


def billed(fake_llm: FakeLLM) -> tuple[int, int]:
    """(calls the service answered, their input tokens): what it bills."""
    answered = [c.billed for c in fake_llm.calls if c.billed is not None]
    return len(answered), sum(u["input_tokens"] for u in answered)


def counted(project: LitProjectDir, capsys: pytest.CaptureFixture[str]) -> tuple[int, int]:
    capsys.readouterr()
    assert project.lit("cost", "--json") == 0
    total = json.loads(capsys.readouterr().out)["total"]
    return total["calls"], total["input_tokens"]


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(sequence=st.lists(st.sampled_from(sorted(FAULTS)), min_size=1, max_size=6))
def test_every_billed_call_is_counted_once_whatever_fails(
    sequence: list[str],
    fake_llm: FakeLLM,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEST_LLM_KEY", "sk-test-not-a-real-key")
    fake_llm.calls.clear()
    project = LitProjectDir(tmp_path_factory.mktemp("billing") / "proj")
    project.write(
        "lit.toml",
        lit_toml(
            "anthropic",
            fake_llm.url,
            extra='\n[pricing."claude-sonnet-5"]\ninput_per_million = 3.0\noutput_per_million = 15.0\n',
        ),
    )
    project.write("prompts/a.prompt.md", VERIFIED)
    project.prompt("b", ["b.py"], imports=["a"], spec=["B = 1"])
    project.prompt("c", ["c.py"], spec=["C = 1"])
    fake_llm.fail_next(*(FAULTS[name] for name in sequence if FAULTS[name] is not None))
    capsys.readouterr()
    project.lit("regenerate", "-j", "1")
    summary = capsys.readouterr().err.strip().splitlines()[-1]
    service_calls, service_input = billed(fake_llm)
    records = [p for r in load_records(project.workspace) for p in r.prompts if not p.cached]
    assert len(records) == service_calls, f"{sequence}: every billed call is in the record"
    assert sum(p.usage.input_tokens for p in records) == service_input
    assert counted(project, capsys) == (service_calls, service_input), "lit cost counts what the service billed"
    said = re.search(r"\((\d+) calls?, ", summary)
    assert said and int(said.group(1)) == service_calls, f"the summary line agrees: {summary}"
    fake_llm.faults.clear()


def test_a_truncated_answer_is_paid_for_and_recorded(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.prompt("a", ["a.py"], spec=["A = 1"])
    fake_llm.fail_next(Fault(stop="max_tokens"))
    assert project.lit("regenerate") == 1
    (entry,) = [p for r in load_records(project.workspace) for p in r.prompts]
    assert entry.stop_reason == "max_tokens" and entry.usage.output_tokens > 0 and entry.written == []


def test_a_patch_conflict_after_the_answer_still_records_the_paid_call(
    project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    project.prompt("a", ["a.py"], spec=["A = 1", "B = 1"])
    assert project.lit("regenerate") == 0
    edited = project.code("a.py").replace("B = 1", "B = 'mine'")
    (project.root / "code.lock/a.py").write_text(edited)
    assert project.lit("patch", "save", "code.lock/a.py") == 0
    project.prompt("a", ["a.py"], spec=["A = 1", "B = 2"])  # the same line changes under the saved patch
    assert project.lit("regenerate") == 1
    calls = [p for r in load_records(project.workspace) for p in r.prompts if not p.cached]
    assert len(calls) == 2 == len([c for c in fake_llm.calls if c.billed])
    assert "0 generated (1 call, 0 from cache)" in capsys.readouterr().err


def test_a_spending_limit_is_a_ceiling_whatever_j_when_answers_grow(
    project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    """16 prompts built with short answers, then edited; the answers grow far past their history. With -j 8 and
    a $0.10 limit, calls are admitted by their worst case (input + max_tokens), so the run never spends more."""
    pricing = "\n[model.pricing]\ninput_per_million = 3.0\noutput_per_million = 15.0\n"
    project.write(
        "lit.toml",
        lit_toml("anthropic", fake_llm.url).replace('claude-sonnet-5"', 'claude-sonnet-5"\nmax_tokens = 2000')
        + pricing,
    )
    for i in range(16):
        project.prompt(f"p{i}", [f"p{i}.py"], spec=[f"X = {i}"])
    assert project.lit("regenerate", "-j", "8") == 0
    for i in range(16):
        project.prompt(f"p{i}", [f"p{i}.py"], spec=[f"X = {i + 1}"])
    fake_llm.answer_with(lambda call: "".join(f"=== FILE: {p} ===\n# {'x' * 7000}\n" for p in call.declared))
    fake_llm.latency = 0.1
    capsys.readouterr()
    assert project.lit("regenerate", "-j", "8", "--max-cost", "0.10") == 1
    err = capsys.readouterr().err
    assert "plan: 16 of 16 prompts to generate, an estimated $0.0" in err, "the history expected small answers"
    assert "could exceed the limit of $0.1000" in err
    last = load_records(project.workspace)[-1]
    spent = sum(p.cost_usd or 0.0 for p in last.prompts)
    assert 0 < spent <= 0.10, f"spent {spent}"


def test_a_wide_build_waits_for_room_under_a_limit_and_builds_what_a_narrow_one_would(
    project: LitProjectDir, fake_llm: FakeLLM
) -> None:
    """Each call's worst case is about $0.03, the limit $0.20 (six of them), what each really costs a tenth of a
    cent: with -j 8, calls wait for those in flight to settle rather than being refused, and all ten are built."""
    pricing = "\n[model.pricing]\ninput_per_million = 3.0\noutput_per_million = 15.0\n"
    config = lit_toml("anthropic", fake_llm.url).replace('claude-sonnet-5"', 'claude-sonnet-5"\nmax_tokens = 2000')
    project.write("lit.toml", config + pricing)
    for i in range(10):
        project.prompt(f"p{i}", [f"p{i}.py"], spec=[f"X = {i}"])
    fake_llm.latency = 0.05
    assert project.lit("regenerate", "-j", "8", "--max-cost", "0.20") == 0
    assert fake_llm.count() == 10 and fake_llm.max_in_flight <= 6, "never more in flight than the limit allows"
