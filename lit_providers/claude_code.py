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

The CLI keeps nothing of a call: `--no-session-persistence` (2.0.64 and later; an older CLI's transcript of the
call, under its config folder's `projects/`, is removed after the call), and no non-essential traffic (the
title of a session is one more billed request). A CLI without `--tools` (before 2.0.31) is refused: lit could
only deny the tools it knows by name. With `auth = "subscription"` the CLI runs without any Anthropic key in its
environment, on the user's Claude login; its calls are recorded with their tokens at $0.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import tempfile
from typing import Any, ClassVar

from lit_providers.base import Completion, GenerationRequest, ProviderContext, Usage
from lit_tasks.io.errors import BilledError, ProviderError

EMPTY_MCP = '{"mcpServers": {}}'
MIN_VERSION = "2.0.31"  # the first CLI whose `--help` lists `--tools` (`npm install` of each version, bisected)
KNOWN_FLAGS = ("--tools", "--setting-sources", "--no-session-persistence")
QUIET = {"CLAUDE_CODE_NONINTERACTIVE": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"}
# What would take over from the user's login, and bill per token: never in a subscription call's environment.
KEY_VARIABLES = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "LIT_API_KEY")


@functools.cache
def supported_flags(executable: str) -> frozenset[str]:
    """The hermetic-run flags this CLI knows, from its `--help` (asked once per process and executable)."""
    try:
        result = subprocess.run([executable, "--help"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    text = result.stdout.decode("utf-8", "replace")
    return frozenset(flag for flag in KNOWN_FLAGS if re.search(re.escape(flag) + r"\b(?!-)", text))


def hermetic_flags(executable: str) -> list[str]:
    """Every built-in tool off, no settings file, no transcript; a CLI that cannot switch tools off is refused."""
    flags = supported_flags(executable)
    if "--tools" not in flags:
        raise ProviderError(
            f"claude-code: {executable} has no --tools option, so lit cannot switch its tools off (it would read "
            f"and run what it likes); install Claude Code {MIN_VERSION} or later (npm install -g "
            "@anthropic-ai/claude-code)"
        )
    return [
        "--tools",
        "",
        *(["--setting-sources", ""] if "--setting-sources" in flags else []),
        *(["--no-session-persistence"] if "--no-session-persistence" in flags else []),
    ]


def transcript_dir(cwd: str) -> str:
    """Where a CLI without `--no-session-persistence` keeps the transcript of a session run in `cwd`."""
    config = os.environ.get("CLAUDE_CONFIG_DIR") or os.path.join(os.path.expanduser("~"), ".claude")
    return os.path.join(config, "projects", re.sub(r"[^A-Za-z0-9]", "-", os.path.realpath(cwd)))


class ClaudeCodeProvider:
    name: ClassVar[str] = "claude-code"
    is_local: ClassVar[bool] = False
    # The CLI's names for its current models (`claude --help`, --model); a full model name has a price entry.
    model_aliases: ClassVar[tuple[str, ...]] = ("sonnet", "opus", "haiku", "fable", "opusplan", "default")

    def __init__(self, context: ProviderContext) -> None:
        self.executable = os.environ.get("LIT_CLAUDE_CODE_BIN") or shutil.which("claude")
        self.timeout_s = context.api.timeout_s
        self.subscription = context.api.auth == "subscription"
        self.key_env = context.api.key_env

    def environment(self) -> dict[str, str]:
        """The CLI's environment: the user's, quiet, and on a subscription without any key that would bill."""
        env = {**os.environ, **QUIET}
        if self.subscription:
            for name in (*KEY_VARIABLES, *([self.key_env] if self.key_env else [])):
                env.pop(name, None)
        return env

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
        keeps_transcript = "--no-session-persistence" not in argv
        try:
            with tempfile.TemporaryDirectory(prefix="lit-claude-") as empty:  # nothing of the project to read
                try:
                    result = subprocess.run(
                        argv,
                        input=request.user_text().encode("utf-8"),
                        capture_output=True,
                        timeout=self.timeout_s,
                        cwd=empty,
                        env=self.environment(),
                    )
                finally:
                    if keeps_transcript:  # an older CLI: its transcript of this call is removed with the folder
                        shutil.rmtree(transcript_dir(empty), ignore_errors=True)
        except subprocess.TimeoutExpired:
            raise ProviderError(f"claude-code: no answer within {self.timeout_s:g}s ([model.api] timeout_s)") from None
        except OSError as err:
            raise ProviderError(f"claude-code: cannot run {self.executable}: {err.strerror or err}") from None
        out = result.stdout.decode("utf-8", "replace")
        data = _json(out)
        if result.returncode != 0 and data is None:
            detail = (result.stderr.decode("utf-8", "replace") or out).strip().splitlines()
            raise ProviderError(f"claude-code: exited with {result.returncode}: {detail[-1] if detail else ''}")
        return parse_output(out, request.model, self.subscription)


def _json(out: str) -> dict[str, Any] | None:
    try:
        data: Any = json.loads(out)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def parse_output(out: str, model: str, subscription: bool = False) -> Completion:
    """The CLI's JSON result (answer, usage, cost), or its plain text when it printed no JSON. A result that is
    an error but carries a cost was billed: a BilledError with its usage and cost, its message the CLI's own."""
    data = _json(out)
    if data is None:
        return Completion(text=out, stop="complete", stop_reason="text", model=model, subscription=subscription)
    cost = data.get("total_cost_usd")
    completion = Completion(
        text=str(data.get("result", "")),
        usage=_usage(data),
        stop="complete",
        stop_reason=str(data.get("subtype", "success")),
        model=model,
        request_id=data.get("session_id") if isinstance(data.get("session_id"), str) else None,
        cost_usd=0.0 if subscription else float(cost) if isinstance(cost, int | float) and cost >= 0 else None,
        subscription=subscription,
    )
    if data.get("is_error") or data.get("subtype", "success") != "success":
        said = " ".join(str(data.get("result") or data.get("subtype") or "an error").split())[:500]
        message = f"claude-code: the CLI reported an error: {said}"
        if (isinstance(cost, int | float) and cost > 0) or completion.usage.total:  # the service answered
            raise BilledError(message, completion.model_copy(update={"stop": "other", "text": ""}))
        raise ProviderError(message)
    return completion


def _usage(data: dict[str, Any]) -> Usage:
    """`usage`, or the sum of `modelUsage` when `usage` is all zeros (the CLI reports it so after falling back
    from streaming, and counts every model it used there)."""
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    found = Usage(
        input_tokens=_count(usage.get("input_tokens")),
        output_tokens=_count(usage.get("output_tokens")),
        cache_write_tokens=_count(usage.get("cache_creation_input_tokens")),
        cache_read_tokens=_count(usage.get("cache_read_input_tokens")),
    )
    per_model = data.get("modelUsage")
    if found.total or not isinstance(per_model, dict):
        return found
    models = [m for m in per_model.values() if isinstance(m, dict)]
    return Usage(
        input_tokens=sum(_count(m.get("inputTokens")) for m in models),
        output_tokens=sum(_count(m.get("outputTokens")) for m in models),
        cache_write_tokens=sum(_count(m.get("cacheCreationInputTokens")) for m in models),
        cache_read_tokens=sum(_count(m.get("cacheReadInputTokens")) for m in models),
    )


def _count(value: Any) -> int:
    return value if isinstance(value, int) and 0 <= value <= 10**12 else 0
