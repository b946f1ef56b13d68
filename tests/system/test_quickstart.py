"""The quick start (docs/quickstart.md, linked from the README) is true: its shell blocks run as written and end
with a passing `lit check`."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.conftest import BIN, REPO


def run_doc_blocks(doc: str, tmp_path: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The shell blocks of a page of docs/, run as written in one bash script from `tmp_path` (its `mktemp -d`
    too), with this checkout's venv on PATH instead of the first block's `make setup`."""
    blocks = re.findall(r"```sh\n(.*?)```", (REPO / "docs" / doc).read_text(), re.S)
    setup, rest = blocks[0], "".join(blocks[1:])
    assert setup.startswith("make setup"), "the first block installs lit; the test uses this checkout's venv instead"
    script = "set -euo pipefail\n" + setup.split("\n", 1)[1] + rest
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "NO_COLOR": "1",
        "TMPDIR": str(tmp_path),
        "GIT_AUTHOR_NAME": "A",
        "GIT_AUTHOR_EMAIL": "a@example.com",
        "GIT_COMMITTER_NAME": "A",
        "GIT_COMMITTER_EMAIL": "a@example.com",
    }
    return subprocess.run(
        ["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_quick_start_runs_as_written(tmp_path: Path) -> None:
    result = run_doc_blocks("quickstart.md", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok: code.lock/ matches the prompts and the lock" in result.stdout
    assert "inside the git repository" not in result.stderr, "the quick start makes its own repository"
    (greet,) = tmp_path.glob("*/hello/code.lock/greet.py")
    assert greet.read_text() == 'def greet(name: str) -> str:\n    return f"Hi, {name}!"\n'
