"""lit where users already work: GNU Make, CI recipes on a fresh clone, pre-commit, doit plugin commands."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from lit_tasks.model import core_schema
from tests.conftest import BIN, REPO, LitProjectDir, prompt_text
from tests.fake_llm import FakeLLM, default_answer

LIT = str(BIN / "lit")
needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")


def two_prompts(project: LitProjectDir) -> None:
    project.prompt("base", ["base.py"], spec=["B = 1"])
    project.prompt("app", ["app.py"], imports=["base"], spec=["from base import B"])


def make(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", f"LIT={LIT}", *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=os.environ.copy()
    )


# -- Make ------------------------------------------------------------------------------------------------------


@needs_make
def test_make_drives_generation_through_makedeps_rules(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    two_prompts(project)
    build = project.root.parent  # a Makefile one level up, as in a larger repository
    rules = project.run("lit", "makedeps", "--project", "proj", "--target", "code", cwd=build)
    assert rules.returncode == 0, rules.stderr
    assert "proj/code.lock/app.py &: proj/prompts/app.prompt.md proj/code.lock/base.py" in rules.stdout
    (build / "lit.mk").write_text(rules.stdout)
    (build / "Makefile").write_text("include lit.mk\n\nall: code\n\t@echo built\n")

    first = make(build)
    assert first.returncode == 0, first.stderr
    assert fake_llm.count() == 2 and project.code("app.py").startswith("# app.py")
    assert make(build, "-q", "code").returncode == 0  # Make itself now sees everything up to date

    fake_llm.calls.clear()
    project.prompt("base", ["base.py"], spec=["B = 1"])  # rewritten, same text: newer, not different
    again = make(build)
    assert again.returncode == 0, again.stderr
    assert fake_llm.count() == 0  # Make ran the recipes; lit found nothing to generate
    assert make(build, "-q", "code").returncode == 0

    project.prompt("base", ["base.py"], spec=["B = 2"])
    assert make(build).returncode == 0
    assert fake_llm.count() == 2 and project.code("base.py").endswith("B = 2\n")


@needs_make
def test_makedeps_rules_name_paths_with_spaces_dollars_and_colons(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    """Make expands `$` in recipes as well as in rules; a space and a `:` need escaping in a rule."""
    project.write("prompts/my $x:1.prompt.md", prompt_text(["out $v.py"], spec=["V = 1"]))
    rules = project.run("lit", "makedeps", "--target", "code")
    assert rules.returncode == 0, rules.stderr
    (project.root / "Makefile").write_text(rules.stdout)
    built = make(project.root, "code")
    assert built.returncode == 0, built.stdout + built.stderr
    assert fake_llm.count() == 1 and project.code("out $v.py").endswith("V = 1\n")
    assert make(project.root, "-q", "code").returncode == 0
    refused = project.lit("mv", "prompts/my $x:1.prompt.md", "prompts/a=b.prompt.md")
    assert refused == 2, "a name Make cannot write in a rule is refused"


@needs_make
def test_the_simple_make_recipe_is_a_phony_target(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    two_prompts(project)
    (project.root / "Makefile").write_text(".PHONY: code\ncode:\n\t$(LIT) regenerate\n")
    assert make(project.root).returncode == 0 and fake_llm.count() == 2
    assert make(project.root).returncode == 0 and fake_llm.count() == 2  # the second run is lit's no-op


def test_makedeps_refuses_a_project_with_unplanned_prompts(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.write("lit.toml", (project.root / "lit.toml").read_text().replace('"manifest"', '"inferred"'))
    project.write("prompts/x.prompt.md", "---\n---\n# X\n")
    result = project.run("lit", "makedeps")
    assert result.returncode != 0 and "not planned yet" in result.stderr


# -- CI --------------------------------------------------------------------------------------------------------

CI_SCRIPT = REPO / "docs/ci/lit-ci.sh"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "ci",
    "GIT_AUTHOR_EMAIL": "ci@example.com",
    "GIT_COMMITTER_NAME": "ci",
    "GIT_COMMITTER_EMAIL": "ci@example.com",
}


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV}, check=True
    )
    return result.stdout


def ci(clone: Path, mode: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(CI_SCRIPT), mode],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **GIT_ENV, "LIT": LIT, **env},
    )


def fresh_clone(origin: Path, into: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(origin), str(into)], check=True, capture_output=True)
    return into


def test_the_ci_recipe_on_fresh_clones(project: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path) -> None:
    two_prompts(project)
    assert project.lit("regenerate") == 0
    git(project.root, "init", "-q", "-b", "main")
    git(project.root, "add", "-A")
    git(project.root, "commit", "-q", "-m", "prompts and their code")
    fake_llm.calls.clear()

    pull_request = ci(fresh_clone(project.root, tmp_path / "pr"), "check")
    assert pull_request.returncode == 0, pull_request.stdout + pull_request.stderr
    assert fake_llm.count() == 0  # a fresh clone with a current lock: no call, no key needed

    project.prompt("base", ["base.py"], spec=["B = 2"])
    git(project.root, "commit", "-q", "-am", "change a prompt, not its code")
    stale = fresh_clone(project.root, tmp_path / "stale")
    assert ci(stale, "check").returncode == 1

    over_budget = ci(stale, "main", LIT_MAX_COST="0.0000001")
    assert over_budget.returncode != 0 and "over the limit" in over_budget.stderr
    assert fake_llm.count() == 0 and git(stale, "status", "--porcelain") == ""

    main = ci(stale, "main")
    assert main.returncode == 0, main.stdout + main.stderr
    assert fake_llm.count() == 2  # the edited prompt and the one importing its changed code
    assert git(stale, "log", "-1", "--format=%s").strip() == "lit regenerate"
    assert git(stale, "status", "--porcelain") == ""  # everything lit wrote is committed, nothing local is
    committed = git(stale, "show", "--name-only", "--format=")
    assert "code.lock/base.py" in committed and ".lit/lock/prompts/base.prompt.md.json" in committed
    assert ".lit/cache" not in committed and "doit.sqlite" not in committed
    assert ci(stale, "check").returncode == 0


def test_two_ci_jobs_racing_to_push_both_end_green_with_the_union_of_their_regenerations(
    project: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    """Two pushes to main in quick succession (a edited, then c), each with its CI job: a job whose push is
    rejected rebases onto main, `lit resolve` takes what matches, what is still stale is regenerated, and it
    pushes again. Each job pays once for what it regenerates; none pays again for it on a retry."""
    project.prompt("a", ["a.py"], spec=["A = 1"])
    project.prompt("b", ["b.py"], imports=["a"], spec=["B = 1"])
    project.prompt("c", ["c.py"], spec=["C = 1"])
    assert project.lit("regenerate") == 0
    git(project.root, "init", "-q", "-b", "main")
    git(project.root, "add", "-A")
    git(project.root, "commit", "-q", "-m", "built")
    subprocess.run(["git", "clone", "-q", "--bare", str(project.root), str(tmp_path / "origin.git")], check=True)
    origin = tmp_path / "origin.git"
    dev = fresh_clone(origin, tmp_path / "dev")
    (dev / "prompts/a.prompt.md").write_text((dev / "prompts/a.prompt.md").read_text().replace("A = 1", "A = 2"))
    git(dev, "commit", "-q", "-am", "edit a")
    git(dev, "push", "-q")
    first = fresh_clone(origin, tmp_path / "job1")  # the first push's job: a is stale
    (dev / "prompts/c.prompt.md").write_text((dev / "prompts/c.prompt.md").read_text().replace("C = 1", "C = 2"))
    git(dev, "commit", "-q", "-am", "edit c")
    git(dev, "push", "-q")
    second = fresh_clone(origin, tmp_path / "job2")  # the second push's job: a (and b) and c are stale
    fake_llm.calls.clear()
    fake_llm.latency = 0.2
    # every answer different, as a model's are: the two jobs' regenerations conflict in git
    fake_llm.answer_with(lambda call: default_answer(call) + f"# answer {len(fake_llm.calls)}\n")
    jobs = [
        subprocess.Popen(
            ["sh", str(CI_SCRIPT), "main"],
            cwd=clone,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **GIT_ENV, "LIT": LIT, "LIT_PUSH": "1"},
        )
        for clone in (first, second)
    ]
    outs = [job.communicate(timeout=240) for job in jobs]
    for job, (out, err) in zip(jobs, outs, strict=True):
        assert job.returncode == 0, out + err
    assert any("main moved; rebasing onto it" in out for out, _ in outs), "one of them raced and retried"
    assert any("took " in out for out, _ in outs), "lit resolve settled the conflicting regenerations"
    for _, err in outs:  # a job pays once for each prompt it regenerates: never again after a rebase
        for prompt in ("a", "b", "c"):
            assert err.count(f"generating prompts/{prompt}.prompt.md") <= 1, err
    assert fake_llm.count() <= 6, "at most each job's own regenerations"
    final = fresh_clone(origin, tmp_path / "final")
    assert ci(final, "check").returncode == 0, "main ends with the union of both jobs' regenerations, checked"
    assert "A = 2" in (final / "code.lock/a.py").read_text() and "C = 2" in (final / "code.lock/c.py").read_text()


def test_the_github_workflow_checks_pull_requests_and_regenerates_main() -> None:
    workflow = core_schema.load((REPO / "docs/ci/github-actions.yml").read_text())
    assert set(workflow["on"]) == {"pull_request", "push"} and workflow["on"]["push"]["branches"] == ["main"]
    check = [s.get("run", "") for s in workflow["jobs"]["check"]["steps"]]
    assert "lit check" in check
    regenerate = workflow["jobs"]["regenerate"]
    script = "\n".join(s.get("run", "") for s in regenerate["steps"])
    assert "lit regenerate -j 8 --max-cost 5" in script and "git commit" in script
    cached = [s["with"]["path"] for s in regenerate["steps"] if s.get("uses", "").startswith("actions/cache")]
    assert cached == [".lit/cache"]
    result = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr  # the inline script is valid shell


# -- pre-commit ------------------------------------------------------------------------------------------------


def test_the_pre_commit_hook_runs_lit_check_on_lit_files(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    (hook,) = core_schema.load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "lit-check" and hook["pass_filenames"] is False and hook["language"] == "python"
    files = re.compile(hook["files"])
    for path in ("prompts/a.prompt.md", "code.lock/a.py", "lit.toml", ".lit/lock/prompts/a.prompt.md.json"):
        assert files.search(path), path
    for path in ("README.md", "src/lit.toml.bak", ".lit/cache/index.json"):
        assert not files.search(path), path

    def run_hook() -> int:
        argv = shlex.split(hook["entry"])
        return subprocess.run([str(BIN / argv[0]), *argv[1:]], cwd=project.root, capture_output=True).returncode

    documented = re.search(
        r"```yaml\n(# \.pre-commit-config\.yaml.*?)```", (REPO / "docs/integrations.md").read_text(), re.S
    )
    (local,) = core_schema.load(documented.group(1))["repos"][0]["hooks"]
    assert (local["entry"], local["files"]) == (hook["entry"], hook["files"]), "the documented hook is this one"

    two_prompts(project)
    assert run_hook() == 1  # never generated: the commit is refused
    assert project.lit("regenerate") == 0
    assert run_hook() == 0
    (project.root / "code.lock/base.py").write_text("B = 'edited by hand'\n")
    assert run_hook() == 1


# -- doit plugin commands --------------------------------------------------------------------------------------


def test_lit_reports_are_doit_commands(project: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path) -> None:
    two_prompts(project)
    project.write("dodo.py", "from lit_tasks import DOIT_CONFIG, task_regenerate  # noqa: F401\n")
    assert project.run("doit", "lit-check").returncode == 1
    assert project.run("doit", "regenerate").returncode == 0
    assert project.run("doit", "lit-check").returncode == 0

    cost = project.run("doit", "lit-cost", "--by", "model", "--json")
    assert cost.returncode == 0, cost.stderr
    report = json.loads(cost.stdout)
    assert report["total"]["calls"] == 2 and report["by"]["groups"]["claude-sonnet-5"]["calls"] == 2

    elsewhere = project.run("doit", "lit-check", "--project", str(project.root), cwd=tmp_path)
    assert elsewhere.returncode == 0, elsewhere.stderr
    helped = project.run("doit", "help", "lit-cost").stdout
    assert "--breakdown" in helped and "--project" in helped  # the options of `lit cost` itself
    assert "regenerate" in project.run("doit", "list").stdout  # no clash with the project's tasks


@pytest.mark.parametrize("command", ["lit-check", "lit-cost", "lit-status"])
def test_a_doit_command_with_a_missing_project_says_so_in_one_line(command: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN / "doit"), command, "--project", "nope"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "lit: error: --project nope: no such directory"
