"""The dashboard's JSON API and pages, served in-process (pytest-aiohttp) over a project built against the fake
Anthropic service: what a browser or a script gets."""

from __future__ import annotations

import asyncio
import json
import subprocess

import pytest

from lit_tasks.web.app import create_app
from tests.conftest import LitProjectDir
from tests.fake_llm import FakeLLM


@pytest.fixture
def built(project: LitProjectDir, fake_llm: FakeLLM) -> LitProjectDir:
    subprocess.run(["git", "init", "-q", str(project.root)], check=True)
    project.prompt("base", ["base.py"], spec=["X = 1"])
    project.prompt("app", ["app.py"], imports=["base"], spec=["A = 1"])
    assert project.lit("regenerate") == 0
    return project


async def test_prompts_lists_every_prompt_with_its_state_and_cost(built: LitProjectDir, aiohttp_client) -> None:
    client = await aiohttp_client(create_app(built.root))
    response = await client.get("/api/prompts")
    assert response.status == 200
    prompts = {p["path"]: p for p in (await response.json())["prompts"]}
    assert set(prompts) == {"prompts/base.prompt.md", "prompts/app.prompt.md"}
    base = prompts["prompts/base.prompt.md"]
    assert base["state"] == "up-to-date" and base["outputs"] == ["base.py"] and base["cost_usd"] > 0
    assert base["last_record"] and prompts["prompts/app.prompt.md"]["imports"] == ["prompts/base.prompt.md"]

    built.prompt("base", ["base.py"], spec=["X = 2"])
    prompts = {p["path"]: p for p in (await (await client.get("/api/prompts")).json())["prompts"]}
    assert prompts["prompts/base.prompt.md"]["state"] == "stale"
    assert prompts["prompts/base.prompt.md"]["reasons"] == ["prompt changed"]


async def test_one_prompt_in_full_and_unknown_prompts_are_404(built: LitProjectDir, aiohttp_client) -> None:
    client = await aiohttp_client(create_app(built.root))
    detail = await (await client.get("/api/prompts/prompts/base.prompt.md")).json()
    assert detail["frontmatter"] == "outputs: [base.py]"
    assert detail["importers"] == ["prompts/app.prompt.md"]
    (step,) = detail["steps"]
    assert step["role"] == "generate" and step["model"] == "claude-sonnet-5" and step["output_tokens"] > 0
    assert [h["calls"] for h in detail["history"]] == [1]
    assert detail["output_views"][0]["diff_of"] == "work tree" and "+X = 1" in detail["output_views"][0]["diff"]
    for path in ("/api/prompts/prompts/nope.prompt.md", "/prompt/prompts/nope.prompt.md"):
        assert (await client.get(path)).status == 404
    page = await (await client.get("/prompt/prompts/base.prompt.md")).text()
    assert "outputs: [base.py]" in page and 'data-state="up-to-date"' in page

    git = ["git", "-C", str(built.root), "-c", "user.name=A", "-c", "user.email=a@example.com"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "first"], check=True)
    built.prompt("base", ["base.py"], spec=["X = 2"])
    assert built.lit("regenerate") == 0
    subprocess.run([*git, "commit", "-qam", "second"], check=True)
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    (view,) = (await (await client.get("/api/prompts/prompts/base.prompt.md")).json())["output_views"]
    assert view["diff_of"] == head and "-X = 1" in view["diff"] and "+X = 2" in view["diff"]


async def test_runs_and_the_cost_chart(built: LitProjectDir, aiohttp_client) -> None:
    client = await aiohttp_client(create_app(built.root))
    (run,) = (await (await client.get("/api/runs")).json())["runs"]
    assert run["calls"] == 2 and run["cache_hits"] == 0 and run["cost_usd"] > 0 and run["complete"]
    assert run["prompts"] == ["prompts/app.prompt.md", "prompts/base.prompt.md"]
    page = await (await client.get("/runs")).text()
    assert '<polyline class="spend"' in page and "over 1 run<" in page
    assert '<text class="y"' in page and ">$0</text>" in page and "spent, cumulative" in page, "a labelled y axis"
    assert page.count('<text class="x"') == 1, "one run: one x label, not the same date twice"


async def test_a_prompt_answered_from_the_cache_shows_cached_and_what_it_saved(
    built: LitProjectDir, aiohttp_client
) -> None:
    assert built.lit("regenerate", "--force", "prompts/base.prompt.md") == 0  # answered from the response cache
    client = await aiohttp_client(create_app(built.root))
    prompts = {p["path"]: p for p in (await (await client.get("/api/prompts")).json())["prompts"]}
    base = prompts["prompts/base.prompt.md"]
    assert base["cached"] and base["saved_usd"] > 0 and base["cost_usd"] == 0.0
    page = await (await client.get("/")).text()
    assert "cached ($0.0" in page and "saved)" in page


