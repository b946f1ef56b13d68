"""The claude-code provider, against a stand-in `claude` executable on PATH that records how it was called."""

from __future__ import annotations

import json
import os
import stat
import sys
import textwrap
from pathlib import Path

import pytest

from lit_tasks.state.records import load_records
from tests.conftest import LitProjectDir

STAND_IN = textwrap.dedent(
    """\
    #!{python}
    # A stand-in for the Claude Code CLI, as the real one (2.1.197) behaves: its help lists the flags of its
    # version, a session leaves a transcript under the config folder unless --no-session-persistence, and the
    # JSON result carries usage, modelUsage and the cost, also for an error.
    import json, os, re, sys
    mode = {mode!r}
    argv = sys.argv[1:]
    if argv == ["--help"]:
        print("Options:\\n  --disallowedTools <tools...>\\n  --mcp-config <configs...>")
        if mode != "old":
            print("  --tools <tools...>\\n  --setting-sources <sources>")
        if mode not in ("old", "2.0.31"):
            print("  --no-session-persistence   Disable session persistence")
        sys.exit(0)
    stdin = sys.stdin.read()
    keys = sorted(k for k in os.environ if "API_KEY" in k or "AUTH_TOKEN" in k)
    with open({log!r}, "a") as log:
        log.write(json.dumps({{"argv": argv, "stdin": stdin, "cwd": os.getcwd(), "seen": os.listdir(),
                              "keys": keys, "quiet": os.environ.get("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC")}}) + "\\n")
    if "--no-session-persistence" not in argv:
        config = os.environ.get("CLAUDE_CONFIG_DIR") or os.path.join(os.path.expanduser("~"), ".claude")
        folder = os.path.join(config, "projects", re.sub(r"[^A-Za-z0-9]", "-", os.path.realpath(os.getcwd())))
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "s-1.jsonl"), "w") as transcript:
            transcript.write(json.dumps({{"prompt": stdin}}))
    listed = stdin.split("Declared output files:", 1)[-1].split("\\n\\n", 1)[0]
    declared = re.findall(r"^  - (\\S.*)$", listed, re.M)
    answer = "".join(f"=== FILE: {{p}} ===\\nVALUE = 42  # {{p}}\\n" for p in declared)
    usage = {{"input_tokens": 1200, "output_tokens": 80, "cache_read_input_tokens": 300}}
    result = {{"type": "result", "subtype": "success", "is_error": False, "result": answer, "total_cost_usd": 0.0123,
              "session_id": "s-1", "usage": usage}}
    if mode == "text":
        print(answer)
        sys.exit(0)
    if mode == "zero-usage":  # after the CLI's fallback from streaming
        result["usage"] = {{"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 0,
                           "cache_read_input_tokens": 0}}
        result["modelUsage"] = {{"claude-sonnet-5": {{"inputTokens": 900, "outputTokens": 70, "cacheReadInputTokens": 0,
                                                    "cacheCreationInputTokens": 40, "costUSD": 0.0123}}}}
    if mode == "not-logged-in":  # refused before any request: nothing billed
        print(json.dumps({{"type": "result", "subtype": "success", "is_error": True, "total_cost_usd": 0,
                          "result": "Not logged in · Please run /login", "usage": {{"input_tokens": 0, "output_tokens": 0}}}}))
        sys.exit(1)
    if mode == "billed-error":  # an over-long answer: exit 1, paid for
        result.update(subtype="error_max_tokens", is_error=True,
                      result="API Error: Claude's response exceeded the\\n 32000 output token maximum.")
        print(json.dumps(result))
        sys.exit(1)
    print(json.dumps(result))
    """
)


