"""The `modular` and `inferred` mappings: module defaults and context; planned, pinned and reused outputs."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from lit_tasks.state.records import load_records
from tests.conftest import LitProjectDir, lit_toml
from tests.fake_llm import Call, FakeLLM, default_answer

PLAN_MARK = "You plan the source files"
GREET_MANIFEST = ".lit/manifests/prompts/greet.prompt.md.json"


def use_mapping(project: LitProjectDir, fake_llm: FakeLLM, mapping: str) -> None:
    project.write("lit.toml", lit_toml("anthropic", fake_llm.url, mapping=mapping))


def is_plan(call: Call) -> bool:
    return PLAN_MARK in call.system


def planner(files_by_title: dict[str, list[str]]):  # noqa: ANN201
    """A model that plans the files listed for the prompt's title, and generates like the default model."""

    def answer(call: Call) -> str:
        if is_plan(call):
            title = next(line[2:] for line in call.body_text.splitlines() if line.startswith("# "))
            return json.dumps({"files": files_by_title[title]})
        return default_answer(call)

    return answer


def plan_calls(fake_llm: FakeLLM) -> int:
    return sum(1 for c in fake_llm.calls if is_plan(c))


# -- modular ---------------------------------------------------------------------------------------------------


def write_modular(project: LitProjectDir) -> None:
    project.write(
        "prompts/api/module.lit.md",
        "---\nfix_attempts: 2\ncontext: [docs/http.md]\n---\n# API module\n\nEvery handler is async.\n",
    )
    project.write("docs/http.md", "Return JSON bodies.\n")
    project.write("prompts/api/users.prompt.md", "---\noutputs: [api/users.py]\n---\n# Users\n\n> users = []\n")
    project.write("prompts/core.prompt.md", "---\noutputs: [core.py]\n---\n# Core\n\n> CORE = 1\n")


