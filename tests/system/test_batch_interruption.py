"""A batch build killed while it waits: the batch goes on at the service, and the next run collects it."""

from __future__ import annotations

import signal
import subprocess

import pytest

from lit_tasks.llm import batcher
from tests.conftest import LitProjectDir
from tests.engine.test_batch import POLL, batch_prompts, paid, three_waves
from tests.fake_llm import FakeLLM
from tests.system.test_process_faults import start, wait_for


@pytest.fixture
def killed_while_waiting(project: LitProjectDir, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    """A three-wave project whose batch run was killed with SIGKILL while waiting for its first batch."""
    monkeypatch.setattr(batcher, "SETTLE_S", 0.05)
    three_waves(project)
    fake_llm.batches.hold()
    proc = start(project, "--batch", *POLL)
    wait_for(lambda: fake_llm.batches.polls >= 2)  # sent, recorded, and waiting
    assert [p.name for p in (project.root / ".lit/batches").iterdir()] == ["msgbatch_0001.json"]
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    fake_llm.batches.hold(False)


@pytest.mark.usefixtures("killed_while_waiting")
def test_a_batch_rerun_waits_for_the_same_batch_and_pays_nothing_twice(
    project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    subprocess.run(["git", "init", "-q", str(project.root)], check=True)
    assert project.lit("status") == 0
    assert "batch msgbatch_0001 (pending at the service, 2 requests, sent" in capsys.readouterr().out
    assert project.lit("regenerate", "--batch", *POLL) == 0
    assert batch_prompts(fake_llm) == [["a.py", "b.py"], ["c.py"], ["d.py"]], "one batch creation for a and b"
    assert fake_llm.count() == 0
    assert {p: [r.batch for r in rs] for p, rs in paid(project).items()} == {
        "a": ["msgbatch_0001"],
        "b": ["msgbatch_0001"],
        "c": ["msgbatch_0002"],
        "d": ["msgbatch_0003"],
    }, "each call is recorded once, at the batch that answered it"
    assert not list((project.root / ".lit/batches").iterdir())
    assert project.lit("check") == 0


@pytest.mark.usefixtures("killed_while_waiting")
def test_an_interactive_rerun_waits_too_and_every_answer_of_the_batch_is_cached_and_recorded_once(
    project: LitProjectDir, fake_llm: FakeLLM
) -> None:
    assert project.lit("regenerate", "prompts/a.prompt.md", *POLL) == 0
    assert [r.batch for r in paid(project)["a"]] == ["msgbatch_0001"]
    assert (project.root / ".lit/batches/msgbatch_0001.json").exists(), "b's answer is cached, not yet recorded"
    assert project.lit("regenerate") == 0
    assert len(fake_llm.batches.created) == 1 and fake_llm.count() == 2, "b from the cache: only c and d are called"
    assert [r.batch for r in paid(project)["b"]] == ["msgbatch_0001"], "b's batch call is recorded, once"
    assert not list((project.root / ".lit/batches").iterdir())


@pytest.mark.usefixtures("killed_while_waiting")
def test_a_batch_record_cut_short_stops_the_rerun_before_it_pays_twice(
    project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    record = project.root / ".lit/batches/msgbatch_0001.json"
    record.write_bytes(record.read_bytes()[:40])  # as a crash mid-write would leave it
    for argv in (["regenerate", "--batch", *POLL], ["regenerate"], ["regenerate", "--dry-run"]):
        assert project.lit(*argv) == 2, argv
        err = capsys.readouterr().err
        assert ".lit/batches/msgbatch_0001.json cannot be read" in err and "bills both" in err
    assert len(fake_llm.batches.created) == 1 and fake_llm.count() == 0, "nothing sent again"
    record.unlink()  # the way out the message gives: the user's choice to send them again
    assert project.lit("regenerate", "--batch", *POLL) == 0


@pytest.mark.parametrize(
    "other", [["--batch", *POLL], []], ids=["two batch runs", "a batch run beside an interactive one"]
)
def test_overlapping_batch_runs_finish_and_pay_each_call_once(
    project: LitProjectDir, fake_llm: FakeLLM, other: list[str]
) -> None:
    """Each run holds one prompt's lock and waits for one the other holds: a prompt waiting on another run is idle,
    so each run's batcher still sends what its other prompts wait for (before: a deadlock, 5 of 5 trials)."""
    for name in "abcdef":
        project.prompt(name, [f"{name}.py"], spec=[f"{name.upper()} = 1"])
    project.prompt("g", ["g.py"], imports=list("abcdef"), spec=["G = 1"])
    fake_llm.latency = 0.05
    runs = [start(project, "--batch", *POLL, "-j", "8"), start(project, *other, "-j", "8")]
    for run in runs:
        _, err = run.communicate(timeout=90)
        assert run.returncode == 0, err
    assert {name: len(calls) for name, calls in paid(project).items()} == {name: 1 for name in "abcdefg"}
    assert project.lit("check") == 0


def test_a_prompt_waiting_on_another_runs_lock_does_not_hold_the_batch_back(
    project: LitProjectDir, fake_llm: FakeLLM
) -> None:
    """The deadlock's cause, made certain: while another run holds a's lock, the batch run's other prompts are
    still sent (its a-action waits on the lock, counted as idle); then a is built once the lock is free."""
    from lit_tasks.state.locks import prompt_lock

    for name in "abc":
        project.prompt(name, [f"{name}.py"], spec=[f"{name.upper()} = 1"])
    project.lit("regenerate", "--dry-run")  # creates .lit/ for the lock files
    with prompt_lock(project.workspace, "prompts/a.prompt.md"):
        run = start(project, "--batch", *POLL, "-j", "4")
        wait_for(lambda: batch_prompts(fake_llm) == [["b.py", "c.py"]], timeout=30)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 0, err
    assert batch_prompts(fake_llm) == [["b.py", "c.py"], ["a.py"]]


def test_a_batch_answer_no_run_will_ask_for_is_recorded_and_its_record_removed(
    project: LitProjectDir, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A batch run killed while waiting; a rerun of a alone collects the batch (b's answer cached, unclaimed);
    then b is deleted: its paid answer is recorded once at the batch price, and the record goes."""
    monkeypatch.setattr(batcher, "SETTLE_S", 0.05)
    project.prompt("a", ["a.py"], spec=["A = 1"])
    project.prompt("b", ["b.py"], spec=["B = 1"])
    fake_llm.batches.hold()
    proc = start(project, "--batch", *POLL)
    wait_for(lambda: fake_llm.batches.polls >= 2)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    fake_llm.batches.hold(False)
    assert project.lit("regenerate", "prompts/a.prompt.md", *POLL) == 0
    assert (project.root / ".lit/batches/msgbatch_0001.json").exists(), "b's answer is cached, not yet recorded"
    (project.root / "prompts/b.prompt.md").unlink()
    capsys.readouterr()
    assert project.lit("regenerate") == 0
    assert "recorded 1 batch answer no run will ask for (paid for)" in capsys.readouterr().err
    assert [r.batch for r in paid(project)["b"]] == ["msgbatch_0001"] and paid(project)["b"][0].cost_usd > 0
    assert not list((project.root / ".lit/batches").iterdir())
    assert fake_llm.count() == 0 and len(fake_llm.batches.created) == 1
