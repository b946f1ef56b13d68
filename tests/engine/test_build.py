"""End-to-end builds through the real Anthropic SDK against a local Messages API server."""

from __future__ import annotations

import pytest

from lit_tasks.engine import rules
from tests.conftest import LitProjectDir
from tests.fake_llm import FakeLLM, Fault


def chain(project: LitProjectDir) -> None:
    """base <- util <- app, plus an independent leaf: a small graph with an edge to cut off."""
    project.prompt("base", ["pkg/base.py"], spec=["BASE = 1"])
    project.prompt("util", ["pkg/util.py"], imports=["base"], spec=["from pkg.base import BASE", "UTIL = BASE + 1"])
    project.prompt("app", ["pkg/app.py", "pkg/__main__.py"], imports=["util"], spec=["APP = 3"])
    project.prompt("leaf", ["leaf.py"], spec=["LEAF = 0"])


def test_full_build_writes_every_output_in_dependency_order(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    chain(project)
    assert project.lit("regenerate") == 0
    assert project.code("pkg/util.py") == "# pkg/util.py\nfrom pkg.base import BASE\nUTIL = BASE + 1\n"
    assert project.code("pkg/__main__.py").startswith("# pkg/__main__.py")
    assert fake_llm.count() == 4
    order = [c.body_text for c in fake_llm.calls]
    assert order.index(next(t for t in order if "BASE = 1" in t)) < order.index(next(t for t in order if "UTIL" in t))
    util_call = next(c for c in fake_llm.calls if "UTIL" in c.body_text)
    assert "### pkg/base.py" in util_call.prompt_text, "an import's generated code is sent as context"


def test_second_run_makes_no_call(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    chain(project)
    assert project.lit("regenerate") == 0
    assert project.lit("regenerate") == 0
    assert fake_llm.count() == 4


def test_changed_prompt_regenerates_it_and_dependents_only(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    chain(project)
    project.lit("regenerate")
    fake_llm.calls.clear()
    project.prompt("util", ["pkg/util.py"], imports=["base"], spec=["from pkg.base import BASE", "UTIL = BASE + 2"])
    assert project.lit("regenerate") == 0
    called = sorted(c.declared[0] for c in fake_llm.calls)
    assert called == ["pkg/app.py", "pkg/util.py"]
    assert "UTIL = BASE + 2" in project.code("pkg/util.py")


def test_a_run_gives_doit_tasks_only_for_what_its_plan_selects(
    project: LitProjectDir, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch, capfd
) -> None:  # noqa: ANN001
    chain(project)
    project.lit("regenerate")
    created = []
    real = rules.prompt_task
    monkeypatch.setattr(rules, "prompt_task", lambda lazy, key, *rest: created.append(key) or real(lazy, key, *rest))
    project.prompt("util", ["pkg/util.py"], imports=["base"], spec=["from pkg.base import BASE", "UTIL = BASE + 5"])
    capfd.readouterr()
    assert project.lit("regenerate") == 0
    assert sorted(created) == ["prompts/app.prompt.md", "prompts/util.prompt.md"], "base and leaf: proven current"
    assert "4 prompts: 2 generated (2 calls, 0 from cache), 2 up to date" in capfd.readouterr().err
    assert project.lit("check") == 0


def test_byte_identical_output_cuts_off_dependents(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    chain(project)
    project.lit("regenerate")
    fake_llm.calls.clear()
    text = (project.root / "prompts/base.prompt.md").read_text()
    project.write("prompts/base.prompt.md", text + "\nA clarifying sentence that changes nothing in the code.\n")
    assert project.lit("regenerate") == 0
    assert [c.declared for c in fake_llm.calls] == [["pkg/base.py"]], "util and app must not be called"


def test_429_with_retry_after_is_retried(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.prompt("base", ["base.py"], spec=["X = 1"])
    fake_llm.fail_next(
        Fault(
            status=429,
            headers={"retry-after": "0"},
            body={"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}},
        )
    )
    assert project.lit("regenerate") == 0
    assert fake_llm.count() == 2
    assert project.code("base.py") == "# base.py\nX = 1\n"


def test_truncated_answer_writes_nothing_and_keeps_old_outputs(
    project: LitProjectDir, fake_llm: FakeLLM, capsys
) -> None:
    project.prompt("base", ["base.py"], spec=["X = 1"])
    project.lit("regenerate")
    project.prompt("base", ["base.py"], spec=["X = 2"])
    fake_llm.fail_next(Fault(stop="max_tokens", text="=== FILE: base.py ===\nX = "))
    assert project.lit("regenerate") == 1
    assert project.code("base.py") == "# base.py\nX = 1\n"
    assert "cut off" in capsys.readouterr().err
    assert project.lit("regenerate") == 0, "the failed prompt is retried on the next run"
    assert project.code("base.py") == "# base.py\nX = 2\n"


def test_response_cache_answers_a_repeated_request_for_free(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.prompt("base", ["base.py"], spec=["X = 1"])
    project.lit("regenerate")
    project.prompt("base", ["base.py"], spec=["X = 2"])
    project.lit("regenerate")
    project.prompt("base", ["base.py"], spec=["X = 1"])
    assert project.lit("regenerate") == 0
    assert fake_llm.count() == 2, "going back to a previous prompt is answered by .lit/cache"
    assert project.code("base.py") == "# base.py\nX = 1\n"


def test_an_answer_with_an_undeclared_path_fails_that_prompt(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.prompt("base", ["base.py"], spec=["X = 1"])
    fake_llm.fail_next(Fault(text="=== FILE: base.py ===\nX = 1\n=== FILE: ../evil.py ===\nboom\n"))
    assert project.lit("regenerate") == 1
    assert not (project.root / "code.lock/base.py").exists()
    assert not (project.root / "evil.py").exists()


def test_force_regenerates_the_named_prompt_only_never_its_imports(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.prompt("greet", ["greet.py"], spec=["G = 1"])
    project.prompt("cli", ["cli.py"], imports=["greet"], spec=["C = 1"])
    assert project.lit("regenerate") == 0
    (project.root / "code.lock/greet.py").write_text("G = 'my precious hand edit'\n")  # in an imported file
    fake_llm.calls.clear()
    assert project.lit("regenerate", "--force", "prompts/cli.prompt.md") == 0
    assert project.code("greet.py") == "G = 'my precious hand edit'\n", "the import's hand edit is kept"
    assert [c.declared for c in fake_llm.calls] == [["cli.py"]], "only the prompt named was regenerated"
    assert "my precious hand edit" in fake_llm.calls[0].prompt_text  # the edited import is its context


def test_a_prompt_named_with_an_equals_sign_builds_with_the_others(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    """doit refuses a task name with `=`; lit names the task `prompts/a%3Db.prompt.md`, so any file name works."""
    from tests.conftest import prompt_text

    project.write("prompts/a=b.prompt.md", prompt_text(["ab.py"], spec=["AB = 1"]))
    project.prompt("c", ["c.py"], imports=["a=b"], spec=["C = 1"])
    project.write("dodo.py", "from lit_tasks import DOIT_CONFIG, task_regenerate  # noqa: F401\n")
    assert project.lit("regenerate", "prompts/c.prompt.md") == 0
    assert fake_llm.count() == 2 and project.code("ab.py").endswith("AB = 1\n")
    project.prompt("c", ["c.py"], imports=["a=b"], spec=["C = 2"])
    done = project.run("doit", "regenerate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert fake_llm.count() == 3 and project.lit("check") == 0
