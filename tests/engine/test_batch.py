"""`lit regenerate --batch`: one Message Batch per wave, at the batch price, and an interactive build's every
guarantee (early cutoff, lock, records, response cache, `lit check`). The reliability cases: errored items,
expired batches, canceled batches."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from lit_tasks.engine.run_plan import at_batch_rates, make_plan
from lit_tasks.llm import batcher
from lit_tasks.state.index import LazyProject
from lit_tasks.state.records import PromptRecord, load_records
from tests.conftest import LitProjectDir, example_on_fake, lit_toml, wait_for
from tests.fake_llm import FakeLLM

POLL = ("--batch-poll", "0.02")


@pytest.fixture(autouse=True)
def _quick_barrier(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batcher, "SETTLE_S", 0.05)


def three_waves(project: LitProjectDir) -> None:
    """a and b, then c (imports both), then d (imports c)."""
    project.prompt("a", ["a.py"], spec=["A = 1"])
    project.prompt("b", ["b.py"], spec=["B = 1"])
    project.prompt("c", ["c.py"], imports=["a", "b"], spec=["C = 1"])
    project.prompt("d", ["d.py"], imports=["c"], spec=["D = 1"])


def batch_prompts(fake_llm: FakeLLM) -> list[list[str]]:
    """The prompts (by output) of every batch created, in order."""
    return [sorted(call.declared[0] for _, call in batch.items) for batch in fake_llm.batches.created]


def paid(project: LitProjectDir) -> dict[str, list[PromptRecord]]:
    """Every call that was paid for (not a cache hit), by prompt name."""
    found: dict[str, list[PromptRecord]] = {}
    for record in load_records(project.workspace):
        for p in record.prompts:
            if not p.cached:
                found.setdefault(p.prompt.removeprefix("prompts/").removesuffix(".prompt.md"), []).append(p)
    return found


def test_a_batch_build_sends_one_batch_per_wave_checks_clean_and_a_rerun_makes_no_call(
    project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    three_waves(project)
    assert project.lit("regenerate", "--batch", *POLL) == 0
    assert batch_prompts(fake_llm) == [["a.py", "b.py"], ["c.py"], ["d.py"]]
    assert fake_llm.count() == 0, "no interactive call"
    err = capsys.readouterr().err
    assert "batch msgbatch_0001: sent 2 requests" in err
    assert "batch msgbatch_0001 ended: 0 processing, 2 succeeded, 0 errored" in err
    assert project.code("d.py") == "# d.py\nD = 1\n"
    assert not list((project.root / ".lit/batches").iterdir()), "no batch is left pending"
    assert {p: [r.batch for r in rs] for p, rs in paid(project).items()} == {
        "a": ["msgbatch_0001"],
        "b": ["msgbatch_0001"],
        "c": ["msgbatch_0002"],
        "d": ["msgbatch_0003"],
    }
    assert project.lit("check") == 0
    assert project.lit("regenerate", "--batch", *POLL) == 0
    assert len(fake_llm.batches.created) == 3 and fake_llm.count() == 0


def test_early_cutoff_and_the_response_cache_keep_prompts_out_of_batches(
    project: LitProjectDir, fake_llm: FakeLLM
) -> None:
    three_waves(project)
    assert project.lit("regenerate", "--batch", *POLL) == 0
    (project.root / "prompts/a.prompt.md").write_text(
        (project.root / "prompts/a.prompt.md").read_text() + "\nA comment that leaves a.py unchanged.\n"
    )
    fake_llm.answer_with(lambda call: "=== FILE: a.py ===\n# a.py\nA = 1\n")
    assert project.lit("regenerate", "--batch", *POLL) == 0
    assert batch_prompts(fake_llm)[3:] == [["a.py"]], "c and d are cut off: a.py came out identical"
    (project.root / "code.lock/b.py").unlink()
    assert project.lit("regenerate", "--batch", *POLL) == 0
    assert len(fake_llm.batches.created) == 4, "b's answer came from the response cache"


def test_batch_calls_cost_half_of_interactive_ones_and_lit_cost_tells_them_apart(
    project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    project.prompt("a", ["a.py"], spec=["A = 1"])
    project.prompt("b", ["b.py"], imports=["a"], spec=["B = 1"])
    assert project.lit("regenerate") == 0  # so that both runs below estimate from the same last answers
    assert project.lit("regenerate", "--batch", "--force", "--no-cache", *POLL) == 0
    assert project.lit("regenerate", "--force", "--no-cache") == 0
    calls = paid(project)
    for name in ("a", "b"):
        _, batch, interactive = calls[name]
        assert batch.batch and not interactive.batch
        assert batch.usage == interactive.usage
        assert batch.cost_usd == pytest.approx(interactive.cost_usd / 2)
        assert batch.estimate_usd == pytest.approx(interactive.estimate_usd / 2)
        assert batch.batch_saved_usd == pytest.approx(batch.cost_usd) and interactive.batch_saved_usd == 0
    capsys.readouterr()
    assert project.lit("cost") == 0
    out = capsys.readouterr().out
    halves = sum(calls[n][1].cost_usd for n in ("a", "b"))
    assert "(6 calls, 0 from cache, 2 in batches)" in out
    assert f"(${halves:.4f} of it at the batch price)" in out or f"(${halves:.2f} of it at the batch price)" in out
    assert "saved by batching: $" in out


def test_the_plan_and_the_budget_price_a_batch_run_at_batch_rates(
    project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    config = (project.root / "lit.toml").read_text()
    project.write(
        "lit.toml", config.replace('model = "claude-sonnet-5"', 'model = "claude-sonnet-5"\nmax_tokens = 300')
    )
    project.prompt("a", ["a.py"], spec=["A = 1"])  # never built: a call that may cost its max_tokens, at most
    lazy = LazyProject.load(project.root)
    batch = at_batch_rates(make_plan(lazy)).estimate
    assert batch == pytest.approx(make_plan(lazy).estimate / 2)
    assert project.lit("regenerate", "--dry-run", "--batch") == 0
    assert f"an estimated ${batch:.2f}" in capsys.readouterr().out
    limit = f"{batch * 1.5:.4f}"
    assert project.lit("regenerate", "--max-cost", limit) != 0, "interactive: over the limit"
    assert project.lit("regenerate", "--batch", "--max-cost", limit, *POLL) == 0
    assert len(fake_llm.batches.created) == 1 and fake_llm.count() == 0


def test_an_errored_item_is_sent_again_in_the_next_batch_and_paid_once(
    project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    three_waves(project)
    fake_llm.batches.error_item("B = 1", times=1, error_type="overloaded_error")
    assert project.lit("regenerate", "--batch", *POLL) == 0
    assert batch_prompts(fake_llm) == [["a.py", "b.py"], ["b.py"], ["c.py"], ["d.py"]]
    assert "errored (overloaded_error: injected) in batch msgbatch_0001" in capsys.readouterr().err
    assert [r.batch for r in paid(project)["b"]] == ["msgbatch_0002"], "the errored item was not billed"
    assert project.lit("check") == 0


def test_an_invalid_request_fails_its_prompt_at_once(
    project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    project.prompt("a", ["a.py"], spec=["A = 1"])
    fake_llm.batches.error_item("A = 1", error_type="invalid_request_error")
    assert project.lit("regenerate", "--batch", *POLL) == 1
    assert (
        "FAILED prompts/a.prompt.md: the request errored (invalid_request_error: injected)" in capsys.readouterr().err
    )
    assert len(fake_llm.batches.created) == 1


def test_an_expired_batch_sends_only_its_unanswered_items_again(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.prompt("a", ["a.py"], spec=["A = 1"])
    project.prompt("b", ["b.py"], spec=["B = 1"])
    project.prompt("c", ["c.py"], spec=["C = 1"])
    fake_llm.batches.expire_next(answered=1)
    assert project.lit("regenerate", "--batch", *POLL) == 0
    first, second = batch_prompts(fake_llm)
    assert first == ["a.py", "b.py", "c.py"]
    assert len(second) == 2 and set(second) < set(first), "only the expired items are sent again"
    assert sorted(len(rs) for rs in paid(project).values()) == [1, 1, 1]


def test_a_canceled_batch_fails_its_prompts_clearly_and_the_next_run_sends_them_again(
    project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    import anthropic

    project.prompt("a", ["a.py"], spec=["A = 1"])
    fake_llm.batches.hold()

    def cancel_once_sent() -> None:
        while not fake_llm.batches.created:
            time.sleep(0.01)
        client = anthropic.Anthropic(api_key="sk-test", base_url=fake_llm.url, max_retries=0)
        client.messages.batches.cancel(fake_llm.batches.created[0].id)

    canceller = threading.Thread(target=cancel_once_sent)
    canceller.start()
    assert project.lit("regenerate", "--batch", *POLL) == 1
    canceller.join()
    assert "batch msgbatch_0001 was canceled before it answered (not billed)" in capsys.readouterr().err
    fake_llm.batches.hold(False)
    assert project.lit("regenerate", "--batch", *POLL) == 0
    assert len(fake_llm.batches.created) == 2 and "a" in paid(project)


def test_batch_with_a_provider_without_a_batch_api_is_a_one_line_error(
    project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("lit.toml", lit_toml("openai", fake_llm.url + "/v1"))
    project.prompt("a", ["a.py"], spec=["A = 1"])
    assert project.lit("regenerate", "--batch") != 0
    err = capsys.readouterr().err.strip()
    assert err == "lit: error: --batch: provider `openai` (prompts/a.prompt.md) has no batch API; run without --batch"
    assert fake_llm.count() == 0


def test_a_batch_build_of_the_example_project_checks_clean_and_a_rerun_makes_no_call(
    tmp_path: Path, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    example = example_on_fake(tmp_path / "taskbook", fake_llm)
    monkeypatch.setenv("TEST_LLM_KEY", "sk-test-not-a-real-key")
    assert example.lit("regenerate", "--batch", *POLL) == 0
    assert sum(len(batch.items) for batch in fake_llm.batches.created) == 12 and fake_llm.count() == 0
    assert example.lit("check") == 0
    created = len(fake_llm.batches.created)
    assert example.lit("regenerate", "--batch", *POLL) == 0
    assert len(fake_llm.batches.created) == created, "the rerun made no call"


def test_a_batch_whose_creation_timed_out_is_adopted_not_sent_twice(
    project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    """The service made the batch but answered after the client gave up: the retry finds it and waits for it,
    so the requests are paid for once."""
    project.write("lit.toml", lit_toml("anthropic", fake_llm.url, extra="timeout_s = 0.5\n"))
    project.prompt("a", ["a.py"], spec=["A = 1"])
    project.prompt("b", ["b.py"], spec=["B = 1"])
    fake_llm.batches.slow_create(2.0)
    assert project.lit("regenerate", "--batch", *POLL) == 0
    assert batch_prompts(fake_llm) == [["a.py", "b.py"]], "one batch, not two"
    err = capsys.readouterr().err
    assert "batch msgbatch_0001 was created by the attempt that failed: waiting for it, not sending again" in err
    assert {p: [r.batch for r in rs] for p, rs in paid(project).items()} == {
        "a": ["msgbatch_0001"],
        "b": ["msgbatch_0001"],
    }


def test_a_waiting_batch_says_so_at_a_steady_interval(
    project: LitProjectDir, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import threading

    from lit_tasks.llm import batch_watch

    monkeypatch.setattr(batch_watch, "HEARTBEAT_S", 0.1)
    project.prompt("a", ["a.py"], spec=["A = 1"])
    fake_llm.batches.hold()

    def release_after_a_while() -> None:  # about 0.5 s of polls once the batch exists
        wait_for(lambda: fake_llm.batches.polls >= 25, timeout=30)
        fake_llm.batches.hold(False)

    threading.Thread(target=release_after_a_while, daemon=True).start()
    assert project.lit("regenerate", "--batch", *POLL) == 0
    err = capsys.readouterr().err
    assert "sent 1 request (" in err
    assert err.count("still waiting: 1 processing, 0 succeeded, 0 errored") >= 3, err
