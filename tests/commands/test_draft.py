"""`lit draft`: a request becomes a checked, priced, reviewable change of prompt files, through the PM and
architect roles, against the local stand-in of the Messages API."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from lit_tasks.state.records import load_records
from tests.conftest import LitProjectDir
from tests.fake_llm import Call, FakeLLM

REQUEST = "a calculator module with tests"

GUIDELINES = "# Conventions\n\n- Standard library only.\n"
SETTINGS = '[language]\ndefault = "python"\nversion = "3.12"\n\n[verify]\ncommands = []\nfix_attempts = 0\n'
ARCHITECT = f"=== FILE: prompts/GUIDELINES.md ===\n{GUIDELINES}=== FILE: lit.toml ===\n{SETTINGS}"

CALC = """---
outputs: [calc.py]
---
# The calculator: add and multiply

`add(a, b)` and `mul(a, b)` on integers.
"""
TEST_CALC = """---
outputs: [test_calc.py]
imports: [prompts/calc.prompt.md]
verify: ["python test_calc.py"]
---
# Tests of the calculator

Assert add(2, 3) == 5 and mul(2, 3) == 6.
"""
PM = f"=== FILE: prompts/calc.prompt.md ===\n{CALC}=== FILE: prompts/test_calc.prompt.md ===\n{TEST_CALC}"

CODE = {
    "calc.py": "def add(a, b):\n    return a + b\n\n\ndef mul(a, b):\n    return a * b\n",
    "test_calc.py": "from calc import add, mul\n\nassert add(2, 3) == 5\nassert mul(2, 3) == 6\nprint('ok')\n",
}

ROLES = """
[roles.pm]
model = "planner-1"

[roles.architect]
model = "architect-1"
"""


def role_of(call: Call) -> str:
    system = call.system
    if "You are the architect" in system:
        return "architect"
    if "list the questions" in system:
        return "questions"
    if "product manager" in system:
        return "pm"
    return "generate"


def team(pm: str = PM, architect: str = ARCHITECT, questions: str = "NONE"):  # noqa: ANN201
    """The stand-in's answers: each role its own, and the code generator writes CODE."""

    def answer(call: Call) -> str:
        role = role_of(call)
        if role == "architect":
            return architect
        if role == "questions":
            return questions
        if role == "pm":
            return pm
        return "".join(f"=== FILE: {path} ===\n{CODE[path]}" for path in call.declared)

    return answer


def source_tree(root: Path) -> dict[str, bytes]:
    """Every file a draft may write: lit.toml, the prompts and guidelines, the draft records."""
    files = {"lit.toml": (root / "lit.toml").read_bytes()}
    for base in ("prompts", ".lit/drafts"):
        for path in sorted((root / base).rglob("*")) if (root / base).exists() else []:
            if path.is_file() or path.is_symlink():
                files[path.relative_to(root).as_posix()] = path.read_bytes() if path.is_file() else b"link"
    return files


def commit_all(root: Path) -> None:
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "work"]):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=root, check=True)


@pytest.fixture
def new_project(project: LitProjectDir, fake_llm: FakeLLM) -> LitProjectDir:
    """A project with no prompts yet, committed, whose pm and architect roles have models of their own."""
    project.write("lit.toml", (project.root / "lit.toml").read_text() + ROLES)
    project.write("prompts/.gitkeep", "")
    commit_all(project.root)
    fake_llm.answer_with(team())
    return project


