"""Verification: a prompt's `verify:` commands, run in code.lock/ once its outputs are written.

A prompt whose code fails its own tests is a broken build, so a failing command fails the prompt (after the fix
attempts it is allowed). Commands are the user's own shell commands, run with the shell in `code.lock/`, in
their own process group so a timeout stops everything they started. Python is told not to write bytecode
there: code.lock/ holds only what lit generated.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# Prompts verified by a generation step in this process, with the output hashes verified: the `verify:` task
# of such a prompt passes without running the commands a second time.
VERIFIED: dict[tuple[str, str], tuple[str, dict[str, str]]] = {}


@dataclass(frozen=True)
class CommandResult:
    command: str
    exit_code: int | None  # None: stopped at the timeout
    output: str
    seconds: float

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def summary(self) -> str:
        if self.exit_code is None:
            return f"`{self.command}` did not finish within its timeout"
        return f"`{self.command}` exited with {self.exit_code}"


def run_commands(commands: tuple[str, ...] | list[str], cwd: Path, timeout_s: float) -> list[CommandResult]:
    """Run each command in order, stopping at the first that fails; every result is returned."""
    results = []
    for command in commands:
        result = run_command(command, cwd, timeout_s)
        results.append(result)
        if not result.passed:
            break
    return results


def run_command(command: str, cwd: Path, timeout_s: float) -> CommandResult:
    started = time.monotonic()
    env = {
        **os.environ,
        "PYTHONDONTWRITEBYTECODE": "1",  # code.lock/ holds only what lit generated
        # `python` is the interpreter lit runs on, as under `uv run` or tox: a virtualenv works unactivated
        "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]),
    }
    proc = subprocess.Popen(
        command,
        shell=True,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout_s)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        code = None
    return CommandResult(command, code, out.decode("utf-8", "replace"), round(time.monotonic() - started, 3))


def trim(text: str, limit: int) -> str:
    """At most `limit` characters: the start and the end (where test runners put their summary) are kept."""
    if len(text) <= limit:
        return text
    head = limit // 4
    tail = limit - head
    return f"{text[:head]}\n[... {len(text) - limit} characters cut ...]\n{text[-tail:]}"
