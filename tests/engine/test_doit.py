"""lit as a doit rule set: `doit regenerate`, list/info/clean/forget, parallel threads, embedding."""

from __future__ import annotations

import re
import textwrap

from tests.conftest import TWO_LINE_DODO, LitProjectDir, lit_toml, prompt_text
from tests.fake_llm import FakeLLM


def small(project: LitProjectDir) -> None:
    project.prompt("base", ["base.py"], spec=["B = 1"])
    project.prompt("app", ["app.py"], imports=["base"], spec=["A = 2"])


def test_doit_regenerate_with_the_two_line_dodo(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    small(project)
    project.write("dodo.py", TWO_LINE_DODO)
    first = project.run("doit", "regenerate")
    assert first.returncode == 0, first.stderr
    assert "2 prompts: 2 generated" in first.stderr
    assert project.code("app.py") == "# app.py\nA = 2\n"
    second = project.run("doit", "regenerate")
    assert second.returncode == 0 and fake_llm.count() == 2
    assert "up to date, nothing to do" in second.stderr
    assert (project.root / ".lit/doit.sqlite").exists()
    assert "doit.sqlite" in (project.root / ".lit/.gitignore").read_text()


def test_a_project_that_cannot_be_built_is_exit_2_under_doit_too(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    """doit's own code for a task loader that fails is 3, which lit keeps for its own bugs."""
    project.prompt("a", ["a.py"], imports=["b"])
    project.prompt("b", ["b.py"], imports=["a"])
    project.write("dodo.py", TWO_LINE_DODO)
    done = project.run("doit", "regenerate")
    assert done.returncode == 2 and fake_llm.count() == 0
    assert (
        done.stderr.strip()
        == "lit: error: circular imports: prompts/a.prompt.md -> prompts/b.prompt.md -> prompts/a.prompt.md"
    )


def test_doit_regenerate_refuses_a_missing_key_before_any_call_and_doit_list_needs_none(
    project: LitProjectDir, fake_llm: FakeLLM
) -> None:
    small(project)
    project.write("dodo.py", TWO_LINE_DODO)
    project.write("lit.toml", lit_toml("anthropic"))  # the public endpoint, and no key
    done = project.run("doit", "regenerate", env={"TEST_LLM_KEY": ""})
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "lit: error: prompts/base.prompt.md (generate): no Anthropic API key: set `ANTHROPIC_API_KEY` or "
        "`LIT_API_KEY` in the environment"
    )
    assert project.run("doit", "list").returncode == 0 and fake_llm.count() == 0


def test_list_info_clean_forget(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    small(project)
    project.write("dodo.py", TWO_LINE_DODO)
    listing = project.run("doit", "list", "--all").stdout
    assert re.search(r"^regenerate:prompts/app.prompt.md +Prompt app$", listing, re.M)
    assert project.run("doit", "regenerate").returncode == 0
    info = project.run("doit", "info", "regenerate:prompts/app.prompt.md").stdout
    assert "up-to-date" in info and "code.lock/base.py" in info
    clean = project.run("doit", "clean")
    assert clean.returncode == 0 and not (project.root / "code.lock/app.py").exists()
    assert project.run("doit", "forget").returncode == 0
    again = project.run("doit", "regenerate")
    assert again.returncode == 0 and "2 generated (0 calls, 2 from cache)" in again.stderr
    assert project.code("app.py") == "# app.py\nA = 2\n"
    assert fake_llm.count() == 2, "cleaned outputs come back from the response cache, not a new call"


def test_independent_prompts_run_concurrently_with_threads(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    fake_llm.latency = 0.5
    for i in range(8):
        project.prompt(f"p{i}", [f"p{i}.py"], spec=[f"X = {i}"])
    assert project.lit("regenerate", "-j", "8") == 0
    span = max(c.finished for c in fake_llm.calls) - min(c.started for c in fake_llm.calls)
    assert fake_llm.max_in_flight >= 4, f"only {fake_llm.max_in_flight} calls were in flight at once"
    assert span < 8 * 0.5, "eight 0.5 s calls must overlap (timed by the server, so start-up does not count)"
    for i in range(8):
        assert project.code(f"p{i}.py") == f"# p{i}.py\nX = {i}\n"


def test_doit_parallel_thread_mode_keeps_per_task_output_whole(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    fake_llm.latency = 0.2
    for i in range(6):
        project.prompt(f"p{i}", [f"p{i}.py"], spec=[f"X = {i}"])
    project.write("dodo.py", TWO_LINE_DODO)
    result = project.run("doit", "-n", "6", "-P", "thread", "regenerate")
    assert result.returncode == 0, result.stderr
    done = [line for line in result.stderr.splitlines() if line.startswith("lit: done ")]
    assert len(done) == 6
    for line in done:
        assert re.fullmatch(
            r"lit: done prompts/p\d\.prompt\.md: 1 file, \S+ in / \S+ out tokens, \S+, \d+\.\ds", line
        ), line


def test_concurrency_limit_per_provider(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    fake_llm.latency = 0.3
    project.write("lit.toml", lit_toml("anthropic", fake_llm.url) + "max_concurrent = 2\n")
    for i in range(6):
        project.prompt(f"p{i}", [f"p{i}.py"], spec=[f"X = {i}"])
    assert project.lit("regenerate", "-j", "6") == 0
    assert fake_llm.max_in_flight == 2


def test_two_lit_projects_embedded_in_one_build(tmp_path, fake_llm: FakeLLM, monkeypatch) -> None:
    """An existing build with its own lint and packaging tasks embeds two lit projects under their own names."""
    monkeypatch.setenv("TEST_LLM_KEY", "k")
    build = LitProjectDir(tmp_path / "build")
    for sub in ("frontend", "backend"):
        proj = LitProjectDir(build.root / sub)
        proj.write("lit.toml", lit_toml("anthropic", fake_llm.url))
        proj.prompt("core", ["core.py"], spec=[f"NAME = '{sub}'"])
    build.write(
        "dodo.py",
        textwrap.dedent(
            """\
            import sys
            from lit_tasks import LitProject

            DOIT_CONFIG = {"backend": "json", "dep_file": ".build-db.json", "default_tasks": ["package"]}
            frontend = LitProject("frontend", basename="frontend")
            backend = LitProject("backend", basename="backend")
            GENERATED = ["frontend/code.lock/core.py", "backend/code.lock/core.py"]

            def task_lint():
                \"\"\"compile-check the generated code\"\"\"
                return {
                    "actions": [f"{sys.executable} -m py_compile %(dependencies)s", "echo linted >> lint.log"],
                    "file_dep": GENERATED,
                }

            def task_package():
                \"\"\"bundle what both projects generated\"\"\"
                return {
                    "actions": ["cat %(dependencies)s > bundle.txt"],
                    "file_dep": GENERATED,
                    "task_dep": ["lint"],
                    "targets": ["bundle.txt"],
                }
            """
        ),
    )
    listing = build.run("doit", "list", "--all").stdout.split()
    for task in ("frontend", "backend", "lint", "package", "frontend:prompts/core.prompt.md"):
        assert task in listing, task
    result = build.run("doit", "-n", "2")
    assert result.returncode == 0, result.stderr
    for sub in ("frontend", "backend"):  # both projects are named `demo`: lines name their directory
        assert f"lit: [{sub}] generating prompts/core.prompt.md" in result.stderr
    bundle = (build.root / "bundle.txt").read_text()
    assert "NAME = 'frontend'" in bundle and "NAME = 'backend'" in bundle
    assert (build.root / "lint.log").read_text() == "linted\n"  # after generation: it read the generated files
    assert fake_llm.count() == 2
    assert build.run("doit").returncode == 0 and fake_llm.count() == 2
    assert (build.root / "lint.log").read_text() == "linted\n"  # nothing changed, nothing re-ran

    (build.root / "backend/prompts/core.prompt.md").write_text(prompt_text(["core.py"], spec=["NAME = 'api'"]))
    assert build.run("doit").returncode == 0
    assert fake_llm.count() == 3  # only the backend prompt
    assert "NAME = 'api'" in (build.root / "bundle.txt").read_text()
    assert (build.root / "lint.log").read_text() == "linted\nlinted\n"

    # early cutoff: a prompt edited so that its answer comes back byte for byte the same (the model is asked,
    # its output is unchanged), so doit's content check skips lint and package
    text = prompt_text(["core.py"], spec=["NAME = 'api'"])
    (build.root / "backend/prompts/core.prompt.md").write_text(text.replace("# A prompt", "# The core"))
    assert build.run("doit").returncode == 0
    assert fake_llm.count() == 4, "the edited prompt is asked again"
    assert (build.root / "lint.log").read_text() == "linted\nlinted\n", "its identical output re-ran nothing"


def test_project_without_dodo_py_works_with_lit_regenerate(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    small(project)
    assert not (project.root / "dodo.py").exists()
    result = project.run("lit", "regenerate")
    assert result.returncode == 0, result.stderr
    assert project.code("base.py") == "# base.py\nB = 1\n"


def test_the_mapping_probe_survives_a_lit_toml_nested_too_deeply(tmp_path) -> None:
    from lit_tasks.engine.dodo import mapping_of

    (tmp_path / "lit.toml").write_text("deep = " + "[" * 1000 + "]" * 1000 + "\n")
    assert mapping_of(tmp_path) is None  # loading the project then reports it as a config error with its line


def test_the_index_saves_the_settings_digest_doit_computes(project: LitProjectDir) -> None:
    from doit.tools import config_changed

    from lit_tasks.state.index import LazyProject

    project.write("prompts/warm.prompt.md", "---\noutputs: [w.py]\nmodel:\n  temperature: 0.7\n  seed: 3\n---\nWarm.\n")
    small(project)
    lazy = LazyProject.load(project.root)
    for key, entry in lazy.index.prompts.items():
        assert entry.identity_digest == config_changed(lazy.project.settings(key).identity())._calc_digest(), key


def test_prompts_that_override_nothing_share_settings_and_each_override_is_its_own(project: LitProjectDir) -> None:
    from lit_tasks.model.project import load_project
    from lit_tasks.model.settings import settings_for

    project.write("prompts/warm.prompt.md", "---\noutputs: [w.py]\nmodel:\n  temperature: 0.7\n---\nWarm.\n")
    project.write("prompts/go.prompt.md", "---\noutputs: [g.go]\nlanguage: go\n---\nGo.\n")
    small(project)
    loaded = load_project(project.root)
    for role in ("generate", "fix", "review"):
        for key, prompt in loaded.graph.prompts.items():
            assert loaded.settings(key, role) == settings_for(loaded.config, prompt, role), (key, role)
        plain = [loaded.settings(k, role) for k in ("prompts/base.prompt.md", "prompts/app.prompt.md")]
        assert plain[0] is plain[1], "prompts that override nothing share one settings object"
    assert loaded.settings("prompts/warm.prompt.md").temperature == 0.7
    assert loaded.settings("prompts/go.prompt.md").language == "go"


def test_doit_regenerate_on_a_proven_no_op_still_catches_the_next_change(
    project: LitProjectDir, fake_llm: FakeLLM
) -> None:
    small(project)
    project.write("dodo.py", TWO_LINE_DODO)
    assert project.lit("regenerate") == 0  # the no-op proof: doit's tasks need no uptodate checks of their own
    quiet = project.run("doit", "regenerate")
    assert quiet.returncode == 0 and "2 prompts up to date" in quiet.stderr and fake_llm.count() == 2
    project.prompt("base", ["base.py"], spec=["B = 5"])
    edited = project.run("doit", "regenerate")
    assert edited.returncode == 0, edited.stderr
    assert fake_llm.count() == 4 and project.code("base.py").endswith("B = 5\n")  # and app, which imports it
    project.write("lit.toml", (project.root / "lit.toml").read_text().replace('version = "3.11"', 'version = "3.12"'))
    assert project.run("doit", "regenerate").returncode == 0
    assert fake_llm.count() == 6, "changed settings regenerate every prompt"
