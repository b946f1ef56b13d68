"""What `lit draft` starts from besides the project: the request, and for `--fix` the prompt's last failure."""

from __future__ import annotations

from pathlib import Path

from lit_tasks.io.errors import UsageError
from lit_tasks.state.records import load_records
from lit_tasks.state.workspace import Workspace

MAX_REQUEST_BYTES = 100_000


def last_failure(workspace: Workspace, prompt: str) -> tuple[str, str]:
    """What the prompt's last verification said when it failed: (what failed, its output or review issues)."""
    for record in reversed(load_records(workspace)):
        for call in reversed(record.prompts):
            check = call.verification
            if call.prompt != prompt or not check or check.get("passed", True):
                continue
            failed = [c for c in check.get("commands") or [] if c.get("exit_code") != 0]
            if failed:
                lines = [f"$ {c.get('command')}  (exit {c.get('exit_code')})\n{c.get('output', '')}" for c in failed]
                return "its verification", "\n".join(lines)
            review = check.get("review") or {}
            issues = review.get("issues") or []
            return "its review", "The reviewer's issues:\n" + "\n".join(f"- {i}" for i in issues)
    raise UsageError(
        f"{prompt} has no failed verification or review in the generation records; `lit draft --fix` re-plans a "
        "prompt after `lit regenerate` gave up on it"
    )


def read_request(text: str | None, path: str | None) -> str:
    """The request from the command line or a file; an empty one is a usage error."""
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise UsageError(f"cannot read the request from {path}: {getattr(err, 'strerror', None) or err}") from None
    text = (text or "").strip()
    if not text:
        raise UsageError('an empty request: say what to build, as `lit draft "a to-do list CLI ..."` or --file')
    if len(text.encode()) > MAX_REQUEST_BYTES:
        raise UsageError(f"the request is over {MAX_REQUEST_BYTES:,} bytes; say it in fewer words")
    return text