def test_a_module_gives_its_prompts_shared_context_and_defaults(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    from lit_tasks.model.project import load_project

    use_mapping(project, fake_llm, "modular")
    write_modular(project)
    loaded = load_project(project.root)
    assert (
        loaded.fix_attempts("prompts/api/users.prompt.md") == 2 and loaded.fix_attempts("prompts/core.prompt.md") == 0
    )
    assert loaded.context_files("prompts/api/users.prompt.md") == ("docs/http.md", "prompts/api/module.lit.md")
    assert loaded.context_files("prompts/core.prompt.md") == ()

    assert project.lit("regenerate") == 0
    users = next(c for c in fake_llm.calls if "api/users.py" in c.declared)
    core = next(c for c in fake_llm.calls if "core.py" in c.declared)
    guidelines = users.prompt_text  # a module's guidelines are the prompt's own: after the shared prefix
    assert "Every handler is async." in guidelines and "Return JSON bodies." in guidelines
    assert "Every handler is async." not in core.prompt_text + core.system
    assert users.system == core.system, "the system prompt is the project's, shared by every prompt"

    fake_llm.calls.clear()
    project.write(
        "prompts/api/module.lit.md", "---\nfix_attempts: 2\ncontext: [docs/http.md]\n---\nHandlers are sync.\n"
    )
    assert project.lit("regenerate") == 0
    assert [c.declared for c in fake_llm.calls] == [["api/users.py"]]  # only the prompts the module covers
    lock = project.workspace.lock.read("prompts/api/users.prompt.md")
    assert lock is not None and "prompts/api/module.lit.md" in lock.inputs.context


def test_a_prompt_overrides_its_module_and_nested_modules_stack(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    from lit_tasks.model.project import load_project

    use_mapping(project, fake_llm, "modular")
    project.write("prompts/module.lit.md", "---\nfix_attempts: 1\nreview: true\n---\nOuter.\n")
    project.write("prompts/api/module.lit.md", "---\nfix_attempts: 3\n---\nInner.\n")
    project.write("prompts/api/a.prompt.md", "---\noutputs: [a.py]\n---\n# A\n")
    project.write("prompts/api/b.prompt.md", "---\noutputs: [b.py]\nfix_attempts: 0\n---\n# B\n")
    loaded = load_project(project.root)
    assert loaded.fix_attempts("prompts/api/a.prompt.md") == 3 and loaded.fix_attempts("prompts/api/b.prompt.md") == 0
    assert loaded.review_enabled("prompts/api/b.prompt.md")  # from the outer module
    assert loaded.context_files("prompts/api/a.prompt.md") == ("prompts/module.lit.md", "prompts/api/module.lit.md")


def test_a_module_cannot_declare_outputs(
    project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture
) -> None:
    use_mapping(project, fake_llm, "modular")
    project.write("prompts/api/module.lit.md", "---\noutputs: [x.py]\n---\n")
    project.write("prompts/api/a.prompt.md", "---\noutputs: [a.py]\n---\n# A\n")
    assert project.lit("check") == 2
    assert "prompts/api/module.lit.md: a module cannot declare `outputs:`" in capsys.readouterr().err


def test_module_files_mean_nothing_in_manifest_mode(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    from lit_tasks.model.project import load_project

    write_modular(project)
    assert load_project(project.root).context_files("prompts/api/users.prompt.md") == ()


# -- inferred --------------------------------------------------------------------------------------------------


def write_inferred(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    use_mapping(project, fake_llm, "inferred")
    project.write("prompts/greet.prompt.md", "---\n---\n# Greet\n\n> def greet(): return 'hi'\n")
    project.write(
        "prompts/app.prompt.md", "---\nimports: [prompts/greet.prompt.md]\n---\n# App\n\n> from greet import greet\n"
    )
    fake_llm.answer_with(planner({"Greet": ["greet.py", "./greet_test.py"], "App": ["app.py"]}))


def test_an_inferred_prompt_is_planned_pinned_and_generated(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    write_inferred(project, fake_llm)
    assert project.lit("regenerate") == 0
    assert plan_calls(fake_llm) == 2 and fake_llm.count() == 4

    manifest = json.loads((project.root / GREET_MANIFEST).read_text())
    assert manifest["outputs"] == ["greet.py", "greet_test.py"]  # normalised as declared outputs are
    assert project.code("greet.py").startswith("# greet.py") and project.code("app.py").startswith("# app.py")
    app = next(c for c in fake_llm.calls if not is_plan(c) and c.declared == ["app.py"])
    assert "### greet.py" in app.prompt_text  # the planned outputs of an import are its context
    roles = sorted(p.role for p in load_records(project.workspace)[-1].prompts)
    assert roles == ["generate", "generate", "plan", "plan"]  # planning is paid for and recorded

    fake_llm.calls.clear()
    assert project.lit("regenerate") == 0 and fake_llm.count() == 0
    assert project.lit("check") == 0


def test_a_pinned_plan_is_reused_by_a_fresh_clone_with_zero_calls(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    write_inferred(project, fake_llm)
    assert project.lit("regenerate") == 0
    (project.root / ".lit/doit.sqlite").unlink()
    shutil.rmtree(project.root / ".lit/cache")
    fake_llm.calls.clear()
    assert project.lit("regenerate") == 0
    assert fake_llm.count() == 0


def test_editing_a_prompt_plans_it_again(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    write_inferred(project, fake_llm)
    assert project.lit("regenerate") == 0
    fake_llm.calls.clear()
    fake_llm.answer_with(planner({"Greet": ["hello.py"], "App": ["app.py"]}))
    project.write("prompts/greet.prompt.md", "---\n---\n# Greet\n\n> def greet(): return 'hello'\n")
    assert project.lit("regenerate", "prompts/app.prompt.md") == 0  # the dependent, and so what it imports
    assert plan_calls(fake_llm) == 1  # only the edited prompt
    assert json.loads((project.root / GREET_MANIFEST).read_text())["outputs"] == ["hello.py"]
    assert (project.root / "code.lock/hello.py").exists()
    assert not (project.root / "code.lock/greet.py").exists()  # no longer planned: removed like any dropped output
    app = [c for c in fake_llm.calls if not is_plan(c) and c.declared == ["app.py"]]
    assert len(app) == 1 and "### hello.py" in app[0].prompt_text  # the dependent sees the new plan


def test_an_unsafe_plan_is_rejected_and_nothing_is_pinned(
    project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture
) -> None:
    write_inferred(project, fake_llm)
    fake_llm.answer_with(planner({"Greet": ["../outside.py"], "App": ["app.py"]}))
    assert project.lit("regenerate") == 1
    err = capsys.readouterr().err
    assert "the plan was rejected" in err and "../outside.py" in err
    assert not (project.root / GREET_MANIFEST).exists()
    assert not (project.root / "code.lock/app.py").exists()  # nothing is generated from an unknown graph
    assert project.lit("check") == 1
    assert "not planned" in capsys.readouterr().out


def test_a_plan_may_not_take_another_prompts_file(
    project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture
) -> None:
    write_inferred(project, fake_llm)
    project.write("prompts/app.prompt.md", "---\noutputs: [app.py]\n---\n# App\n")  # declared: manifest rules
    fake_llm.answer_with(planner({"Greet": ["greet.py", "app.py"]}))
    assert project.lit("regenerate") == 1
    assert "code.lock/app.py is already written by prompts/app.prompt.md" in capsys.readouterr().err


def test_doit_plans_before_it_creates_the_generation_tasks(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    write_inferred(project, fake_llm)
    project.write("dodo.py", "from lit_tasks import DOIT_CONFIG, task_plan, task_regenerate  # noqa: F401\n")
    result = project.run("doit", "regenerate")
    assert result.returncode == 0, result.stderr
    assert plan_calls(fake_llm) == 2 and project.code("app.py").startswith("# app.py")
    listed = project.run("doit", "list", "--all").stdout.splitlines()
    assert any(line.startswith("plan:prompts/greet.prompt.md ") for line in listed)
    assert any(line.startswith("regenerate ") for line in listed)  # created once planned: listed as the group
    fake_llm.calls.clear()
    again = project.run("doit", "regenerate")
    assert again.returncode == 0, again.stderr
    assert fake_llm.count() == 0


def test_lit_commit_commits_the_pinned_plans(project: LitProjectDir, fake_llm: FakeLLM, monkeypatch) -> None:  # noqa: ANN001
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "A")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "a@example.com")
    write_inferred(project, fake_llm)
    subprocess.run(["git", "init", "-q"], cwd=project.root, check=True)
    assert project.lit("commit", "-m", "first") == 0
    tracked = subprocess.run(["git", "ls-files"], cwd=project.root, capture_output=True, text=True).stdout
    assert GREET_MANIFEST in tracked.splitlines(), "a fresh clone needs the plan to make no call"
