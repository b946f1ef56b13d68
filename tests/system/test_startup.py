"""Start-up: the Anthropic SDK (seconds to import) is imported only when a call is really made."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys

from lit_tasks.state.index import LazyProject
from lit_tasks.state.up_to_date import is_up_to_date
from tests.conftest import TWO_LINE_DODO, LitProjectDir, lit_toml
from tests.fake_llm import FakeLLM

REPORTS_SDK = (
    "import sys; from lit_tasks.commands.cli import main; rc = main(sys.argv[1:]); "
    "print('SDK imported' if 'anthropic' in sys.modules else 'no SDK'); raise SystemExit(rc)"
)


def lit_reporting_sdk(project: LitProjectDir, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", REPORTS_SDK, *args], cwd=project.root, env=env, capture_output=True, text=True
    )


def test_a_response_cache_hit_never_imports_the_sdk(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.prompt("base", ["base.py"], spec=["B = 1"])
    env = {**os.environ, "NO_COLOR": "1"}
    first = lit_reporting_sdk(project, "regenerate", env=env)
    assert first.returncode == 0 and first.stdout.strip() == "SDK imported", first.stderr
    again = lit_reporting_sdk(project, "regenerate", "--force", env=env)
    assert again.returncode == 0, again.stderr
    assert "from the response cache" in again.stderr and fake_llm.count() == 1
    assert again.stdout.strip() == "no SDK"


def test_a_missing_key_is_reported_without_importing_the_sdk(project: LitProjectDir) -> None:
    project.write("lit.toml", lit_toml("anthropic"))  # the public endpoint, which needs a key
    project.prompt("base", ["base.py"], spec=["B = 1"])
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")} | {"NO_COLOR": "1"}
    result = lit_reporting_sdk(project, "regenerate", env=env)
    assert result.returncode == 2 and "no Anthropic API key" in result.stderr, "before any call"
    assert result.stdout.strip() == "no SDK"


REPORTS_DOIT = (
    "import sys; from lit_tasks.commands.cli import main; rc = main(sys.argv[1:]); "
    "print('doit loaded' if 'doit.loader' in sys.modules else 'no doit'); raise SystemExit(rc)"
)


def lit_reporting_doit(project: LitProjectDir, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-c", REPORTS_DOIT, *args], cwd=project.root, env=env, capture_output=True, text=True
    )


def test_a_no_op_after_a_full_run_does_not_load_doit(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.prompt("base", ["base.py"], spec=["B = 1"])
    project.prompt("app", ["app.py"], imports=["base"], spec=["A = 1"])
    assert lit_reporting_doit(project, "regenerate").stdout.strip() == "doit loaded"
    again = lit_reporting_doit(project, "regenerate")
    assert again.returncode == 0 and again.stdout.strip() == "no doit", again.stderr
    assert "2 prompts up to date, nothing to do" in again.stderr
    one = lit_reporting_doit(project, "regenerate", "prompts/app.prompt.md")
    assert one.stdout.strip() == "no doit" and "2 prompts up to date" in one.stderr  # app and what it imports

    project.prompt("base", ["base.py"], spec=["B = 2"])
    changed = lit_reporting_doit(project, "regenerate")
    assert changed.stdout.strip() == "doit loaded" and changed.returncode == 0, changed.stderr
    assert fake_llm.count() == 4 and project.code("base.py").endswith("B = 2\n")
    (project.root / ".lit/doit.sqlite").unlink()
    shutil.rmtree(project.root / ".lit/cache")  # as a fresh clone has it: the lock proves it current
    assert lit_reporting_doit(project, "regenerate").stdout.strip() == "no doit"
    assert lit_reporting_doit(project, "regenerate").stdout.strip() == "no doit"
    (project.root / "code.lock/app.py").write_text("A = 'edited by hand'\n")
    assert lit_reporting_doit(project, "regenerate").stdout.strip() == "doit loaded"
    assert fake_llm.count() == 4


def test_a_doit_regenerate_no_op_keeps_the_no_op_proof(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    """doit rewrites its DB on every run, a no-op too: the proof must not depend on it."""
    project.prompt("base", ["base.py"], spec=["B = 1"])
    project.write("dodo.py", "from lit_tasks import DOIT_CONFIG, task_regenerate  # noqa: F401\n")
    assert lit_reporting_doit(project, "regenerate").stdout.strip() == "doit loaded"
    for _ in range(2):
        result = project.run("doit", "regenerate")
        assert result.returncode == 0 and "1 prompt up to date" in result.stderr, result.stderr
    lazy = LazyProject.load(project.root)
    assert is_up_to_date(lazy.workspace, lazy.index), "no file was hashed again to know it"
    assert fake_llm.count() == 1


def test_a_lock_entry_changed_alone_ends_the_no_op_proof(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    """A merge (or `lit resolve`) can change a lock entry and nothing else: the next run judges it again."""
    project.prompt("base", ["base.py"], spec=["B = 1"])
    assert project.lit("regenerate") == 0
    entry = project.root / ".lit/lock/prompts/base.prompt.md.json"
    data = json.loads(entry.read_text())
    data["inputs"]["prompt"] = "0" * len(data["inputs"]["prompt"])
    entry.write_text(json.dumps(data))
    lazy = LazyProject.load(project.root)
    assert not is_up_to_date(lazy.workspace, lazy.index)
    assert project.lit("check") == 1
    assert project.lit("regenerate") == 0  # generated again (answered from the response cache)
    assert json.loads(entry.read_text())["inputs"]["prompt"] != data["inputs"]["prompt"]
    assert project.lit("check") == 0


def test_a_proven_doit_regenerate_gives_doit_no_prompt_task_and_misses_no_change(
    project: LitProjectDir, fake_llm: FakeLLM
) -> None:
    """`doit regenerate` when the no-op proof holds: doit is given the group alone (its own file checks would only
    repeat the proof); a named task, an option or a changed file gets every task as before."""
    project.prompt("base", ["base.py"], spec=["B = 1"])
    project.prompt("app", ["app.py"], imports=["base"], spec=["A = 1"])
    project.write("dodo.py", TWO_LINE_DODO)
    assert project.lit("regenerate") == 0
    listed = project.run("doit", "list", "--all")
    assert "regenerate:prompts/app.prompt.md" in listed.stdout, "doit list sees every task"
    (project.root / ".lit/doit.sqlite").unlink()  # a task doit is given and has no record of would be seeded
    proven = project.run("doit", "regenerate")
    assert proven.returncode == 0 and "2 prompts up to date, nothing to do" in proven.stderr, proven.stderr
    with sqlite3.connect(project.root / ".lit/doit.sqlite") as db:
        recorded = {row[0] for row in db.execute("select task_id from doit")}
    assert recorded == {"regenerate"}, "no prompt task given to doit"
    named = project.run("doit", "regenerate:prompts/app.prompt.md")
    assert named.returncode == 0 and fake_llm.count() == 2, named.stderr
    project.prompt("base", ["base.py"], spec=["B = 2"])
    changed = project.run("doit", "regenerate")
    assert changed.returncode == 0 and fake_llm.count() == 4 and project.code("base.py").endswith("B = 2\n")
