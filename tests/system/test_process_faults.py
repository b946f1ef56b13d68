"""Process faults: interrupts, SIGKILL at random points, two runs at once. Nothing partial, nothing paid twice."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import time

import pytest

from lit_tasks.io.hashing import hash_file
from tests.conftest import BIN, LitProjectDir, lit_toml, wait_for
from tests.fake_llm import FakeLLM

SIGKILL_TRIALS = 20


def start(project: LitProjectDir, *args: str) -> subprocess.Popen:
    env = {**os.environ, "NO_COLOR": "1"}
    # A shell runs background jobs with SIGINT ignored and children inherit that; give lit the default back,
    # as an interactive terminal would.
    return subprocess.Popen(
        [str(BIN / "lit"), "regenerate", *args],
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        cwd=project.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def locks(project: LitProjectDir) -> int:
    base = project.root / ".lit/lock"
    return len(list(base.rglob("*.json"))) if base.exists() else 0


def db_tasks(project: LitProjectDir) -> set[str]:
    with sqlite3.connect(project.root / ".lit/doit.sqlite") as db:
        return {row[0] for row in db.execute("select task_id from doit")}


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_during_a_parallel_run_saves_the_db(project: LitProjectDir, fake_llm: FakeLLM, sig: int) -> None:
    fake_llm.latency = 0.6
    for i in range(8):
        project.prompt(f"p{i}", [f"p{i}.py"], spec=[f"X = {i}"])
    proc = start(project, "-j", "2")
    wait_for(lambda: locks(project) >= 2)
    first_batch = {p.name.removesuffix(".json") for p in (project.root / ".lit/lock/prompts").iterdir()}
    time.sleep(0.4)  # doit records a task just after its action returns; the next batch is 0.6 s away
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode != 0 and "Traceback" not in err
    finished = {p.name.removesuffix(".json") for p in (project.root / ".lit/lock/prompts").iterdir()}
    saved = {t.removeprefix("regenerate:prompts/") for t in db_tasks(project) if t.startswith("regenerate:prompts/")}
    assert first_batch <= saved <= finished, "doit saved its DB on the interrupt (plain doit loses it on SIGTERM)"
    before = fake_llm.count()
    fake_llm.latency = 0.0
    assert project.lit("regenerate") == 0
    again = {c.declared[0].replace(".py", ".prompt.md") for c in fake_llm.calls[before:]}
    assert not (again & finished), "finished prompts are not paid for again"
    assert len(again | finished) == 8


def thirty_prompts(project: LitProjectDir) -> dict[str, str]:
    """A 30-prompt graph (six chains of five), returning the exact content each output must have."""
    expected = {}
    for chain in range(6):
        for level in range(5):
            name = f"c{chain}/l{level}"
            imports = [f"c{chain}/l{level - 1}"] if level else []
            if level == 4 and chain:
                imports.append(f"c{chain - 1}/l2")
            spec = [f"VALUE = {chain * 10 + level}", "# " + "x" * 2000]
            project.prompt(name, [f"{name}.py"], imports=imports, spec=spec)
            expected[f"{name}.py"] = "\n".join([f"# {name}.py", *spec]) + "\n"
    return expected


def calibrate(project: LitProjectDir) -> tuple[float, float]:
    """(seconds until the first lock entry appears, seconds for the whole run) on this machine, now."""
    started = time.monotonic()
    proc = start(project, "-j", "4")
    wait_for(lambda: locks(project) >= 1)
    first = time.monotonic() - started
    proc.communicate(timeout=120)
    return first, time.monotonic() - started


@pytest.mark.timeout(400)
def test_sigkill_at_random_points_never_leaves_a_partial_file(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    # The OpenAI-compatible provider: its client imports in milliseconds, the Anthropic SDK's in seconds,
    # and 40 process starts are the cost of this test.
    project.write("lit.toml", lit_toml("openai", fake_llm.url + "/v1"))
    fake_llm.latency = 0.05
    expected = thirty_prompts(project)
    rng = random.Random(20261121)
    first_output, whole_run = calibrate(project)
    corrupted = killed_mid_run = files_checked = 0
    for trial in range(SIGKILL_TRIALS):
        shutil.rmtree(project.root / "code.lock", ignore_errors=True)
        shutil.rmtree(project.root / ".lit", ignore_errors=True)
        proc = start(project, "-j", "4")
        time.sleep(rng.uniform(first_output * 0.9, whole_run))
        if proc.poll() is None:
            killed_mid_run += 1
        proc.kill()
        proc.communicate()
        for path in (project.root / "code.lock").rglob("*") if (project.root / "code.lock").exists() else []:
            if path.is_file() and not path.name.endswith(".lit-tmp"):
                rel = path.relative_to(project.root / "code.lock").as_posix()
                corrupted += path.read_text() != expected[rel]
                files_checked += 1
        for entry in project.workspace.lock.all().values():
            for out, digest in entry.outputs.items():
                corrupted += hash_file(project.root / "code.lock" / out) != digest  # a lock entry describes its files
                files_checked += 1
        resumed = start(project, "-j", "4")
        _, err = resumed.communicate(timeout=60)
        assert resumed.returncode == 0, f"trial {trial}: {err}"
        assert not list(project.root.rglob("*.lit-tmp")), "temp files of the killed run are swept"
        for rel, text in expected.items():
            assert project.code(rel) == text
    assert corrupted == 0
    assert files_checked > SIGKILL_TRIALS, "the kills left work to inspect"
    assert killed_mid_run >= SIGKILL_TRIALS // 2, "most kills landed while the build was running"


OVERLAP_PAIRS = 40
OVERLAP_KILLS = 10
IN_TRANSIT_S = 0.25  # a request on its way to the service, or an answer on its way into the killed run's cache


def three_prompts(project: LitProjectDir) -> dict[str, str]:
    """base, an app importing it, and a tool: the outputs each must end with."""
    project.prompt("base", ["base.py"], spec=["X = 1"])
    project.prompt("app", ["app.py"], imports=["base"], spec=["A = 1"])
    project.prompt("tool", ["tool.py"], spec=["T = 1"])
    return {
        f"{name}.py": f"# {name}.py\n{line}\n"
        for name, line in (("base", "X = 1"), ("app", "A = 1"), ("tool", "T = 1"))
    }


def fresh(project: LitProjectDir) -> None:
    shutil.rmtree(project.root / "code.lock", ignore_errors=True)
    shutil.rmtree(project.root / ".lit", ignore_errors=True)


@pytest.mark.timeout(300)
def test_overlapping_runs_of_the_same_prompts_pay_each_call_once(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.write("lit.toml", lit_toml("openai", fake_llm.url + "/v1"))  # starts in milliseconds (see above)
    fake_llm.latency = 0.05
    expected = three_prompts(project)
    for trial in range(OVERLAP_PAIRS):
        fresh(project)
        before = fake_llm.count()
        pair = [start(project, "-j", "2"), start(project, "-j", "2")]
        for proc in pair:
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, f"pair {trial}: {err}"
        called = sorted(c.declared[0] for c in fake_llm.calls[before:])
        assert called == sorted(expected), f"pair {trial}: each prompt paid once, not {called}"
        assert {rel: project.code(rel) for rel in expected} == expected
        assert not list(project.root.rglob("*.lit-tmp"))


@pytest.mark.timeout(300)
def test_a_run_killed_while_another_overlaps_loses_nothing(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.write("lit.toml", lit_toml("openai", fake_llm.url + "/v1"))
    fake_llm.latency = 0.15
    expected = three_prompts(project)
    rng = random.Random(20261202)
    repaid = killed_mid_run = 0
    for trial in range(OVERLAP_KILLS):
        fresh(project)
        before = fake_llm.count()
        victim, other = start(project, "-j", "2"), start(project, "-j", "2")
        time.sleep(rng.uniform(0.2, 0.8))
        recorded = set(project.workspace.lock.all())
        killed_mid_run += victim.poll() is None and len(recorded) < len(expected)
        killed_at = time.monotonic()
        victim.kill()
        victim.communicate()
        _, err = other.communicate(timeout=60)
        assert other.returncode == 0, f"trial {trial}: the overlapping run completes: {err}"
        third = start(project)
        third.communicate(timeout=60)
        assert third.returncode == 0 and len(project.workspace.lock.all()) == len(expected)
        assert {rel: project.code(rel) for rel in expected} == expected
        assert not list(project.root.rglob("*.lit-tmp")), "the killed run's temp files are swept"
        calls = fake_llm.calls[before:]
        called = [f"prompts/{c.declared[0].removesuffix('.py')}.prompt.md" for c in calls]
        in_flight = sum(
            1 for c in calls if c.started <= killed_at + IN_TRANSIT_S and c.finished >= killed_at - IN_TRANSIT_S
        )
        twice = {key for key in called if called.count(key) > 1}
        assert not twice & recorded, f"trial {trial}: a prompt finished before the kill is never paid again"
        assert len(called) - len(set(called)) <= in_flight, f"trial {trial}: only calls in flight are repaid"
        repaid += len(called) - len(set(called))
    assert killed_mid_run >= OVERLAP_KILLS // 2, "most kills landed while the prompts were being generated"
    print(f"{OVERLAP_KILLS} kills with an overlapping run: {repaid} calls in flight at the kill paid again")
