"""The dashboard's timeline: the last run's steps (draft, generate, fix, verify, review) placed in time, live while
the run goes on, each beside the usual duration of that step from the records."""

from __future__ import annotations

from lit_providers.base import Usage
from lit_tasks.state.events import Event
from lit_tasks.state.records import PromptRecord, RunRecord
from lit_tasks.web.timeline import build_timeline
from tests.commands.test_draft import (
    REQUEST,
    new_project,  # noqa: F401 - the fixture
)
from tests.conftest import LitProjectDir


def ev(t: float, state: str, prompt: str | None = None, pid: int = 100) -> Event:
    return Event(t=t, pid=pid, state=state, prompt=prompt)


def call(prompt: str, role: str, seconds: float, verify_s: float | None = None) -> PromptRecord:
    verification = {"passed": True, "commands": [{"command": "t", "exit_code": 0, "seconds": verify_s}]}
    return PromptRecord(
        prompt=prompt, provider="p", model="m", usage=Usage(), stop_reason="end_turn", seconds=seconds,
        cost_usd=0.0, cached=False, input_hash="", request_key="", outputs=[], written=[], finished="x",
        role=role, verification=verification if verify_s is not None else None,
    )  # fmt: skip


RUN = [
    ev(10, "run-start"),
    ev(10, "drafting", "lit-draft/pm"),
    ev(12, "done", "lit-draft/pm"),
    ev(12, "generating", "a"),
    ev(13, "verifying", "a"),
    ev(14, "generating", "a"),  # after a failed verification: a fix
    ev(16, "verifying", "a"),
    ev(17, "done", "a"),
    ev(17, "generating", "b"),
]


def test_each_step_is_placed_in_time_and_a_generation_after_verification_is_a_fix() -> None:
    past = [call("a", "generate", 3.0, verify_s=1.5), call("a", "generate", 5.0)]
    records = [
        RunRecord(id="r", lit_version="x", started="s", finished="1970-01-01T00:00:05Z", prompts=past),
        RunRecord(id="this", lit_version="x", started="s", finished="1970-01-01T00:00:19Z", prompts=past),
    ]
    timeline = build_timeline([ev(1, "run-start", pid=7), *RUN], records, alive=lambda pid: True, now=20.0)
    assert timeline is not None and timeline.live and timeline.seconds == 10.0
    rows = {r.prompt: r for r in timeline.rows}
    assert [(s.step, s.start_s, s.seconds) for s in rows["lit-draft/pm"].segments] == [("draft", 0.0, 2.0)]
    steps = [(s.step, s.start_s, s.seconds) for s in rows["a"].segments]
    assert steps == [("generate", 2.0, 1.0), ("verify", 3.0, 1.0), ("fix", 4.0, 2.0), ("verify", 6.0, 1.0)]
    assert rows["a"].state == "done" and rows["a"].segments[-1].outcome == "done"
    assert rows["a"].segments[0].usual_s == 4.0 and rows["a"].segments[1].usual_s == 1.5, "runs before this one"
    going = rows["b"].segments[-1]
    assert rows["b"].state == "generate" and going.live and going.seconds == 3.0, "still going: until now"


def test_a_run_whose_process_died_shows_its_open_step_interrupted() -> None:
    timeline = build_timeline(RUN, [], alive=lambda pid: False, now=99.0)
    assert timeline is not None and not timeline.live and timeline.seconds == 7.0
    b = next(r for r in timeline.rows if r.prompt == "b")
    assert b.state == "interrupted" and b.segments[-1].outcome == "interrupted" and not b.segments[-1].live


def test_only_the_last_run_is_shown_and_other_processes_are_left_out() -> None:
    other = [ev(11, "generating", "x", pid=200), ev(30, "run-start", pid=300), ev(31, "generating", "c", pid=300)]
    timeline = build_timeline(RUN[:3] + other[:1] + [ev(13, "run-end")] + other[1:], [], lambda pid: True, 32.0)
    assert timeline is not None and timeline.pid == 300 and [r.prompt for r in timeline.rows] == ["c"]
    assert build_timeline([ev(1, "generating", "a")], [], lambda pid: True, 2.0) is None, "no run started"


async def test_a_draft_and_its_build_are_one_run_on_the_timeline_page(
    new_project: LitProjectDir,  # noqa: F811 - the fixture
    aiohttp_client,
) -> None:
    from lit_tasks.web.app import create_app

    assert new_project.lit("draft", REQUEST, "--build") == 0
    client = await aiohttp_client(create_app(new_project.root))
    timeline = (await (await client.get("/api/timeline")).json())["timeline"]
    rows = {r["prompt"]: [s["step"] for s in r["segments"]] for r in timeline["rows"]}
    assert rows["lit-draft/architect"] == ["draft"] and rows["lit-draft/pm"] == ["draft"]
    assert rows["prompts/test_calc.prompt.md"] == ["generate", "verify"]
    page = await (await client.get("/timeline")).text()
    assert page.count('class="bar step-draft"') == 2 and 'data-timeline="prompts/calc.prompt.md"' in page
    prompt_page = await (await client.get("/prompt/prompts/calc.prompt.md")).text()
    assert "drafted from this request" in prompt_page and REQUEST in prompt_page
