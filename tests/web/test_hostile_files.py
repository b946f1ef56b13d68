"""The dashboard survives what the project's files say: every line of the events file, every generation record and
lit.toml itself are read as hostile input (types, ranges, kinds of file), and a bad one is one skipped line or one
broken row, never a failed page or a hung server."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess

import pytest

from lit_tasks.state import events
from lit_tasks.web.app import DASHBOARD, create_app
from tests.conftest import LitProjectDir
from tests.fake_llm import FakeLLM

PAGES = ("/", "/runs", "/prompt/prompts/base.prompt.md", "/api/prompts", "/api/runs")


@pytest.fixture
def built(project: LitProjectDir, fake_llm: FakeLLM) -> LitProjectDir:
    subprocess.run(["git", "init", "-q", str(project.root)], check=True)
    project.prompt("base", ["base.py"], spec=["X = 1"])
    assert project.lit("regenerate") == 0
    return project


def append(project: LitProjectDir, data: bytes) -> None:
    with open(project.root / ".lit/events.jsonl", "ab") as f:
        f.write(data)


async def every_page_answers(client) -> None:  # noqa: ANN001 - aiohttp's test client
    for path in PAGES:
        response = await client.get(path)
        assert response.status in (200, 503), f"{path}: {response.status} {await response.text()}"


@pytest.mark.parametrize(
    "line",
    [
        b'{"t":1,"pid":1099511627776,"state":"run-start"}',  # OverflowError in kill(): every page was a 500
        b'{"t":1,"pid":0,"state":"generating","prompt":"prompts/base.prompt.md"}',  # kill(0) is the process group
        b'{"t":1,"pid":-1,"state":"generating","prompt":"prompts/base.prompt.md"}',  # kill(-1): every process
        b'{"t":"soon","pid":1,"state":"run-start"}',
        b'{"t":1,"pid":1,"state":"exploded"}',
        b'{"t":1e300,"pid":1,"state":"done","prompt":"prompts/base.prompt.md","cost_usd":-5}',
        b'["not", "an", "event"]',
        b"[" * 5000 + b"]" * 5000,  # deeper than any decoder recurses
        b"\xff\xfe not json",
    ],
)
async def test_a_hostile_events_line_is_skipped_and_counted(built: LitProjectDir, aiohttp_client, line: bytes) -> None:
    append(built, line + b"\n")
    client = await aiohttp_client(create_app(built.root))
    await every_page_answers(client)
    data = await (await client.get("/api/prompts")).json()
    assert data["events_skipped"] == 1
    assert [p["state"] for p in data["prompts"]] == ["up-to-date"], "no live state from a line that is no event"
    os.truncate(built.root / ".lit/events.jsonl", 0)  # then a real build: the server goes on as before
    built.prompt("base", ["base.py"], spec=["X = 2"])
    assert built.lit("regenerate") == 0
    await every_page_answers(client)


async def test_an_unfinished_last_line_is_waited_for_once_and_an_overlong_one_skipped(
    built: LitProjectDir, aiohttp_client
) -> None:
    client = await aiohttp_client(create_app(built.root))
    live = client.app[DASHBOARD].live
    await client.get("/api/prompts")
    append(built, b'{"t":1,"pid":1,"state":"run-')  # a writer mid-line
    assert live.has_news()
    await client.get("/api/prompts")
    assert not live.has_news(), "read once; not reread until the file grows"
    append(built, b'end"}\n')
    await client.get("/api/prompts")
    assert live.reader.skipped == 0 and not live.has_news()

    append(built, b"x" * (events.MAX_LINE + 10))  # no event is this long: skipped, never waited for
    await client.get("/api/prompts")
    assert not live.has_news() and live.reader.skipped == 1
    append(built, b"y" * 100 + b"\n" + json.dumps({"t": 2, "pid": 1, "state": "run-end"}).encode() + b"\n")
    new = live.follow()
    assert [e.state for e in new] == ["run-end"] and live.reader.skipped == 1, "the rest of that line is skipped too"


async def test_a_record_with_a_broken_timestamp_is_one_broken_row(built: LitProjectDir, aiohttp_client) -> None:
    (record,) = (built.root / ".lit/generations").glob("*.json")
    data = json.loads(record.read_text())
    (built.root / ".lit/generations/20260101T000000Z-bad.json").write_text(
        json.dumps(data | {"id": "20260101T000000Z-bad", "started": "yesterday", "finished": "later"})
    )
    client = await aiohttp_client(create_app(built.root))
    await every_page_answers(client)
    runs = (await (await client.get("/api/runs")).json())["runs"]
    assert sorted(bool(r["broken"]) for r in runs) == [False, True]
    assert "(broken: its start or end time is not a time)" in await (await client.get("/runs")).text()


@pytest.mark.parametrize("kind", ["directory", "fifo"])
async def test_lit_toml_that_is_not_a_file_is_the_projects_error_and_the_runs_stay_listed(
    built: LitProjectDir, aiohttp_client, kind: str
) -> None:
    client = await aiohttp_client(create_app(built.root))
    (built.root / "lit.toml").unlink()
    if kind == "directory":
        (built.root / "lit.toml").mkdir()
    else:
        os.mkfifo(built.root / "lit.toml")  # reading it would wait for a writer forever
    async with asyncio.timeout(20):
        await every_page_answers(client)
        page = await (await client.get("/")).text()
        runs = (await (await client.get("/api/runs")).json())["runs"]
    assert "lit.toml: it is" in page and len(runs) == 1


@pytest.mark.parametrize("name", [".gitignore", ".lit/.gitignore"])
async def test_a_fifo_in_place_of_gitignore_is_an_error_not_a_hang(
    built: LitProjectDir, aiohttp_client, name: str
) -> None:
    """libgit2 opens ignore files plainly (git too): a FIFO there would wait forever in every status and diff."""
    (built.root / name).unlink(missing_ok=True)
    os.mkfifo(built.root / name)
    done = built.run("lit", "status")
    assert done.returncode == 2 and f"{name} is not a regular file (a FIFO?)" in done.stderr
    client = await aiohttp_client(create_app(built.root))
    async with asyncio.timeout(20):
        response = await client.get("/prompt/prompts/base.prompt.md")
    assert response.status == 200, "the page shows the prompt, without its git history"


def test_fifos_where_a_run_appends_never_make_it_wait(built: LitProjectDir) -> None:
    """The events file and the pack of generated bytes are appended to without waiting for a reader."""
    for name in (".lit/events.jsonl", ".lit/cache/generated.pack"):
        (built.root / name).unlink(missing_ok=True)
        os.mkfifo(built.root / name)
    built.prompt("base", ["base.py"], spec=["X = 2"])
    done = built.run("lit", "regenerate")  # the helper's timeout (120 s) would end a run that waits
    assert done.returncode == 0 and built.code("base.py").endswith("X = 2\n"), done.stderr
