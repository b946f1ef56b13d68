"""File hashes for one pass over a project, and the labelled-parts hash behind every lock entry's input hash."""

from __future__ import annotations

import os
from pathlib import Path

import xxhash
from hypothesis import given
from hypothesis import strategies as st

from lit_tasks.io.hashing import FileHashes, Hasher, hash_bytes, stat_key


class EagerHasher(Hasher):
    FLUSH_PARTS = 4  # hashes as it goes after two parts, as a stamp of thousands of files does


@given(st.text(max_size=20), st.lists(st.binary(max_size=40), max_size=12))
def test_the_parts_hash_is_the_streamed_labelled_xxh3_a_lock_was_written_with(domain: str, parts: list[bytes]) -> None:
    expected = xxhash.xxh3_128()
    for data in [domain.encode(), *parts]:
        expected.update(len(data).to_bytes(8, "little"))
        expected.update(data)
    for hasher in (Hasher(domain), EagerHasher(domain)):
        for data in parts:
            hasher.add(data)
        assert hasher.hexdigest() == expected.hexdigest()


def test_parts_are_labelled_so_their_boundaries_count() -> None:
    assert Hasher("d").add(b"ab").add(b"c").hexdigest() != Hasher("d").add(b"a").add(b"bc").hexdigest()


def test_a_pass_judges_each_file_once_and_keeps_the_version_it_judged(tmp_path: Path) -> None:
    out = tmp_path / "code.lock/a.py"
    out.parent.mkdir()
    out.write_text("A = 1\n")
    judged = stat_key(os.stat(out))
    hashes = FileHashes(tmp_path)
    assert hashes.of("code.lock/a.py") == hash_bytes(b"A = 1\n")
    out.write_text("A = 2, changed by hand\n")
    assert hashes.of("code.lock/a.py") == hash_bytes(b"A = 1\n"), "one pass sees one version of a file"
    assert hashes.versions["code.lock/a.py"] == judged, "the version the judgement was made on, not a later one"
    assert FileHashes(tmp_path).of("code.lock/a.py") == hash_bytes(b"A = 2, changed by hand\n"), "a new pass sees it"


def test_a_missing_file_is_judged_missing(tmp_path: Path) -> None:
    hashes = FileHashes(tmp_path)
    assert hashes.of("code.lock/none.py") is None
    assert hashes.versions["code.lock/none.py"] is None
