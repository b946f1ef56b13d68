"""`lit serve` as users run it: a server process beside a build process on the 12-prompt example, followed by a
script over server-sent events and by a real headless browser (Debian's chromium, driven by Selenium through
Debian's chromedriver; `make test` installs both when missing)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BIN, LitProjectDir, example_on_fake
from tests.fake_llm import FakeLLM

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
ENV = {**os.environ, "NO_COLOR": "1", "TEST_LLM_KEY": "sk-test-not-a-real-key"}


@pytest.fixture
def served(tmp_path: Path, fake_llm: FakeLLM) -> Iterator[tuple[LitProjectDir, str]]:
    """The never-built example and the URL of `lit serve --port 0` running on it."""
    example = example_on_fake(tmp_path / "taskbook", fake_llm)
    server = subprocess.Popen(
        [str(BIN / "lit"), "serve", "--port", "0"], cwd=example.root, env=ENV, stderr=subprocess.PIPE, text=True
    )
    try:
        first = server.stderr.readline().rstrip("\n")
        assert re.fullmatch(r"lit: serving http://127\.0\.0\.1:\d+/", first), first
        yield example, first.removeprefix("lit: serving ")
    finally:
        server.terminate()
        server.wait(timeout=10)


def build(example: LitProjectDir) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "lit"), "regenerate", "-j", "4"], cwd=example.root, env=ENV, stderr=subprocess.PIPE, text=True
    )


def prompts(url: str) -> list[dict]:
    with urllib.request.urlopen(url + "api/prompts", timeout=10) as response:
        return json.load(response)["prompts"]


def test_serve_streams_an_event_for_each_prompt_of_a_build_and_ends_up_to_date(served) -> None:
    example, url = served
    assert {p["state"] for p in prompts(url)} == {"never-built"} and len(prompts(url)) == 12
    events: list[dict] = []
    stream = urllib.request.urlopen(url + "api/events", timeout=60)
    assert stream.readline() == b"event: snapshot\n"

    def listen() -> None:
        try:
            for line in stream:
                if line.startswith(b"data: ") and b'"prompt"' in line:
                    events.append(json.loads(line[6:]))
        except (OSError, ValueError):  # the server stopped
            pass

    threading.Thread(target=listen, daemon=True).start()
    assert build(example).wait(timeout=120) == 0
    deadline = time.monotonic() + 15
    while {e["prompt"] for e in events if e["state"] == "up-to-date"} != {p["path"] for p in prompts(url)}:
        assert time.monotonic() < deadline, f"events so far: {events}"
        time.sleep(0.1)
    by_prompt: dict[str, list[str]] = {}
    for event in events:
        by_prompt.setdefault(event["prompt"], []).append(event["state"])
    assert all("generating" in states for states in by_prompt.values()), by_prompt
    final = prompts(url)
    assert {p["state"] for p in final} == {"up-to-date"}
    assert all(p["cost_usd"] > 0 for p in final), "every prompt shows what its generation cost"


def browser():  # noqa: ANN201 - a selenium WebDriver
    """Debian's headless chromium, driven through Debian's chromedriver."""
    assert CHROMIUM and CHROMEDRIVER, "no chromium or chromedriver: `make test` installs Debian's packages"
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


@pytest.mark.skipif(os.environ.get("LIT_SKIP_BROWSER") == "1", reason="LIT_SKIP_BROWSER=1")
def test_the_page_draws_every_prompt_and_follows_a_build_live(served, fake_llm: FakeLLM, tmp_path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    example, url = served
    driver = browser()
    try:
        driver.get(url)
        nodes = driver.find_elements("css selector", "svg.graph g.node")
        assert sorted(n.get_attribute("data-prompt") for n in nodes) == sorted(p["path"] for p in prompts(url))
        assert {n.get_attribute("data-state") for n in nodes} == {"never-built"}
        assert driver.find_element("css selector", ".total .spent").text == "$0"
        driver.execute_script("window.litMarker = 'same page'")
        fake_llm.latency = 0.2  # long enough to watch prompts generate
        running = build(example)
        WebDriverWait(driver, 60, poll_frequency=0.05).until(
            lambda d: d.execute_script("return window.litEvents.some(e => e.state === 'generating')")
        )
        assert running.wait(timeout=120) == 0
        WebDriverWait(driver, 30).until(
            lambda d: (
                {n.get_attribute("data-state") for n in d.find_elements("css selector", "g.node")} == {"up-to-date"}
            )
        )
        WebDriverWait(driver, 30).until(lambda d: d.find_element("css selector", ".total .spent").text != "$0")
        assert driver.execute_script("return window.litMarker") == "same page", "updated live, not reloaded"
        costs = [n.text for n in driver.find_elements("css selector", "g.node .cost")]
        assert len(costs) == 12 and all(c.startswith("$") for c in costs), costs
        driver.save_screenshot(str(tmp_path / "dashboard.png"))
    finally:
        driver.quit()


@pytest.mark.skipif(os.environ.get("LIT_SKIP_BROWSER") == "1", reason="LIT_SKIP_BROWSER=1")
def test_the_timeline_follows_a_build_step_by_step(served, fake_llm: FakeLLM, tmp_path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    example, url = served
    driver = browser()
    try:
        driver.get(url + "timeline")
        assert driver.find_elements("css selector", ".timeline-empty"), "no run yet"
        fake_llm.latency = 0.3  # long enough to see a step going on
        running = build(example)
        WebDriverWait(driver, 60, poll_frequency=0.05).until(
            lambda d: d.find_elements("css selector", ".bar.step-generate.live")
        )
        assert running.wait(timeout=120) == 0
        WebDriverWait(driver, 30).until(lambda d: d.find_elements("css selector", '.timeline-head[data-live="0"]'))
        rows = driver.find_elements("css selector", "tr[data-timeline]")
        assert len(rows) == 12 and {r.get_attribute("data-state") for r in rows} == {"done"}
        steps = {b.get_attribute("data-step") for b in driver.find_elements("css selector", ".bar")}
        assert {"generate", "verify"} <= steps and not driver.find_elements("css selector", ".bar.live")
        said = [r.find_element("css selector", ".elapsed").text for r in rows]
        assert all(re.fullmatch(r"(generate|fix|verify|review) \d+\.\ds( \(usually \d+\.\ds\))?", t) for t in said), (
            said
        )
        driver.save_screenshot("/tmp/timeline.png")
    finally:
        driver.quit()
