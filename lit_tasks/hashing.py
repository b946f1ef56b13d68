"""Content hashes (XXH3-128): one hash function for file checks, input snapshots and the response cache.

XXH3 is not cryptographic; it guards against accidental change, which is all a build cache needs, and it
hashes at memory speed (doit's default MD5 is ~10x slower).
"""

from __future__ import annotations

import os

import xxhash
from doit.dependency import FileChangedChecker

CHUNK = 1 << 20


def hash_bytes(data: bytes) -> str:
    return xxhash.xxh3_128_hexdigest(data)


def hash_file(path: str | os.PathLike[str]) -> str:
    h = xxhash.xxh3_128()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


class FileHashes:
    """Content hashes of a project's files for the span of one check, each file read at most once.

    Only for moments when nothing writes (loading, `lit check`): an import's output is hashed once, not once per
    prompt that imports it. Paths are relative to `root`; a missing file hashes to None.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = os.fspath(root)
        self._memo: dict[str, str | None] = {}

    def of(self, rel: str) -> str | None:
        if rel not in self._memo:
            try:
                self._memo[rel] = hash_file(os.path.join(self.root, rel))
            except (FileNotFoundError, NotADirectoryError):
                self._memo[rel] = None
        return self._memo[rel]


class Hasher:
    """Incremental XXH3-128 over labelled parts, so ("ab","c") and ("a","bc") never hash alike."""

    def __init__(self, domain: str) -> None:
        self._h = xxhash.xxh3_128()
        self.add(domain.encode())

    def add(self, data: bytes) -> Hasher:
        self._h.update(len(data).to_bytes(8, "little"))
        self._h.update(data)
        return self

    def hexdigest(self) -> str:
        return self._h.hexdigest()


class XXH3Checker(FileChangedChecker):
    """doit file checker: stat first (mtime_ns), then size, then XXH3-128 of the content.

    The content hash is what gives early cutoff: a regenerated output with a new mtime but identical bytes
    leaves its dependents up to date. A timestamp checker would rebuild them.
    """

    def check_modified(self, file_path: str, file_stat: os.stat_result, state: list) -> bool:
        mtime_ns, size, digest = state
        if file_stat.st_mtime_ns == mtime_ns:
            return False
        if file_stat.st_size != size:
            return True
        return digest != hash_file(file_path)

    def get_state(self, dep: str, current_state: list | None) -> list | None:
        st = os.stat(dep)
        if current_state and current_state[0] == st.st_mtime_ns and current_state[1] == st.st_size:
            return None
        return [st.st_mtime_ns, st.st_size, hash_file(dep)]
