"""Verified generation: verify commands, the fix loop, review, roles and shared context, as cached build steps."""

from __future__ import annotations

import json
from pathlib import Path

from lit_tasks.state.records import load_records
from tests.conftest import LitProjectDir, lit_toml
from tests.fake_llm import Call, FakeLLM, Fault, default_answer

CHECK_TWO = 'python -c "import calc; assert calc.VALUE == 2, calc.VALUE" && echo ran >> ../verify.log'


def calc_prompt(project: LitProjectDir, value: int, *, fix_attempts: int = 1, review: bool = False) -> None:
    extra = "review: true\n" if review else ""
    project.write(
        "prompts/calc.prompt.md",
        f"---\noutputs: [calc.py]\nverify: '{CHECK_TWO}'\nfix_attempts: {fix_attempts}\n{extra}---\n"
        f"# Calc\n\n> VALUE = {value}\n",
    )


def fixed_by_feedback(call: Call) -> str:
    """The model gets VALUE wrong first, and right once it is shown the failing command's output."""
    if "Verification failed" in call.body_text:
        return "=== FILE: calc.py ===\nVALUE = 2\n"
    return default_answer(call)


def verify_runs(project: LitProjectDir) -> int:
    log = project.root / "verify.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_a_failed_verification_is_fixed_with_its_output_as_feedback(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    calc_prompt(project, 1)
    fake_llm.answer_with(fixed_by_feedback)
    assert project.lit("regenerate") == 0
    assert project.code("calc.py") == "VALUE = 2\n"
    assert fake_llm.count() == 2
    feedback = fake_llm.calls[1].body_text
    assert "AssertionError: 1" in feedback and "VALUE = 1" in feedback  # the failure and the code that failed

    lock = project.workspace.lock.read("prompts/calc.prompt.md")
    assert lock is not None and lock.verified
    record = load_records(project.workspace)[-1]
    assert [(p.role, p.attempt) for p in record.prompts] == [("generate", 0), ("fix", 1)]
    assert [p.verification["passed"] for p in record.prompts] == [False, True]
    assert all(p.cost_usd and p.cost_usd > 0 for p in record.prompts)  # each attempt is paid for and recorded
    assert record.summary.prompts == 1 and record.summary.calls == 2

    runs = verify_runs(project)
    fake_llm.calls.clear()
    assert project.lit("regenerate") == 0
    assert fake_llm.count() == 0 and verify_runs(project) == runs  # a passing verification is cached
    assert project.lit("check") == 0


def test_exhausted_fix_attempts_fail_the_prompt_and_restore_the_previous_outputs(
    project: LitProjectDir, fake_llm: FakeLLM
) -> None:
    calc_prompt(project, 2)
    assert project.lit("regenerate") == 0
    before = project.workspace.lock.read("prompts/calc.prompt.md")

    calc_prompt(project, 3, fix_attempts=2)  # the model keeps answering VALUE = 3
    fake_llm.calls.clear()
    assert project.lit("regenerate") == 1
    assert fake_llm.count() == 3  # the generation and two fix attempts
    assert project.code("calc.py") == "# calc.py\nVALUE = 2\n"  # the verified code is back
    assert project.workspace.lock.read("prompts/calc.prompt.md") == before
    record = load_records(project.workspace)[-1]
    assert [p.role for p in record.prompts] == ["generate", "fix", "fix"]  # failed attempts are recorded too
    assert project.lit("check") == 1


