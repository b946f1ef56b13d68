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
    import json, os, re, sys
    argv = sys.argv[1:]
    if argv == ["--help"]:
        print("Options:\\n  --disallowedTools <tools...>\\n  --mcp-config <configs...>")
        if {mode!r} != "old":
            print("  --tools <tools...>\\n  --setting-sources <sources>")
        sys.exit(0)
    stdin = sys.stdin.read()
    with open({log!r}, "a") as log:
        log.write(json.dumps({{"argv": argv, "stdin": stdin, "cwd": os.getcwd(), "seen": os.listdir()}}) + "\\n")
    listed = stdin.split("Declared output files:", 1)[-1].split("\\n\\n", 1)[0]
    declared = re.findall(r"^  - (\\S.*)$", listed, re.M)
    answer = "".join(f"=== FILE: {{p}} ===\\nVALUE = 42  # {{p}}\\n" for p in declared)
    if {mode!r} == "text":
        print(answer)
    else:
        print(json.dumps({{"type": "result", "subtype": "success", "is_error": False, "result": answer,
                          "total_cost_usd": 0.0123, "session_id": "s-1",
                          "usage": {{"input_tokens": 1200, "output_tokens": 80, "cache_read_input_tokens": 300}}}}))
    """
)


def stand_in(tmp_path: Path, mode: str = "json") -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "claude"
    log = tmp_path / "claude-calls.jsonl"
    exe.write_text(STAND_IN.format(python=sys.executable, log=str(log), mode=mode))
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
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
    stand_in(tmp_path, mode="text")
    monkeypatch.setenv("LIT_CLAUDE_CODE_BIN", str(tmp_path / "bin" / "claude"))
    proj = claude_project(tmp_path)
    assert proj.lit("regenerate") == 0
    assert proj.code("answer.py") == "VALUE = 42  # answer.py\n"


def test_a_missing_claude_executable_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd) -> None:  # noqa: ANN001
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    proj = claude_project(tmp_path)
    assert proj.lit("regenerate") == 1
    assert "the `claude` executable is not on PATH" in capfd.readouterr().err


def test_a_claude_cli_without_the_tools_flag_gets_every_built_in_denied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lit_providers import claude_code

    claude_code.supported_flags.cache_clear()
    log = stand_in(tmp_path, mode="old")
    monkeypatch.setenv("LIT_CLAUDE_CODE_BIN", str(tmp_path / "bin" / "claude"))
    proj = claude_project(tmp_path)
    assert proj.lit("regenerate") == 0
    argv = json.loads(log.read_text().splitlines()[0])["argv"]
    assert "--tools" not in argv and "--setting-sources" not in argv
    denied = argv[argv.index("--disallowedTools") + 1].split()
    assert {"Read", "Glob", "Grep", "Bash", "Skill", "WebFetch", "Write"} <= set(denied)