def test_a_request_becomes_a_verified_build_and_the_same_request_again_makes_no_call(
    new_project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    assert new_project.lit("draft", REQUEST) == 0
    out = capsys.readouterr().out
    assert "drafted 2 prompts (2 new, 0 edited) with 2 calls" in out
    assert "prompts/test_calc.prompt.md  Tests of the calculator  (imports prompts/calc.prompt.md)" in out
    assert "building it: an estimated $" in out
    assert [role_of(c) for c in fake_llm.calls] == ["architect", "pm"]
    assert [c.body["model"] for c in fake_llm.calls] == ["architect-1", "planner-1"]  # each role its own model
    assert REQUEST in fake_llm.calls[1].body_text and GUIDELINES.strip() in fake_llm.calls[1].system
    assert (new_project.root / "prompts/calc.prompt.md").read_text() == CALC
    config = (new_project.root / "lit.toml").read_text()
    assert 'version = "3.12"' in config and 'files = ["prompts/GUIDELINES.md"]' in config
    assert "[roles.pm]" in config  # tomlkit: the rest of the file is kept

    assert new_project.lit("draft", REQUEST) == 0
    assert "already drafted" in capsys.readouterr().out
    assert len(fake_llm.calls) == 2

    assert new_project.lit("regenerate") == 0
    assert new_project.code("calc.py") == CODE["calc.py"]
    entry = json.loads((new_project.root / ".lit/lock/prompts/test_calc.prompt.md.json").read_text())
    assert entry["verified"]  # its `python test_calc.py` ran and passed

    roles = [(p.role, p.model) for r in load_records(new_project.workspace) for p in r.prompts]
    assert ("architect", "architect-1") in roles and ("pm", "planner-1") in roles
    capsys.readouterr()
    assert new_project.lit("cost", "--by", "role", "--json") == 0
    groups = json.loads(capsys.readouterr().out)["by"]["groups"]
    assert {"architect", "pm", "generate"} <= set(groups)


def test_dry_run_writes_nothing_and_prices_the_build_as_regenerate_dry_run_does(
    new_project: LitProjectDir, capsys: pytest.CaptureFixture[str]
) -> None:
    before = source_tree(new_project.root)
    assert new_project.lit("draft", REQUEST, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "would write" in out
    assert source_tree(new_project.root) == before
    estimate = re.search(r"building it: an estimated (\$[\d.]+)", out).group(1)
    assert new_project.lit("draft", REQUEST) == 0
    capsys.readouterr()
    assert new_project.lit("regenerate", "--dry-run") == 0
    assert f"plan: 2 of 2 prompts to generate, an estimated {estimate}" in capsys.readouterr().out


def test_an_invalid_draft_gets_one_more_call_naming_its_problems(new_project: LitProjectDir, fake_llm: FakeLLM) -> None:
    answers = iter([ARCHITECT, PM.replace("prompts/calc.prompt.md ===", "prompts/../../calc.prompt.md ==="), PM])
    fake_llm.answer_with(lambda call: next(answers))
    assert new_project.lit("draft", REQUEST) == 0
    assert len(fake_llm.calls) == 3
    assert "Your previous answer was rejected" in fake_llm.calls[2].body_text
    assert "unsafe path" in fake_llm.calls[2].body_text
    assert (new_project.root / "prompts/calc.prompt.md").is_file()


def many_prompts(n: int) -> str:
    return "".join(f"=== FILE: prompts/p{i}.prompt.md ===\n---\noutputs: [p{i}.py]\n---\n# P{i}\n" for i in range(n))


HOSTILE = {
    "a path out with ..": PM.replace("prompts/calc.prompt.md ===", "prompts/../evil.prompt.md ==="),
    "an absolute path": PM.replace("prompts/calc.prompt.md ===", "/tmp/evil.prompt.md ==="),
    "a file outside prompts/": PM.replace("prompts/calc.prompt.md ===", "code.lock/calc.py ==="),
    "a cycle": PM.replace("outputs: [calc.py]", "outputs: [calc.py]\nimports: [prompts/test_calc.prompt.md]"),
    "two prompts claiming one output": PM.replace("outputs: [test_calc.py]", "outputs: [calc.py]"),
    "invalid YAML": PM.replace("outputs: [calc.py]", "outputs: [calc.py"),
    "an unknown frontmatter key": PM.replace("outputs: [calc.py]", "outputs: [calc.py]\nowner: me"),
    "a missing import": PM.replace("imports: [prompts/calc.prompt.md]", "imports: [prompts/nowhere.prompt.md]"),
    "1,000 prompts": many_prompts(1000),
    "10 MB": PM + "=== FILE: prompts/big.prompt.md ===\n---\noutputs: [big.py]\n---\n" + "x" * 10_000_000 + "\n",
    "no FILE block": "Here is my plan: first a calculator, then tests.",
}


@pytest.mark.parametrize("answer", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_or_broken_draft_is_refused_with_nothing_written(
    new_project: LitProjectDir, fake_llm: FakeLLM, answer: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_llm.answer_with(team(pm=answer))
    before = source_tree(new_project.root)
    assert new_project.lit("draft", REQUEST) == 1
    err = capsys.readouterr().err
    assert "the pm's draft was rejected twice; nothing was written" in err
    assert "Traceback" not in err and "x" * 100 not in err
    assert source_tree(new_project.root) == before
    assert not (new_project.root.parent / "evil.prompt.md").exists() and not Path("/tmp/evil.prompt.md").exists()
    assert [role_of(c) for c in fake_llm.calls] == ["architect", "pm", "pm"]
    records = load_records(new_project.workspace)  # paid for, so recorded, though nothing was written
    assert [p.role for r in records for p in r.prompts] == ["architect", "pm", "pm"]


def test_a_draft_never_writes_through_a_link_in_prompts(
    new_project: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("precious\n")
    new_project.prompt("base", ["base.py"])
    os.symlink(outside, new_project.root / "prompts/calc.prompt.md")
    fake_llm.answer_with(team())
    assert new_project.lit("draft", REQUEST) in (1, 2)
    assert outside.read_text() == "precious\n"
    assert "precious" not in capsys.readouterr().err


@pytest.mark.parametrize(
    "settings",
    ['[language\ndefault = "python"\n', '[model]\nprovider = "evil"\n', "[verify]\ncommands = 5\n"],
    ids=["does not parse", "a table the architect may not set", "a wrong type"],
)
def test_a_bad_lit_toml_edit_is_refused_with_nothing_written(
    new_project: LitProjectDir, fake_llm: FakeLLM, settings: str, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_llm.answer_with(
        team(architect=f"=== FILE: prompts/GUIDELINES.md ===\n{GUIDELINES}=== FILE: lit.toml ===\n{settings}")
    )
    before = source_tree(new_project.root)
    assert new_project.lit("draft", REQUEST) == 1
    assert "the architect's draft was rejected twice" in capsys.readouterr().err
    assert source_tree(new_project.root) == before


def test_an_empty_request_is_a_usage_error(new_project: LitProjectDir, capsys: pytest.CaptureFixture[str]) -> None:
    assert new_project.lit("draft", "  ") == 2
    assert "an empty request" in capsys.readouterr().err


def test_uncommitted_prompt_edits_are_never_overwritten_without_force(
    new_project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    new_project.write("prompts/calc.prompt.md", "---\noutputs: [calc.py]\n---\n# My own work in progress\n")
    assert new_project.lit("draft", REQUEST) == 2
    assert "prompts/calc.prompt.md, which has uncommitted changes" in capsys.readouterr().err
    assert "My own work in progress" in (new_project.root / "prompts/calc.prompt.md").read_text()
    assert new_project.lit("draft", REQUEST, "--force") == 0
    assert (new_project.root / "prompts/calc.prompt.md").read_text() == CALC


def test_questions_are_printed_without_a_terminal_and_answers_reach_the_pm(
    new_project: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_llm.answer_with(team(questions="1. Integers or floats?\n2. Which operations?\n3. Any CLI?\n4. Too many?"))
    assert new_project.lit("draft", REQUEST, "--questions") == 3
    out = capsys.readouterr().out
    assert "1. Integers or floats?" in out and "3. Any CLI?" in out and "Too many" not in out
    assert not (new_project.root / "prompts/calc.prompt.md").exists()
    answers = tmp_path / "answers.md"
    answers.write_text("Integers only; add and multiply; no CLI.\n")
    assert new_project.lit("draft", REQUEST, "--answers", str(answers)) == 0
    pm = [c for c in fake_llm.calls if role_of(c) == "pm"][-1]
    assert "Integers only; add and multiply; no CLI." in pm.body_text and "Integers or floats?" in pm.body_text


def test_a_prompt_whose_fix_loop_gave_up_is_replanned_by_the_pm(
    project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("prompts/calc.prompt.md", CALC)
    project.write("prompts/test_calc.prompt.md", TEST_CALC)
    commit_all(project.root)
    broken = dict(CODE, **{"calc.py": "def add(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    return a * b\n"})
    fake_llm.answer_with(lambda call: "".join(f"=== FILE: {p} ===\n{broken[p]}" for p in call.declared))
    assert project.lit("regenerate") == 1
    assert "lit draft --fix prompts/test_calc.prompt.md" in capsys.readouterr().err

    edited = CALC.replace("on integers.", "on integers; add returns the sum a + b, never a difference.")
    fake_llm.answer_with(lambda call: f"=== FILE: prompts/calc.prompt.md ===\n{edited}")
    assert project.lit("draft", "--fix", "prompts/test_calc.prompt.md") == 0
    asked = fake_llm.calls[-1]
    assert "prompts/test_calc.prompt.md was generated, but its code failed its verification" in asked.body_text
    assert "AssertionError" in asked.body_text  # the failing command's output
    assert "drafted 1 prompt (0 new, 1 edited)" in capsys.readouterr().out
    assert (project.root / "prompts/calc.prompt.md").read_text() == edited


def test_fix_needs_a_failure_to_work_from(project: LitProjectDir, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("prompts/calc.prompt.md", CALC)
    assert project.lit("draft", "--fix", "prompts/calc.prompt.md") == 2
    assert "has no failed verification or review" in capsys.readouterr().err


def test_a_draft_killed_while_writing_leaves_no_half_written_prompt(new_project: LitProjectDir) -> None:
    """SIGKILL while the draft's files are written (the moment its first temp file appears in prompts/, then a
    little later each trial): every prompt file there is whole, and the next draft finishes the job."""
    import random
    import signal
    import time

    from tests.conftest import BIN

    prompts = {
        f"prompts/p{i:03}.prompt.md": f"---\noutputs: [p{i:03}.py]\n---\n# P{i}\n\n{'spec ' * 2000}\n"
        for i in range(150)
    }
    answer = "".join(f"=== FILE: {path} ===\n{text}" for path, text in prompts.items())
    new_project.write("lit.toml", (new_project.root / "lit.toml").read_text().replace('"anthropic"', '"replay"', 1))
    new_project.write("replay/lit-draft/architect.response.md", ARCHITECT)
    new_project.write("replay/lit-draft/pm.response.md", answer)
    commit_all(new_project.root)
    rng = random.Random(20261204)
    env = {**os.environ, "NO_COLOR": "1"}
    mid_write = 0
    for _ in range(3):
        proc = subprocess.Popen([str(BIN / "lit"), "draft", REQUEST, "--force"], cwd=new_project.root, env=env)
        deadline = time.monotonic() + 60
        while proc.poll() is None and not list((new_project.root / "prompts").glob("*.lit-tmp")):
            assert time.monotonic() < deadline
            time.sleep(0.0005)
        time.sleep(rng.uniform(0, 0.05))
        mid_write += proc.poll() is None and not (new_project.root / ".lit/drafts").exists()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for path in (new_project.root / "prompts").glob("p*.prompt.md"):
            assert path.read_text() == prompts[f"prompts/{path.name}"], f"{path.name} is half written"
        subprocess.run(["git", "checkout", "-q", "--", "."], cwd=new_project.root, check=True)
        subprocess.run(["git", "clean", "-qfdx", "prompts", ".lit/drafts"], cwd=new_project.root, check=True)
    assert new_project.lit("draft", REQUEST) == 0
    assert all((new_project.root / p).read_text() == text for p, text in prompts.items())
    assert not list(new_project.root.rglob("*.lit-tmp"))
    assert mid_write >= 2, "the kills landed while the draft was being written"


def test_at_a_terminal_the_questions_are_asked_and_the_answers_join_the_request(
    new_project: LitProjectDir, fake_llm: FakeLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins
    import sys

    fake_llm.answer_with(team(questions="1. Integers or floats?"))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    asked: list[str] = []
    monkeypatch.setattr(builtins, "input", lambda text: asked.append(text) or "floats, please")
    assert new_project.lit("draft", REQUEST, "--questions") == 0
    assert asked == ["1. Integers or floats?\n> "]
    pm = [c for c in fake_llm.calls if role_of(c) == "pm"][-1]
    assert "Q: Integers or floats?\nA: floats, please" in pm.body_text


def test_the_same_request_on_the_same_project_is_answered_from_the_cache(
    new_project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    """A dry run, then the draft itself: the second asks the same questions of the same project (no call)."""
    assert new_project.lit("draft", REQUEST, "--dry-run") == 0
    assert new_project.lit("draft", REQUEST) == 0
    assert len(fake_llm.calls) == 2
    assert "with 0 calls" in capsys.readouterr().out.split("drafted", 2)[2]


def test_an_answers_file_that_cannot_be_read_or_is_empty_is_refused_before_any_call(
    new_project: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.md"
    empty.write_text("\n")
    assert new_project.lit("draft", REQUEST, "--answers", str(tmp_path / "missing.md")) == 2
    assert new_project.lit("draft", REQUEST, "--answers", str(empty)) == 2
    assert "is empty: write the answers" in capsys.readouterr().err
    assert fake_llm.calls == []


def test_an_empty_answer_is_asked_again_and_planning_calls_are_not_counted_as_prompts(
    new_project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter([ARCHITECT, "", PM])
    fake_llm.answer_with(lambda call: next(answers))
    assert new_project.lit("draft", REQUEST) == 0
    assert "with 3 calls" in capsys.readouterr().out
    assert new_project.lit("cost", "--json") == 0
    total = json.loads(capsys.readouterr().out)["total"]
    assert total["calls"] == 3 and total["prompts"] == 0, "planning calls build no prompt"


def test_a_draft_identical_to_the_project_changes_nothing(
    new_project: LitProjectDir, fake_llm: FakeLLM, capsys: pytest.CaptureFixture[str]
) -> None:
    assert new_project.lit("draft", REQUEST) == 0
    commit_all(new_project.root)
    assert new_project.lit("draft", "the same calculator, said again") == 0
    assert "the draft changes nothing" in capsys.readouterr().out
    changed = subprocess.run(["git", "status", "--short"], cwd=new_project.root, capture_output=True, text=True)
    assert ".prompt.md" not in changed.stdout
