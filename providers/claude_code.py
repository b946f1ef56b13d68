"""The Claude Code CLI as a provider: `claude -p`, non-interactive, one turn, no tools, no MCP servers.

The request never passes through a shell: the user turn goes in on stdin and every option is its own argv
entry, so nothing in a prompt can be interpreted as a command. An empty MCP configuration with
`--strict-mcp-config` keeps the user's own MCP servers out of the build. With `--output-format json` the CLI
reports the answer with its usage and cost, which are used when present; a CLI that prints plain text is
accepted too (then usage is unknown). The executable is `claude` on PATH, or `LIT_CLAUDE_CODE_BIN`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any, ClassVar

from lit_tasks.io.errors import ProviderError
from providers.base import Completion, GenerationRequest, ProviderContext, Usage

EMPTY_MCP = '{"mcpServers": {}}'


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
        ]

    def complete(self, request: GenerationRequest) -> Completion:
        try:
            result = subprocess.run(
                self.argv(request),
                input=request.user_text().encode("utf-8"),
                capture_output=True,
                timeout=self.timeout_s,
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
