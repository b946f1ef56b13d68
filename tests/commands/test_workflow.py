"""The `lit` command as a person uses it, through the real entry point, in temporary git repositories."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pygit2
import pytest

from tests.conftest import LitProjectDir, lit_toml
from tests.fake_llm import FakeLLM

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ada",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
}


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def init_project(tmp_path: Path, fake_llm: FakeLLM) -> LitProjectDir:
    proj = LitProjectDir(tmp_path / "app")
    proj.root.mkdir()
    result = proj.run("lit", "init", "--defaults")
    assert result.returncode == 0, result.stderr
    proj.write("lit.toml", lit_toml("anthropic", fake_llm.url))
    git(proj.root, "commit", "-qam", "point lit at the test service")
    return proj


def test_the_whole_workflow(tmp_path: Path, fake_llm: FakeLLM) -> None:
    proj = init_project(tmp_path, fake_llm)
    assert git(proj.root, "log", "--format=%s") == "point lit at the test service\nlit init\n"
    proj.prompt("greet", ["greet.py"], spec=["def greet(name): return f'Hello, {name}!'"])
    proj.prompt("cli", ["cli.py"], imports=["greet"], spec=["from greet import greet"])

    status = proj.run("lit", "status")
    assert "new       prompts/greet.prompt.md" in status.stdout
    assert "prompts/cli.prompt.md: never generated" in status.stdout
    assert "+outputs: [greet.py]" in proj.run("lit", "diff").stdout, "new untracked prompts are in the diff"

    assert proj.run("lit", "regenerate", "-j", "2").returncode == 0
    assert fake_llm.count() == 2
    commit = proj.run("lit", "commit", "-m", "greeting")
    assert commit.returncode == 0 and "committed" in commit.stdout
    message = git(proj.root, "log", "-1", "--format=%B")
    assert re.search(r"^Lit-Generation: \d{8}T\d{6}Z-[0-9a-f]{6}$", message, re.M)
    assert "Lit-Cost: $" in message
    assert git(proj.root, "status", "--porcelain") == ""

    proj.prompt("greet", ["greet.py", "hi.py"], spec=["def greet(name): return f'Hi, {name}!'"])
    summary = proj.run("lit", "diff", "--summary")
    assert "~ prompts/greet.prompt.md (+2 -2)" in summary.stdout
    assert "-> prompts/cli.prompt.md (an imported output or the prompt is missing)" in summary.stdout, "hi.py"
    assert "  ~ code.lock/greet.py\n" in summary.stdout and "  + code.lock/hi.py\n" in summary.stdout, "hi.py is new"
    assert "2 prompt(s) will regenerate, 0 unchanged" in summary.stdout
    second = proj.run("lit", "commit", "-m", "friendlier")
    assert second.returncode == 0, second.stderr
    assert fake_llm.count() == 4, "greet.py changed, so cli (which imports it) regenerated too"
    assert "Hi," in proj.code("greet.py")

    log = proj.run("lit", "log")
    lines = log.stdout.splitlines()
    assert re.match(r"^[0-9a-f]{7} \S+ \S+ friendlier  \[claude-sonnet-5: 2 prompts, [\d,]+ tokens, \$", lines[0])
    assert re.search(r"greeting  \[claude-sonnet-5: 2 prompts", lines[1])

    old = proj.run("lit", "checkout", "HEAD~1")
    assert old.returncode == 0 and "HEAD detached" in old.stdout
    assert "Hello," in proj.code("greet.py")
    back = proj.run("lit", "checkout", "main")
    assert back.returncode == 0 and "branch main" in back.stdout
    assert git(proj.root, "symbolic-ref", "HEAD").strip() == "refs/heads/main", "a branch name does not detach HEAD"
    assert proj.run("lit", "check").returncode == 0


def test_commands_work_from_a_subdirectory(tmp_path: Path, fake_llm: FakeLLM) -> None:
    proj = init_project(tmp_path, fake_llm)
    proj.prompt("api/users", ["users.py"], spec=["U = 1"])
    proj.prompt("cli/main", ["main.py"], spec=["M = 1"])
    result = proj.run("lit", "regenerate", ".", cwd=proj.root / "prompts" / "api")
    assert result.returncode == 0, result.stderr
    assert [c.declared for c in fake_llm.calls] == [["users.py"]]


def test_commit_does_not_sweep_in_unrelated_staged_files(tmp_path: Path, fake_llm: FakeLLM) -> None:
    proj = init_project(tmp_path, fake_llm)
    proj.prompt("greet", ["greet.py"], spec=["X = 1"])
    proj.write("notes.txt", "my unrelated work\n")
    git(proj.root, "add", "notes.txt")
    assert proj.run("lit", "commit", "-m", "greet").returncode == 0
    committed = git(proj.root, "show", "--name-only", "--format=", "HEAD").split()
    assert "notes.txt" not in committed and "prompts/greet.prompt.md" in committed
    assert git(proj.root, "status", "--porcelain").splitlines() == ["A  notes.txt"], "still staged, not committed"


def test_commit_after_a_blocked_output_says_what_failed_and_commits_nothing(tmp_path: Path, fake_llm: FakeLLM) -> None:
    proj = init_project(tmp_path, fake_llm)
    proj.prompt("greet", ["greet.py"], spec=["X = 1"])
    (proj.root / "code.lock/greet.py").mkdir(parents=True)  # a directory where the output goes: no prompt fix helps
    result = proj.run("lit", "commit", "-m", "greet")
    assert result.returncode == 1 and fake_llm.count() == 0
    assert "FAILED prompts/greet.prompt.md: code.lock/greet.py is not a regular file" in result.stderr
    assert "the FAILED lines above say what to fix" in result.stderr and "fix the prompt" not in result.stderr
    assert git(proj.root, "log", "--format=%s").splitlines()[0] == "point lit at the test service"


def test_commit_never_makes_a_commit_that_check_rejects(tmp_path: Path, fake_llm: FakeLLM) -> None:
    """An unsaved hand edit of an output whose prompt is not stale: `lit check` (a pre-commit hook, CI) would
    reject the commit, so `lit commit` refuses in `lit check`'s words, and commits once the edit is saved."""
    proj = init_project(tmp_path, fake_llm)
    proj.prompt("greet", ["greet.py"], spec=["X = 1"])
    assert proj.run("lit", "commit", "-m", "greet").returncode == 0
    (proj.root / "code.lock/greet.py").write_text("# greet.py\nX = 'mine'\n")
    refused = proj.run("lit", "commit", "-m", "my edit")
    assert refused.returncode == 1, refused.stderr
    assert "nothing was committed: `lit check` would reject this commit:" in refused.stderr
    assert (
        "edited  code.lock/greet.py (prompts/greet.prompt.md): differs from what lit generated; `lit patch save`"
        in refused.stderr
    )
    assert git(proj.root, "log", "--format=%s").splitlines()[0] == "greet"
    assert proj.run("lit", "patch", "save", "code.lock/greet.py").returncode == 0
    assert proj.run("lit", "commit", "-m", "my edit").returncode == 0
    assert proj.run("lit", "check").returncode == 0