def test_a_review_that_does_not_approve_feeds_the_fix_loop(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.write(
        "lit.toml", lit_toml("anthropic", fake_llm.url, extra='\n[roles.review]\nmodel = "claude-haiku-5-5"\n')
    )
    project.write(
        "prompts/calc.prompt.md", "---\noutputs: [calc.py]\nreview: true\nfix_attempts: 1\n---\n# Calc\n\n> VALUE = 1\n"
    )
    reviews = iter(['{"approved": false, "issues": ["VALUE must be 2, the spec says so"]}', '{"approved": true}'])

    def answer(call: Call) -> str:
        return next(reviews) if "You review generated source code" in call.system else fixed_by_feedback(call)

    fake_llm.answer_with(answer)
    assert project.lit("regenerate") == 0
    assert project.code("calc.py") == "VALUE = 2\n"
    models = [c.body["model"] for c in fake_llm.calls]
    assert models == ["claude-sonnet-5", "claude-haiku-5-5", "claude-sonnet-5", "claude-haiku-5-5"]
    assert "VALUE must be 2, the spec says so" in fake_llm.calls[2].body_text
    record = load_records(project.workspace)[-1]
    verdicts = [p.verification["review"] for p in record.prompts if p.role != "review"]
    assert verdicts == [
        {"approved": False, "issues": ["VALUE must be 2, the spec says so"]},
        {"approved": True, "issues": []},
    ]
    assert [p.role for p in record.prompts] == ["generate", "review", "fix", "review"]


def test_check_reports_a_verification_that_has_not_passed_and_regenerate_runs_it(
    project: LitProjectDir,
    fake_llm: FakeLLM,
    capsys,  # noqa: ANN001
) -> None:
    project.prompt("calc", ["calc.py"], spec=["VALUE = 2"])
    assert project.lit("regenerate") == 0
    toml = project.root / "lit.toml"
    toml.write_text(toml.read_text() + f"\n[verify]\ncommands = [{json.dumps(CHECK_TWO)}]\n")
    capsys.readouterr()
    assert project.lit("check") == 1
    assert "unverified prompts/calc.prompt.md" in capsys.readouterr().out
    fake_llm.calls.clear()
    assert project.lit("regenerate") == 0
    assert fake_llm.count() == 0 and verify_runs(project) == 1  # verification only: the code is up to date
    assert project.lit("check") == 0


def test_guideline_files_reach_the_system_prompt_and_are_inputs(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.write("lit.toml", lit_toml("anthropic", fake_llm.url, extra='\n[context]\nfiles = ["docs/style.md"]\n'))
    project.write("docs/style.md", "Name every constant in capitals.\n")
    project.prompt("calc", ["calc.py"], spec=["VALUE = 2"])
    assert project.lit("regenerate") == 0
    assert "Name every constant in capitals." in fake_llm.calls[0].system
    assert project.lit("regenerate") == 0 and fake_llm.count() == 1

    (project.root / "docs/style.md").write_text("Name every constant in capitals. No globals.\n")
    assert project.lit("check") == 1
    assert project.lit("regenerate") == 0 and fake_llm.count() == 2
    lock = project.workspace.lock.read("prompts/calc.prompt.md")
    assert lock is not None and set(lock.inputs.context) == {"docs/style.md"}


def test_a_missing_guideline_file_is_a_configuration_error(project: LitProjectDir, capsys) -> None:  # noqa: ANN001
    project.write("prompts/calc.prompt.md", "---\noutputs: [calc.py]\ncontext: [docs/missing.md]\n---\n# Calc\n")
    assert project.lit("check") == 2
    assert "context file docs/missing.md does not exist" in capsys.readouterr().err


def test_verify_tasks_are_doit_tasks(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    calc_prompt(project, 2)
    project.write("dodo.py", "from lit_tasks import DOIT_CONFIG, task_regenerate  # noqa: F401\n")
    listed = project.run("doit", "list", "--all")
    assert listed.returncode == 0, listed.stderr
    assert "verify:prompts/calc.prompt.md" in listed.stdout
    result = project.run("doit", "regenerate")
    assert result.returncode == 0, result.stderr
    assert (
        verify_runs(project) == 1 and Path(project.root / "code.lock/calc.py").read_text() == "# calc.py\nVALUE = 2\n"
    )


def test_a_fresh_clone_trusts_a_verified_lock_and_runs_no_command(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    calc_prompt(project, 2)
    assert project.lit("regenerate") == 0
    runs = verify_runs(project)
    (project.root / ".lit/doit.sqlite").unlink()
    fake_llm.calls.clear()
    assert project.lit("regenerate") == 0
    assert fake_llm.count() == 0 and verify_runs(project) == runs
    assert project.lit("check") == 0


def test_a_fix_call_that_fails_restores_the_verified_outputs(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    calc_prompt(project, 2)
    assert project.lit("regenerate") == 0
    calc_prompt(project, 3)
    fake_llm.fail_next(Fault(), Fault(status=400))  # the generation answers, the fix attempt is refused
    assert project.lit("regenerate") == 1
    assert project.code("calc.py") == "# calc.py\nVALUE = 2\n"  # not the unverified VALUE = 3
    assert project.lit("check") == 1  # stale (the prompt changed), never "edited by hand"
    fake_llm.calls.clear()
    calc_prompt(project, 2)
    assert project.lit("regenerate") == 0
