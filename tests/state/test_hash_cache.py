"""The hashes a status learnt, kept for the next process: unchanged files are not read again, a changed one is,
and a version too recent to be told apart from a write in the same clock tick is never kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lit_tasks.io import hashing
from lit_tasks.io.hashing import FileHashes, StatHashes, hash_bytes
from lit_tasks.state import hash_cache
from lit_tasks.state.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    (tmp_path / "code.lock").mkdir()
    for name in ("a.py", "b.py"):
        (tmp_path / "code.lock" / name).write_text(f"# {name}\n")
    return Workspace(tmp_path)


def new_process(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A process that knows no hash yet; returns the list of the files it reads."""
    fresh = StatHashes()
    monkeypatch.setattr(hashing, "STAT_HASHES", fresh)
    monkeypatch.setattr(hash_cache, "STAT_HASHES", fresh)
    monkeypatch.setattr(hash_cache, "_taught", set())
    monkeypatch.setattr(hash_cache, "_read", {})
    read: list[str] = []
    real = fresh.read
    monkeypatch.setattr(fresh, "read", lambda path: read.append(os.path.basename(path)) or real(path))
    return read


def status_pass(workspace: Workspace) -> dict[str, str | None]:
    """What a status does with the cache: load it, judge the files, save what it judged."""
    hash_cache.load(workspace)
    hashes = FileHashes(workspace.root)
    judged = {rel: hashes.of(rel) for rel in ("code.lock/a.py", "code.lock/b.py")}
    hash_cache.save(workspace, hashes.versions.values())
    return judged


def test_the_next_process_reads_only_the_file_that_changed(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hash_cache, "RACY_NS", 0)
    new_process(monkeypatch)
    status_pass(workspace)
    read = new_process(monkeypatch)
    (workspace.root / "code.lock/b.py").write_text("# b.py, edited by hand\n")
    judged = status_pass(workspace)
    assert read == ["b.py"], "a.py's hash came from the cache"
    assert judged["code.lock/a.py"] == hash_bytes(b"# a.py\n")
    assert judged["code.lock/b.py"] == hash_bytes(b"# b.py, edited by hand\n")


def test_a_version_written_in_the_last_moments_is_never_kept(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    new_process(monkeypatch)
    status_pass(workspace)  # both files were written just now: a write in the same tick could share their stat
    read = new_process(monkeypatch)
    status_pass(workspace)
    assert sorted(read) == ["a.py", "b.py"]


def test_a_corrupt_or_foreign_cache_only_means_reading_again(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace.cache_dir.mkdir(parents=True)
    for junk in (b"\x92\x01\x91\x96\x01", b"not msgpack", b"\x92\x63\x90"):  # truncated entry, garbage, format 99
        workspace.hashes_file.write_bytes(junk)
        read = new_process(monkeypatch)
        assert status_pass(workspace)["code.lock/a.py"] == hash_bytes(b"# a.py\n")
        assert sorted(read) == ["a.py", "b.py"]
