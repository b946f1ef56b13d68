"""The walkthrough of `lit draft` (docs/draft.md) is true: its shell blocks run as written, from a request to a
built, verified and committed project, offline."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import REPO
from tests.system.test_quickstart import run_doc_blocks


def test_the_draft_walkthrough_runs_as_written(tmp_path: Path) -> None:
    result = run_doc_blocks("draft.md", tmp_path, timeout=180)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "drafted 3 prompts (3 new, 0 edited) with 2 calls" in out and "would write:" in out
    assert "already drafted" in out
    assert "verified prompts/tests/test_todo.prompt.md: python -m unittest -q tests/test_todo.py" in result.stderr
    assert "ok: code.lock/ matches the prompts and the lock" in out
    assert "added 1: buy milk" in out
    (project,) = tmp_path.glob("*/todo")
    shown = (REPO / "docs/draft.md").read_text()
    printed = out.split("wrote:\n", 1)[1].split("review it with", 1)[0]
    for line in printed.splitlines():
        assert line.split("  (imports")[0] in shown, f"docs/draft.md shows what lit draft prints: {line}"
    clean = subprocess.run(["git", "status", "--short"], cwd=project, capture_output=True, text=True).stdout
    assert clean == "", f"lit commit committed the draft too (guidelines, settings, draft record): {clean}"