def test_init_without_a_git_identity_says_who_it_commits_as(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key in GIT_ENV:
        monkeypatch.delenv(key)
    for var in ("EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.gitconfig
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    proj = LitProjectDir(tmp_path / "app")
    proj.root.mkdir()
    result = proj.run("lit", "init", "--defaults")
    assert result.returncode == 0, result.stderr
    assert "git has no identity here (user.name, user.email): committing as lit <lit@localhost>" in result.stderr


def test_checkout_refuses_with_local_changes(tmp_path: Path, fake_llm: FakeLLM) -> None:
    proj = init_project(tmp_path, fake_llm)
    proj.write("README.md", "v1\n")
    git(proj.root, "add", "README.md")
    git(proj.root, "commit", "-qm", "readme")
    proj.write("README.md", "v2, not committed\n")
    result = proj.run("lit", "checkout", "HEAD~1")
    assert result.returncode == 1 and "uncommitted changes would be lost: README.md" in result.stderr
    assert (proj.root / "README.md").read_text() == "v2, not committed\n"


def test_patch_survives_a_regeneration_that_changes_other_lines(tmp_path: Path, fake_llm: FakeLLM) -> None:
    proj = init_project(tmp_path, fake_llm)
    proj.prompt(
        "calc", ["calc.py"], spec=["def add(a, b):", "    return a + b", "", "", "def sub(a, b):", "    return a - b"]
    )
    assert proj.lit("regenerate") == 0
    path = proj.root / "code.lock/calc.py"
    path.write_text(path.read_text().replace("# calc.py\n", "# calc.py\n# Copyright Ada\n"))
    assert proj.lit("patch", "save") == 0
    assert proj.lit("check") == 0, "a saved patch is part of the lock: the edit is no longer stale"
    proj.prompt(
        "calc", ["calc.py"], spec=["def add(a, b):", "    return a + b", "", "", "def sub(a, b):", "    return b - a"]
    )
    assert proj.lit("regenerate") == 0
    assert (
        proj.code("calc.py")
        == "# calc.py\n# Copyright Ada\ndef add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return b - a\n"
    )
    assert proj.lit("check") == 0
    assert proj.lit("regenerate") == 0 and fake_llm.count() == 2


def test_conflicting_patch_fails_cleanly(tmp_path: Path, fake_llm: FakeLLM, capsys) -> None:
    proj = init_project(tmp_path, fake_llm)
    proj.prompt("calc", ["calc.py"], spec=["RATE = 1"])
    assert proj.lit("regenerate") == 0
    path = proj.root / "code.lock/calc.py"
    path.write_text("# calc.py\nRATE = 42  # mine\n")
    assert proj.lit("patch", "save", "code.lock/calc.py") == 0
    proj.prompt("calc", ["calc.py"], spec=["RATE = 2"])
    capsys.readouterr()
    assert proj.lit("regenerate") == 1
    err = capsys.readouterr().err
    assert "the saved patch of code.lock/calc.py conflicts" in err and "lit patch drop calc.py" in err
    assert path.read_text() == "# calc.py\nRATE = 42  # mine\n", "the previous file is left in place"
    conflict = (proj.root / ".lit/cache/conflicts/calc.py").read_text()
    assert "<<<<<<<" in conflict and "RATE = 2" in conflict
    assert proj.lit("patch", "drop", "calc.py") == 0
    assert proj.lit("regenerate") == 0
    assert proj.code("calc.py") == "# calc.py\nRATE = 2\n"


def test_patch_list_show_and_an_orphaned_patch(tmp_path: Path, fake_llm: FakeLLM, capsys) -> None:
    proj = init_project(tmp_path, fake_llm)
    proj.prompt("a", ["a.py"], spec=["A = 1"])
    assert proj.lit("regenerate") == 0
    (proj.root / "code.lock/a.py").write_text("# a.py\nA = 1\nB = 2\n")
    assert proj.lit("patch", "save") == 0
    capsys.readouterr()
    proj.lit("patch", "show", "a.py")
    assert "+B = 2" in capsys.readouterr().out
    stored = json.loads((proj.root / ".lit/patches/a.py.patch").read_text())
    assert set(stored) == {"original_content", "manual_content", "diff"}, "lit v1's patch format"
    proj.prompt("a", ["renamed.py"], spec=["A = 1"])
    proj.lit("patch", "list")
    assert "code.lock/a.py (+1 -0)  (no prompt declares this file any more" in capsys.readouterr().out
    assert proj.lit("patch", "show", "nope.py") == 1


def test_graph_output_parses_back(tmp_path: Path, fake_llm: FakeLLM, capsys) -> None:
    proj = init_project(tmp_path, fake_llm)
    proj.prompt("base", ["base.py"], spec=["B = 1"])
    proj.prompt("left", ["left.py"], imports=["base"])
    proj.prompt("right", ["right.py"], imports=["base"])
    proj.prompt("top", ["top.py"], imports=["left", "right"])
    assert proj.lit("regenerate") == 0
    proj.prompt("right", ["right.py"], imports=["base"], spec=["R = 2"])
    capsys.readouterr()
    proj.lit("graph", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    edges = {(e["from"].split("/")[1], e["to"].split("/")[1]) for e in data["edges"]}
    assert edges == {
        ("base.prompt.md", "left.prompt.md"),
        ("base.prompt.md", "right.prompt.md"),
        ("left.prompt.md", "top.prompt.md"),
        ("right.prompt.md", "top.prompt.md"),
    }
    assert {n["id"] for n in data["nodes"] if n["stale"]} == {"prompts/right.prompt.md", "prompts/top.prompt.md"}

    proj.lit("graph")
    mermaid = capsys.readouterr().out
    ids = dict(re.findall(r'^  (p\d+)\["([^"]+)"\]$', mermaid, re.M))
    arrows = {(ids[a], ids[b]) for a, b in re.findall(r"^  (p\d+) --> (p\d+)$", mermaid, re.M)}
    assert arrows == {("base", "left"), ("base", "right"), ("left", "top"), ("right", "top")}
    stale = re.search(r"^  class (.+) stale$", mermaid, re.M).group(1).split(",")
    assert {ids[s] for s in stale} == {"right", "top"}

    proj.lit("graph", "--format", "dot", "prompts/left.prompt.md")
    dot = capsys.readouterr().out
    assert set(re.findall(r'^  "([^"]+)" -> "([^"]+)";$', dot, re.M)) == {
        ("prompts/base.prompt.md", "prompts/left.prompt.md")
    }


def test_debug_never_shows_any_part_of_a_key(tmp_path: Path, fake_llm: FakeLLM, monkeypatch, capsys) -> None:
    proj = init_project(tmp_path, fake_llm)
    proj.prompt("a", ["a.py"], spec=["A = 1"])
    secret = "sk-ant-api03-SENTINEL-abcdefghijklmnop"
    monkeypatch.setenv("ANTHROPIC_API_KEY", secret)
    monkeypatch.setenv("TEST_LLM_KEY", secret)
    assert proj.lit("debug", "all") == 0
    out = capsys.readouterr().out
    assert "TEST_LLM_KEY [set]" in out and "1 ok, 0 with errors" in out and "prompts/a.prompt.md" in out
    assert secret[:8] not in out and "SENTINEL" not in out


def test_debug_prompts_exits_2_when_a_prompt_has_an_error(tmp_path: Path, fake_llm: FakeLLM, capsys) -> None:
    proj = init_project(tmp_path, fake_llm)
    proj.prompt("a", ["a.py"], spec=["A = 1"])
    proj.write("prompts/b.prompt.md", "---\noutpts: [b.py]\n---\n")
    assert proj.lit("debug", "prompts") == 2
    assert "1 ok, 1 with errors" in capsys.readouterr().out


def test_debug_config_shows_the_endpoint_calls_really_use(
    tmp_path: Path, fake_llm: FakeLLM, monkeypatch, capsys
) -> None:
    proj = init_project(tmp_path, fake_llm)
    assert proj.lit("debug", "config") == 0
    assert f"endpoint: {fake_llm.url} (from lit.toml [model.api] base_url)" in capsys.readouterr().out
    proj.write("lit.toml", lit_toml("anthropic"))
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/proxy")
    assert proj.lit("debug", "config") == 0
    assert "endpoint: http://127.0.0.1:9/proxy (from $ANTHROPIC_BASE_URL)" in capsys.readouterr().out
    monkeypatch.delenv("ANTHROPIC_BASE_URL")
    assert proj.lit("debug", "config") == 0
    assert "endpoint: https://api.anthropic.com (from the anthropic default)" in capsys.readouterr().out


def test_clone_passes_user_input_after_double_dash(tmp_path: Path, fake_llm: FakeLLM) -> None:
    proj = init_project(tmp_path, fake_llm)
    proj.prompt("a", ["a.py"], spec=["A = 1"])
    assert proj.run("lit", "commit", "-m", "a").returncode == 0
    work = tmp_path / "work"
    work.mkdir()
    here = LitProjectDir(work)
    cloned = here.run("lit", "clone", str(proj.root), "copy")
    assert cloned.returncode == 0, cloned.stderr
    assert "cloned lit project into copy: lit check passes" in cloned.stdout
    pwned = tmp_path / "pwned"
    evil = here.run("lit", "clone", "--", f"--upload-pack=touch {pwned}")
    assert evil.returncode != 0 and not pwned.exists()


def test_push_and_pull_through_a_local_remote(tmp_path: Path, fake_llm: FakeLLM) -> None:
    proj = init_project(tmp_path, fake_llm)
    remote = tmp_path / "remote.git"
    pygit2.init_repository(str(remote), bare=True)
    git(proj.root, "remote", "add", "origin", str(remote))
    assert proj.run("lit", "push", "origin", "main").returncode == 0
    pushed = pygit2.Repository(str(remote)).references.get("refs/heads/main")
    assert pushed is not None and str(pushed.target) == git(proj.root, "rev-parse", "HEAD").strip()
    git(proj.root, "branch", "--set-upstream-to=origin/main")
    assert proj.run("lit", "pull").returncode == 0


def test_exit_codes_and_no_traceback_for_user_errors(tmp_path: Path, fake_llm: FakeLLM) -> None:
    outside = LitProjectDir(tmp_path / "nowhere")
    outside.root.mkdir()
    result = outside.run("lit", "status")
    assert result.returncode == 2 and "not a lit project" in result.stderr and "Traceback" not in result.stderr
    debug = outside.run("lit", "--debug", "status")
    assert "Traceback" in debug.stderr
    proj = init_project(tmp_path, fake_llm)
    proj.write("prompts/bad.prompt.md", "---\noutputs: [a.py]\nimport: [x]\n---\n")
    bad = proj.run("lit", "regenerate")
    assert bad.returncode == 2 and "did you mean `imports`" in bad.stderr
    assert proj.run("lit", "nonsense").returncode == 2


def test_interactive_init_asks_on_a_terminal(tmp_path: Path) -> None:
    """`lit init` without --defaults reads answers from the terminal (here a pseudo-terminal)."""
    import pty

    target = tmp_path / "asked"
    target.mkdir()
    pid, fd = pty.fork()
    if pid == 0:  # child: stdin/stdout/stderr are the pty
        os.chdir(target)
        os.execv(str(Path(os.sys.executable).parent / "lit"), ["lit", "init"])
    answers = ["shop\n", "typescript\n", "5.6\n", "\n", "openai\n", "\n"]  # the model offered is taken
    output = b""
    while answers:
        chunk = os.read(fd, 1024)
        output += chunk
        if chunk.rstrip().endswith(b":") or b"]: " in chunk:
            os.write(fd, answers.pop(0).encode())
    while True:
        try:
            chunk = os.read(fd, 1024)
        except OSError:
            break
        if not chunk:
            break
    os.waitpid(pid, 0)
    config = (target / "lit.toml").read_text()
    assert 'name = "shop"' in config and 'default = "typescript"' in config and 'provider = "openai"' in config
    assert "[framework]" not in config
    assert b"claude-code" in output and b"model [gpt-5]" in output, "the model offered follows the provider"
    assert 'model = "gpt-5"' in config


def test_init_keeps_an_existing_dodo_py_and_says_what_it_needs(tmp_path: Path) -> None:
    proj = LitProjectDir(tmp_path / "app")
    proj.write("dodo.py", "def task_hello():\n    return {'actions': ['echo hi']}\n")
    result = proj.run("lit", "init", "--defaults")
    assert result.returncode == 0, result.stderr
    assert (
        "kept your dodo.py; for `doit regenerate`, add `from lit_tasks import DOIT_CONFIG, task_regenerate`"
        in result.stderr
    )
    assert "task_hello" in (proj.root / "dodo.py").read_text()


def test_init_inside_another_repository_says_where_it_commits(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    inside = LitProjectDir(tmp_path / "hello")
    inside.root.mkdir()
    result = inside.run("lit", "init", "--defaults")
    assert result.returncode == 0, result.stderr
    assert f"is inside the git repository at {tmp_path}" in result.stderr and "--new-repo" in result.stderr
    assert "hello/lit.toml" in git(tmp_path, "ls-files")

    separate = LitProjectDir(tmp_path / "separate")
    separate.root.mkdir()
    result = separate.run("lit", "init", "--defaults", "--new-repo")
    assert result.returncode == 0, result.stderr
    assert "inside the git repository" not in result.stderr
    assert (separate.root / ".git").is_dir() and "lit.toml" in git(separate.root, "ls-files")
    assert "separate/" not in git(tmp_path, "ls-files")


def test_a_run_record_names_the_commit_it_builds_on_and_none_outside_git(tmp_path: Path, fake_llm: FakeLLM) -> None:
    def last_record(proj: LitProjectDir) -> dict:
        return json.loads(sorted((proj.root / ".lit/generations").glob("*.json"))[-1].read_text())

    inside = init_project(tmp_path, fake_llm)
    inside.prompt("greet", ["greet.py"], spec=["X = 1"])
    assert inside.lit("regenerate") == 0
    assert last_record(inside)["parent_commit"] == git(inside.root, "rev-parse", "HEAD").strip()

    outside = LitProjectDir(tmp_path / "loose")
    outside.write("lit.toml", lit_toml("anthropic", fake_llm.url))
    outside.prompt("greet", ["greet.py"], spec=["X = 1"])
    assert outside.lit("regenerate") == 0
    assert last_record(outside)["parent_commit"] is None


def test_log_follows_parents_and_lists_only_commits_that_change_the_project(tmp_path: Path) -> None:
    """A skewed clock makes a child older than its parent; an enclosing repository has commits elsewhere."""
    repo = pygit2.init_repository(str(tmp_path), initial_head="main")
    (tmp_path / "app").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "app/lit.toml").write_text(lit_toml("replay"))

    def commit(message: str, when: int, path: str, text: str) -> None:
        (tmp_path / path).write_text(text)
        repo.index.add(path)
        repo.index.write()
        sig = pygit2.Signature("Ada", "ada@example.com", when, 0)
        parents = [] if repo.head_is_unborn else [repo.head.target]
        repo.create_commit("HEAD", sig, sig, message, repo.index.write_tree(), parents)

    commit("first", 2_000_000_000, "app/lit.toml", lit_toml("replay"))
    commit("second, from a clock set back", 1_000_000_000, "app/a.txt", "a")
    commit("elsewhere", 2_100_000_000, "other/b.txt", "b")
    commit("third", 2_200_000_000, "app/a.txt", "a2")
    app = LitProjectDir(tmp_path / "app")
    log = app.run("lit", "log", "--json")
    assert log.returncode == 0, log.stderr
    assert [e["summary"] for e in json.loads(log.stdout)] == ["third", "second, from a clock set back", "first"]
