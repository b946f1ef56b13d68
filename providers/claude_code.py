"""The Claude Code CLI as a provider: `claude -p`, non-interactive, one turn, no tools, no MCP servers.

The answer must depend on the request alone, as with any other provider. So the CLI runs in an empty temporary
directory (it cannot read the project, its settings or its memory files), with every built-in tool switched
off (`--tools ""`; a CLI too old for that flag gets each built-in in `--disallowedTools`), no settings file
(`--setting-sources ""` where supported) and no MCP servers (an empty `--mcp-config` with
`--strict-mcp-config`). What stays outside lit's control: the user's login and account-level settings, and
whatever the CLI's own system prompt says (docs/providers.md).

The request never passes through a shell: the user turn goes in on stdin and every option is its own argv
entry, so nothing in a prompt can be interpreted as a command. With `--output-format json` the CLI reports the
answer with its usage and cost, which are used when present; a CLI that prints plain text is accepted too
(then usage is unknown). The executable is `claude` on PATH, or `LIT_CLAUDE_CODE_BIN`.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import tempfile
from typing import Any, ClassVar

from lit_providers.base import Completion, GenerationRequest, ProviderContext, Usage
from lit_tasks.io.errors import ProviderError

EMPTY_MCP = '{"mcpServers": {}}'
BUILT_IN_TOOLS = (  # for a CLI without `--tools`: every built-in it has had, denied by name
    "Agent Bash BashOutput Edit ExitPlanMode Glob Grep KillShell LS MultiEdit NotebookEdit NotebookRead Read "
    "SlashCommand Skill Task TodoWrite WebFetch WebSearch Write"
)


@functools.cache
def supported_flags(executable: str) -> frozenset[str]:
    """The hermetic-run flags this CLI knows, from its `--help` (asked once per process and executable)."""
    try:
        result = subprocess.run([executable, "--help"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    text = result.stdout.decode("utf-8", "replace")
    return frozenset(flag for flag in ("--tools", "--setting-sources") if flag in text)


def hermetic_flags(executable: str) -> list[str]:
    flags = supported_flags(executable)
    tools = ["--tools", ""] if "--tools" in flags else ["--disallowedTools", BUILT_IN_TOOLS]
    return tools + (["--setting-sources", ""] if "--setting-sources" in flags else [])


class ClaudeCodeProvider:
    name: ClassVar[str] = "claude-code"
    is_local: ClassVar[bool] = False

    def __init__(self, context: ProviderContext) -> None:
        self.executable = os.environ.get("LIT_CLAUDE_CODE_BIN") or shutil.which("claude")
        self.timeout_s = context.api.timeout_s

    def argv(self, request: GenerationRequest) -> list[str]:
        if not self.executable:
            raise ProviderError(
                "claude-code: the `claude` executable is not on PATH; install Claude Code, or set "
                "LIT_CLAUDE_CODE_BIN to its path"
            )
        return [
            self.executable,
            "-p",
            "--output-format",
            "json",
            "--model",
            request.model,
            "--system-prompt",
            request.system,
            "--mcp-config",
            EMPTY_MCP,
            "--strict-mcp-config",
            "--max-turns",
            "1",
            *hermetic_flags(self.executable),
        ]

    def complete(self, request: GenerationRequest) -> Completion:
        argv = self.argv(request)
        try:
            with tempfile.TemporaryDirectory(prefix="lit-claude-") as empty:  # nothing of the project to read
                result = subprocess.run(
                    argv,
                    input=request.user_text().encode("utf-8"),
                    capture_output=True,
                    timeout=self.timeout_s,
                    cwd=empty,
                    env={**os.environ, "CLAUDE_CODE_NONINTERACTIVE": "1"},
                )
        except subprocess.TimeoutExpired:
            raise ProviderError(f"claude-code: no answer within {self.timeout_s:g}s ([model.api] timeout_s)") from None
        except OSError as err:
            raise ProviderError(f"claude-code: cannot run {self.executable}: {err.strerror or err}") from None
        out = result.stdout.decode("utf-8", "replace")
        if result.returncode != 0:
            detail = (result.stderr.decode("utf-8", "replace") or out).strip().splitlines()
            raise ProviderError(f"claude-code: exited with {result.returncode}: {detail[-1] if detail else ''}")
        return parse_output(out, request.model)


def parse_output(out: str, model: str) -> Completion:
    """The CLI's JSON result (answer, usage, cost), or its plain text when it printed no JSON."""
    try:
        data: Any = json.loads(out)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return Completion(text=out, stop="complete", stop_reason="text", model=model)
    if data.get("is_error") or data.get("subtype", "success") != "success":
        raise ProviderError(f"claude-code: the CLI reported an error: {str(data.get('result', data))[:300]}")
    usage = data.get("usage") or {}
    cost = data.get("total_cost_usd")
    return Completion(
        text=str(data.get("result", "")),
        usage=Usage(
            input_tokens=int(usage.get("input_tokens", 0)),
            output_tokens=int(usage.get("output_tokens", 0)),
            cache_write_tokens=int(usage.get("cache_creation_input_tokens", 0)),
            cache_read_tokens=int(usage.get("cache_read_input_tokens", 0)),
        ),
        stop="complete",
        stop_reason=str(data.get("subtype", "success")),
        model=model,
        request_id=data.get("session_id"),
        cost_usd=float(cost) if isinstance(cost, int | float) else None,
    )
