"""Shared fixtures: local fake LLM services, throw-away lit projects, and ways to run lit on them."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lit_tasks.commands.cli import main as lit_main
from lit_tasks.llm import calls
from lit_tasks.state.workspace import Workspace
from tests.collection_check import (  # noqa: F401 - the plugin's hooks, active in every run
    pytest_collection_finish,
    pytest_collectstart,
    pytest_configure,
)
from tests.fake_llm import FakeLLM

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    server = FakeLLM().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No real keys or endpoints leak in; provider instances never outlive a test; retries are fast."""
    for var in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "LIT_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setattr(calls, "BACKOFF_BASE_S", 0.01)
    calls.reset_endpoints()
    yield
    calls.reset_endpoints()


def wait_for(predicate, timeout: float = 30.0) -> None:  # noqa: ANN001
    """Poll `predicate` until it holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def lit_toml(
    provider: str = "anthropic", base_url: str | None = None, *, mapping: str = "manifest", extra: str = ""
) -> str:
    api = f'\n[model.api]\nbase_url = "{base_url}"\nkey_env = "TEST_LLM_KEY"\n' if base_url else ""
    return (
        textwrap.dedent(
            f"""\
        [project]
        name = "demo"
        version = "0.1.0"
        mapping = "{mapping}"

        [language]
        default = "python"
        version = "3.11"

        [model]
        provider = "{provider}"
        model = "claude-sonnet-5"
        """
        )
        + api
        + extra
    )


TWO_LINE_DODO = '"""lit project: `doit regenerate` builds code.lock/ from prompts/."""\nfrom lit_tasks import DOIT_CONFIG, task_regenerate  # noqa: F401\n'


def prompt_text(outputs: list[str], imports: list[str] = (), spec: list[str] = (), title: str = "A prompt") -> str:
    lines = ["---", f"outputs: [{', '.join(outputs)}]"]
    if imports:
        lines.append(f"imports: [{', '.join(imports)}]")
    lines += ["---", f"# {title}", "", *(f"> {s}" for s in spec), ""]
    return "\n".join(lines)


class LitProjectDir:
    """A lit project in a temp directory, with helpers to write prompts and run lit in it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def workspace(self) -> Workspace:
        """lit's state of the project as it is on disk now (a new workspace: nothing read before is reused)."""
        return Workspace(self.root)

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def prompt(self, name: str, outputs: list[str], imports: list[str] = (), spec: list[str] = ()) -> Path:
        imports = [f"prompts/{i}.prompt.md" for i in imports]
        return self.write(f"prompts/{name}.prompt.md", prompt_text(outputs, imports, spec, title=f"Prompt {name}"))

    def code(self, rel: str) -> str:
        return (self.root / "code.lock" / rel).read_text()

    def lit(self, *args: str, monkeypatch: pytest.MonkeyPatch | None = None) -> int:
        """Run the `lit` entry point in-process, from the project root."""
        old = os.getcwd()
        os.chdir(self.root)
        try:
            return lit_main(list(args))
        finally:
            os.chdir(old)
            calls.reset_endpoints()

    def run(
        self, *argv: str, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Run a command (`lit`, `doit`) from the test's virtualenv as a separate process."""
        full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
        exe = str(BIN / argv[0])
        return subprocess.run(
            [exe, *argv[1:]], cwd=cwd or self.root, env=full_env, capture_output=True, text=True, timeout=120
        )


@pytest.fixture
def project(tmp_path: Path, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch) -> LitProjectDir:
    """An empty project whose provider is the fake Anthropic service."""
    monkeypatch.setenv("TEST_LLM_KEY", "sk-test-not-a-real-key")
    proj = LitProjectDir(tmp_path / "proj")
    proj.write("lit.toml", lit_toml("anthropic", fake_llm.url))
    return proj


def example_on_fake(root: Path, fake_llm: FakeLLM) -> LitProjectDir:
    """A copy of example_project, never built, whose provider is the fake Anthropic service answering with the
    example's own stored answers (so its verification passes); `TEST_LLM_KEY` must be set."""
    import shutil

    example = LitProjectDir(root)
    shutil.copytree(REPO / "example_project", root, ignore=shutil.ignore_patterns(".lit", "code.lock", "__pycache__"))
    config = (root / "lit.toml").read_text().replace('provider = "replay"', 'provider = "anthropic"')
    example.write("lit.toml", config + f'\n[model.api]\nbase_url = "{fake_llm.url}"\nkey_env = "TEST_LLM_KEY"\n')
    answers = {}  # the example's stored answers, by the first file each writes
    for stored in (root / "replay").rglob("*.response.md"):
        text = stored.read_text()
        answers[text.split("=== FILE: ", 1)[1].split(" ===", 1)[0]] = text
    fake_llm.answer_with(lambda call: answers[call.declared[0]])
    return example