def stand_in(tmp_path: Path, mode: str = "json", bin_env: pytest.MonkeyPatch | None = None) -> Path:
    """The stand-in CLI in `tmp_path/bin` (named by LIT_CLAUDE_CODE_BIN through `bin_env`); returns its call log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "claude"
    log = tmp_path / "claude-calls.jsonl"
    exe.write_text(STAND_IN.format(python=sys.executable, log=str(log), mode=mode))
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    if bin_env is not None:
        bin_env.setenv("LIT_CLAUDE_CODE_BIN", str(exe))
    return log


def claude_project(tmp_path: Path) -> LitProjectDir:
    proj = LitProjectDir(tmp_path / "proj")
    proj.write(
        "lit.toml",
        '[project]\nname = "cc"\n\n[language]\ndefault = "python"\n\n[model]\nprovider = "claude-code"\nmodel = "sonnet"\n',
    )
    proj.write(
        "prompts/answer.prompt.md", "---\noutputs: [answer.py]\n---\n# Answer\n\nThe answer is 42; rm -rf / `x`\n"
    )
    return proj


def test_claude_code_runs_without_a_shell_and_reports_its_cost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = stand_in(tmp_path)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    proj = claude_project(tmp_path)
    assert proj.lit("regenerate") == 0
    assert proj.code("answer.py") == "VALUE = 42  # answer.py\n"
    call = json.loads(log.read_text().splitlines()[0])
    assert "The answer is 42; rm -rf / `x`" in call["stdin"]  # the prompt travels on stdin ...
    assert not any("rm -rf" in arg for arg in call["argv"])  # ... never on the command line
    argv = call["argv"]
    assert argv[:3] == ["-p", "--output-format", "json"] and "--strict-mcp-config" in argv
    assert json.loads(argv[argv.index("--mcp-config") + 1]) == {"mcpServers": {}}
    assert argv[argv.index("--model") + 1] == "sonnet"
    assert argv[argv.index("--tools") + 1] == "" and argv[argv.index("--setting-sources") + 1] == ""
    assert call["seen"] == [] and not call["cwd"].startswith(str(proj.root)), "an empty directory, not the project"
    assert not os.path.exists(call["cwd"]), "removed after the call"
    entry = load_records(proj.workspace)[-1].prompts[0]
    assert entry.cost_usd == pytest.approx(0.0123)  # the CLI's own figure
    assert (entry.usage.input_tokens, entry.usage.output_tokens, entry.usage.cache_read_tokens) == (1200, 80, 300)


def test_claude_code_plain_text_output_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in(tmp_path, mode="text", bin_env=monkeypatch)
    proj = claude_project(tmp_path)
    assert proj.lit("regenerate") == 0
    assert proj.code("answer.py") == "VALUE = 42  # answer.py\n"


def test_a_missing_claude_executable_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd) -> None:  # noqa: ANN001
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    proj = claude_project(tmp_path)
    assert proj.lit("regenerate") == 1
    assert "the `claude` executable is not on PATH" in capfd.readouterr().err


def test_a_claude_cli_without_the_tools_flag_is_refused_naming_the_version_that_has_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd,  # noqa: ANN001
) -> None:
    from lit_providers import claude_code

    claude_code.supported_flags.cache_clear()
    log = stand_in(tmp_path, mode="old", bin_env=monkeypatch)
    proj = claude_project(tmp_path)
    assert proj.lit("regenerate") == 1
    err = capfd.readouterr().err
    assert "has no --tools option" in err and "install Claude Code 2.0.31 or later" in err
    assert not log.exists(), "never run without its tools switched off"


@pytest.mark.parametrize("mode", ["json", "2.0.31"], ids=["--no-session-persistence", "an older CLI"])
def test_no_transcript_of_a_call_is_left_in_the_clis_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    from lit_providers import claude_code

    claude_code.supported_flags.cache_clear()
    log = stand_in(tmp_path, mode=mode)
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("LIT_CLAUDE_CODE_BIN", str(tmp_path / "bin" / "claude"))
    proj = claude_project(tmp_path)
    assert proj.lit("regenerate") == 0
    call = json.loads(log.read_text().splitlines()[0])
    assert ("--no-session-persistence" in call["argv"]) == (mode == "json")
    assert call["quiet"] == "1", "no non-essential traffic: a session title is one more billed request"
    assert [p for p in home.rglob("*") if p.is_file()] == [], "nothing of the call is kept"


def test_usage_reported_as_zeros_is_read_from_model_usage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stand_in(tmp_path, mode="zero-usage", bin_env=monkeypatch)
    proj = claude_project(tmp_path)
    assert proj.lit("regenerate") == 0
    usage = load_records(proj.workspace)[-1].prompts[0].usage
    assert (usage.input_tokens, usage.output_tokens, usage.cache_write_tokens) == (900, 70, 40)


def test_a_failed_call_that_was_billed_is_recorded_counted_and_said_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd,  # noqa: ANN001
) -> None:
    stand_in(tmp_path, mode="billed-error", bin_env=monkeypatch)
    proj = claude_project(tmp_path)
    assert proj.lit("regenerate") == 1
    err = capfd.readouterr().err
    assert "the CLI reported an error: API Error: Claude's response exceeded the 32000 output token maximum." in err
    assert '"is_error"' not in err, "the CLI's words, not its JSON"
    (entry,) = [p for r in load_records(proj.workspace) for p in r.prompts]
    assert entry.cost_usd == pytest.approx(0.0123) and entry.usage.output_tokens == 80 and entry.written == []
    capfd.readouterr()
    assert proj.lit("cost", "--json") == 0
    assert json.loads(capfd.readouterr().out)["total"]["cost_usd"] == pytest.approx(0.0123)


def test_a_subscription_call_has_no_key_in_the_clis_environment_and_costs_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd,  # noqa: ANN001
) -> None:
    log = stand_in(tmp_path, bin_env=monkeypatch)
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "LIT_API_KEY", "MY_KEY"):
        monkeypatch.setenv(name, "sk-ant-would-bill-per-token")
    proj = claude_project(tmp_path)
    config = (proj.root / "lit.toml").read_text()
    proj.write("lit.toml", config + '\n[model.api]\nkey_env = "MY_KEY"\nauth = "subscription"\n')
    assert proj.lit("regenerate") == 0
    assert json.loads(log.read_text().splitlines()[0])["keys"] == [], "the key would override the subscription"
    entry = load_records(proj.workspace)[-1].prompts[0]
    assert entry.cost_usd == 0.0 and entry.subscription and entry.usage.input_tokens == 1200
    capfd.readouterr()
    assert proj.lit("cost") == 0
    assert "subscription: 1 call on a Claude login, $0" in capfd.readouterr().out

    proj.write("lit.toml", config.replace("claude-code", "anthropic") + '\n[model.api]\nauth = "subscription"\n')
    assert proj.lit("check") == 2
    assert 'auth = "subscription" is for the claude-code provider' in capfd.readouterr().err


def test_with_a_key_the_cli_gets_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = stand_in(tmp_path, bin_env=monkeypatch)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    assert claude_project(tmp_path).lit("regenerate") == 0
    assert json.loads(log.read_text().splitlines()[0])["keys"] == ["ANTHROPIC_API_KEY"]


def test_a_cli_error_before_any_request_is_said_and_counted_nowhere(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd,  # noqa: ANN001
) -> None:
    stand_in(tmp_path, mode="not-logged-in", bin_env=monkeypatch)
    proj = claude_project(tmp_path)
    assert proj.lit("regenerate") == 1
    err = capfd.readouterr().err
    assert "the CLI reported an error: Not logged in · Please run /login" in err and "(0 calls" in err
    assert load_records(proj.workspace) == [], "no request reached the service: nothing billed, nothing recorded"


def test_a_misspelt_model_alias_is_caught_before_any_call(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd,  # noqa: ANN001
) -> None:
    log = stand_in(tmp_path, bin_env=monkeypatch)
    proj = claude_project(tmp_path)
    proj.write("lit.toml", (proj.root / "lit.toml").read_text().replace('model = "sonnet"', 'model = "sonet"'))
    assert proj.lit("regenerate") == 2
    assert "model `sonet` is in no price entry (did you mean `sonnet`?)" in capfd.readouterr().err
    assert not log.exists()
