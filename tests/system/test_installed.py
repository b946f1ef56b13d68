"""lit as users get it: the wheel installed into a fresh virtualenv (`make test` builds it with
tools/install_wheel.py and names it in LIT_WHEEL_VENV), run end to end against a local stand-in service.

The editable checkout finds every module in the source tree; only the installed wheel shows a module or data
file that the packaging left out.
"""

from __future__ import annotations

import json
import os
import subprocess
import urllib.request
from pathlib import Path

import pytest

import lit_tasks
from tests.conftest import REPO, prompt_text
from tests.fake_llm import FakeLLM

VENV = os.environ.get("LIT_WHEEL_VENV")
pytestmark = pytest.mark.skipif(not VENV, reason="needs the wheel venv that `make test` installs (LIT_WHEEL_VENV)")


def installed(*argv: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    assert VENV is not None
    exe = Path(VENV) / "bin" / argv[0]
    return subprocess.run([str(exe), *argv[1:]], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def user_env(fake_llm: FakeLLM) -> dict[str, str]:
    """A user's shell: the venv's commands first, nothing of this checkout on the import path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return env | {
        "PATH": f"{VENV}/bin:/usr/bin:/bin",
        "NO_COLOR": "1",
        "ANTHROPIC_BASE_URL": fake_llm.url,
        "ANTHROPIC_API_KEY": "sk-test-not-a-real-key",
        "GIT_AUTHOR_NAME": "A",
        "GIT_AUTHOR_EMAIL": "a@example.com",
        "GIT_COMMITTER_NAME": "A",
        "GIT_COMMITTER_EMAIL": "a@example.com",
    }


def test_every_module_and_data_file_of_the_source_tree_is_installed(tmp_path: Path, fake_llm: FakeLLM) -> None:
    source = sorted(
        f"{name}/{path.relative_to(REPO / folder)}"
        for folder, name in (("lit_tasks", "lit_tasks"), ("lit_providers", "lit_providers"))
        for path in (REPO / folder).rglob("*")
        if path.suffix in (".py", ".toml", ".js", ".css") and "__pycache__" not in path.parts
    )
    where = installed(
        "python", "-c", "import lit_tasks, os; print(os.path.dirname(os.path.dirname(lit_tasks.__file__)))",
        cwd=tmp_path, env=user_env(fake_llm),
    )  # fmt: skip
    assert where.returncode == 0, where.stderr
    site = Path(where.stdout.strip())
    assert site.is_relative_to(Path(VENV or "")), f"lit imported from {site}, not from the wheel"
    missing = [rel for rel in source if not (site / rel).is_file()]
    assert not missing, f"left out of the wheel: {missing}"
    assert not (site / "providers").exists(), "no top-level package with a name an application may use"
    meta = installed(
        "python", "-c", "from importlib.metadata import metadata as m; d = m('lit-tasks'); "
        "print(d['Version'], d['License-Expression'], d['Description-Content-Type'], d['Description'][:5])",
        cwd=tmp_path, env=user_env(fake_llm),
    )  # fmt: skip
    assert meta.stdout.split() == [lit_tasks.__version__, "MIT", "text/markdown", "#", "lit"], meta.stderr


def test_the_installed_lit_inits_regenerates_and_checks_a_project(tmp_path: Path, fake_llm: FakeLLM) -> None:
    env = user_env(fake_llm)
    version = installed("lit", "--version", cwd=tmp_path, env=env)
    assert version.stdout.strip() == f"lit {lit_tasks.__version__}", version.stderr
    as_module = installed("python", "-m", "lit_tasks", "--version", cwd=tmp_path, env=env)
    assert as_module.stdout.strip() == f"lit {lit_tasks.__version__}", as_module.stderr

    project = tmp_path / "hello"
    project.mkdir()
    init = installed("lit", "init", "--defaults", cwd=project, env=env)
    assert init.returncode == 0, init.stderr
    (project / "prompts/base.prompt.md").write_text(prompt_text(["base.py"], spec=["B = 1"]))
    (project / "prompts/app.prompt.md").write_text(
        prompt_text(["app.py"], imports=["prompts/base.prompt.md"], spec=["A = 2"])
    )

    build = installed("lit", "regenerate", "-j", "2", cwd=project, env=env)
    assert build.returncode == 0, build.stderr
    assert fake_llm.count() == 2 and (project / "code.lock/app.py").read_text().endswith("A = 2\n")
    check = installed("lit", "check", cwd=project, env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    via_doit = installed("doit", "lit-check", cwd=project, env=env)
    assert via_doit.returncode == 0, via_doit.stdout + via_doit.stderr
    again = installed("lit", "regenerate", cwd=project, env=env)
    assert again.returncode == 0 and fake_llm.count() == 2, again.stderr

    (project / "providers").mkdir()  # the project's own package of that common name, beside dodo.py
    (project / "providers/__init__.py").write_text("")
    (project / "prompts/base.prompt.md").write_text(prompt_text(["base.py"], spec=["B = 2"]))
    doit = installed("doit", "regenerate", cwd=project, env=env)
    assert doit.returncode == 0, doit.stdout + doit.stderr
    assert fake_llm.count() == 4 and (project / "code.lock/base.py").read_text().endswith("B = 2\n")

    server = subprocess.Popen(
        [str(Path(VENV) / "bin/lit"), "serve", "--port", "0"], cwd=project, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        url = server.stderr.readline().strip().removeprefix("lit: serving ")
        with urllib.request.urlopen(url + "static/dashboard.js", timeout=10) as script:
            assert b"EventSource" in script.read(), "the dashboard's files are in the wheel"
        with urllib.request.urlopen(url + "api/prompts", timeout=10) as api:
            assert {p["state"] for p in json.load(api)["prompts"]} == {"up-to-date"}
    finally:
        server.terminate()
        server.wait(timeout=10)