async def test_a_project_that_does_not_load_shows_its_error_and_the_server_stays_up(
    built: LitProjectDir, aiohttp_client
) -> None:
    client = await aiohttp_client(create_app(built.root))
    good = (built.root / "lit.toml").read_text()
    built.write("lit.toml", good + "\n[model]\nbroken = ")
    response = await client.get("/api/prompts")
    assert response.status == 503 and "lit.toml" in (await response.json())["error"]
    page = await client.get("/")
    assert page.status == 200 and 'id="load-error"' in await page.text()
    built.write("lit.toml", good)
    assert (await client.get("/api/prompts")).status == 200


async def test_events_stream_each_change_of_state_during_a_build(
    built: LitProjectDir, fake_llm: FakeLLM, aiohttp_client
) -> None:
    client = await aiohttp_client(create_app(built.root, poll_s=0.05))
    stream = await client.get("/api/events")
    assert (await stream.content.readline()).decode() == "event: snapshot\n"
    built.prompt("base", ["base.py"], spec=["X = 2"])
    fake_llm.latency = 0.3
    build = asyncio.create_task(asyncio.to_thread(built.lit, "regenerate"))
    seen: dict[str, list[str]] = {}
    while seen.get("prompts/app.prompt.md", [])[-1:] != ["up-to-date"]:
        line = (await asyncio.wait_for(stream.content.readline(), 30)).decode()
        if line.startswith("data: ") and '"prompt"' in line:
            event = json.loads(line[6:])
            seen.setdefault(event["prompt"], []).append(event["state"])
    assert await build == 0
    assert "generating" in seen["prompts/base.prompt.md"] and seen["prompts/base.prompt.md"][-1] == "up-to-date"
    assert "generating" in seen["prompts/app.prompt.md"]


async def test_a_page_learns_that_the_project_broke_and_loads_again(built: LitProjectDir, aiohttp_client) -> None:
    client = await aiohttp_client(create_app(built.root, poll_s=0.05, refresh_s=0.1))
    stream = await client.get("/api/events")
    assert (await stream.content.readline()).decode() == "event: snapshot\n"
    good = (built.root / "lit.toml").read_text()
    built.write("lit.toml", good + "\n[model]\nbroken = ")

    async def next_project_event() -> dict:
        while (await asyncio.wait_for(stream.content.readline(), 10)).decode() != "event: project\n":
            pass
        return json.loads((await stream.content.readline()).decode()[6:])

    assert "lit.toml" in (await next_project_event())["error"]
    assert (await client.get("/prompt/prompts/base.prompt.md")).status == 503
    assert len((await (await client.get("/api/runs")).json())["runs"]) == 1, "the runs stay on record"
    built.write("lit.toml", good)
    assert (await next_project_event()) == {"error": None}


@pytest.mark.parametrize(
    "listen, host, status",
    [
        (None, "127.0.0.1:8765", 200),
        (None, "localhost", 200),
        (None, "[::1]:8765", 200),
        (None, "rebound.attacker.example:8765", 421),  # DNS rebinding: a name the page's owner points here
        (None, "[::1]evil.example", 421),  # not `[address]:port`: never read as ::1
        (None, "192.168.1.5:8765", 421),
        ("192.168.1.5", "192.168.1.5:8765", 200),  # the --host given
        ("0.0.0.0", "10.0.0.7:8765", 200),  # every address: any address, but still no foreign name
        ("0.0.0.0", "rebound.attacker.example", 421),
    ],
)
async def test_only_requests_addressed_to_loopback_or_the_given_host_are_answered(
    built: LitProjectDir, aiohttp_client, listen: str | None, host: str, status: int
) -> None:
    client = await aiohttp_client(create_app(built.root, listen=listen))
    for path in ("/", "/api/prompts", "/static/dashboard.js"):
        response = await client.get(path, headers={"Host": host})
        assert response.status == status, path
        if status == 421:
            assert "base.prompt.md" not in await response.text()


def test_serving_beyond_loopback_warns_at_start(built: LitProjectDir) -> None:
    import signal

    from tests.conftest import BIN

    server = subprocess.Popen(
        [str(BIN / "lit"), "serve", "--host", "0.0.0.0", "--port", "0"],
        cwd=built.root,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = server.stderr.readline()
        assert "listening on 0.0.0.0, beyond this machine: anyone who can reach it reads the prompts" in first
        assert server.stderr.readline().startswith("lit: serving http://0.0.0.0:")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
