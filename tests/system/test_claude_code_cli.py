"""The real Claude Code CLI (from npm) as lit's claude-code provider, pointed at the local stand-in of the Messages
API, with a HOME of its own: never the developer's `~/.claude`. Opt-in: it runs when the CLI is found
(`LIT_TEST_CLAUDE_BIN`, else `claude` on PATH; `npm install @anthropic-ai/claude-code` provides it) and is
skipped otherwise."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from lit_tasks.state.records import load_records
from tests.conftest import LitProjectDir
from tests.fake_llm import FakeLLM

CLI = os.environ.get("LIT_TEST_CLAUDE_BIN") or shutil.which("claude")
pytestmark = pytest.mark.skipif(not CLI, reason="the Claude Code CLI is not installed (LIT_TEST_CLAUDE_BIN)")


def cli_project(tmp_path: Path, auth: str = "key") -> LitProjectDir:
    project = LitProjectDir(tmp_path / "proj")
    project.write(
        "lit.toml",
        '[project]\nname = "cc"\n\n[model]\nprovider = "claude-code"\nmodel = "claude-sonnet-5"\n'
        f'\n[model.api]\nauth = "{auth}"\n',
    )
    project.prompt("base", ["base.py"], spec=["B = 1"])
    project.prompt("app", ["app.py"], imports=["base"], spec=["A = 2"])
    project.prompt("cli", ["cli.py"], imports=["app"], spec=["C = 3"])
    return project


def environment(tmp_path: Path, fake_llm: FakeLLM, **extra: str) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    assert CLI is not None
    return {"HOME": str(home), "ANTHROPIC_BASE_URL": fake_llm.url, "LIT_CLAUDE_CODE_BIN": CLI, **extra}


def left_in(home: Path) -> list[str]:
    """What the CLI kept of the calls: transcripts (and anything else naming a session's folder)."""
    return sorted(str(p.relative_to(home)) for p in home.rglob("*") if "projects" in p.parts and p.is_file())


def test_the_real_cli_builds_a_project_keeping_no_transcript_and_recording_tokens(
    tmp_path: Path, fake_llm: FakeLLM
) -> None:
    project = cli_project(tmp_path)
    done = project.run("lit", "regenerate", env=environment(tmp_path, fake_llm, ANTHROPIC_API_KEY="sk-ant-test"))
    assert done.returncode == 0, done.stderr
    assert project.code("app.py") == "# app.py\nA = 2\n"
    assert len(fake_llm.calls) == 3, "one request per prompt: no session title, no other traffic"
    assert all(c.headers.get("x-api-key") == "sk-ant-test" for c in fake_llm.calls)
    assert all(c.body.get("stream") for c in fake_llm.calls), "the CLI streams, and the stand-in streams back"
    assert left_in(tmp_path / "home") == [], "--no-session-persistence: no transcript of the prompts"
    entries = [p for r in load_records(project.workspace) for p in r.prompts]
    assert len(entries) == 3 and all(e.usage.input_tokens > 0 and e.usage.output_tokens > 0 for e in entries)
    assert all(e.cost_usd and e.cost_usd > 0 for e in entries)


def test_on_a_subscription_the_real_cli_gets_no_key_and_the_build_costs_nothing(
    tmp_path: Path, fake_llm: FakeLLM
) -> None:
    project = cli_project(tmp_path, auth="subscription")
    env = environment(
        tmp_path, fake_llm, ANTHROPIC_API_KEY="sk-ant-would-bill", CLAUDE_CODE_OAUTH_TOKEN="sk-ant-oat01-test-login"
    )
    done = project.run("lit", "regenerate", env=env)
    assert done.returncode == 0, done.stderr
    assert len(fake_llm.calls) == 3
    assert not any("x-api-key" in c.headers for c in fake_llm.calls), "the key would take over and bill per token"
    assert all(c.headers["authorization"] == "Bearer sk-ant-oat01-test-login" for c in fake_llm.calls)
    entries = [p for r in load_records(project.workspace) for p in r.prompts]
    assert all(e.subscription and e.cost_usd == 0.0 and e.usage.input_tokens > 0 for e in entries)
