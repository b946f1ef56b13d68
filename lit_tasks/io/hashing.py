"""Content hashes (XXH3-128): one hash function for file checks, input snapshots and the response cache.

XXH3 is not cryptographic; it guards against accidental change, which is all a build cache needs, and it
hashes at memory speed (doit's default MD5 is ~10x slower).
"""

from __future__ import annotations

import errno
import os
import stat
import struct

import xxhash

CHUNK = 1 << 20


def hash_bytes(data: bytes) -> str:
    return xxhash.xxh3_128_hexdigest(data)


class NotAFileError(OSError):
    """Where a file should be there is a directory, a FIFO, a socket or a device: nothing lit can hash or
    replace. Its message says which."""


def not_a_file(path: str | os.PathLike[str], mode: int) -> NotAFileError:
    kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
    return NotAFileError(errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL, f"it is {kind}", os.fspath(path))


def is_regular_or_missing(path: str) -> bool:
    """False when something other than a regular file (or a symlink to one) is at `path`, or something other
    than a directory on its way (no file can be written there)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except NotADirectoryError:
        return False
    except OSError:
        return True


def open_regular(path: str | os.PathLike[str], *, follow: bool = True) -> tuple[int, os.stat_result]:
    """A regular file open for reading, with its stat; never blocks on a FIFO (O_NONBLOCK), refuses the rest, and
    without `follow` refuses a link at `path` itself (lit's own state files are never links: a clone's are)."""
    fd = os.open(path, _READ_FLAGS if follow else _READ_FLAGS | getattr(os, "O_NOFOLLOW", 0))
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise not_a_file(path, st.st_mode)
    return fd, st


def read_regular(path: str | os.PathLike[str], *, follow: bool = True) -> bytes:
    """The bytes of the regular file at `path`: a FIFO never blocks the read, and a directory, FIFO, socket or
    device is refused (NotAFileError, an OSError) instead of read; so is a link at `path` without `follow`. How
    lit reads every file it keeps."""
    return read_with_stat(path, follow=follow)[0]


def read_with_stat(path: str | os.PathLike[str], *, follow: bool = True) -> tuple[bytes, os.stat_result]:
    """`read_regular`, with the stat of the version read (taken before reading: a write during the read leaves
    a later stat, not this one)."""
    fd, st = open_regular(path, follow=follow)
    try:
        return _read_all(fd, st.st_size), st
    finally:
        os.close(fd)


def hash_file(path: str | os.PathLike[str]) -> str:
    fd, _ = open_regular(path)
    h = xxhash.xxh3_128()
    with open(fd, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


StatKey = tuple[int, int, int, int, int]


def stat_key(st: os.stat_result) -> StatKey:
    """What identifies one version of a file: a write through rename is a new inode, an edit moves the times."""
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size)


_PACKED = struct.Struct("<QQqqQ")


def packed(key: StatKey) -> bytes:
    """`key` as one 40-byte string: 73 bytes in memory against 252 for the tuple of five integers, in a memo that
    holds every prompt and output of a project (three a prompt: 60,000 keys at 20,000 prompts)."""
    try:
        return _PACKED.pack(*key)
    except struct.error:  # a field out of range on some filesystem: still one distinct key
        return repr(key).encode()


class StatHashes:
    """Content hashes remembered by file version (inode, mtime, ctime, size), for the whole process.

    lit reads a file's bytes anyway when it snapshots inputs and writes outputs; remembering the hash of that
    version means doit's checker, the unchanged-inputs check and the lock seeding never read it again. The
    assumption is doit's own (a file whose stat is unchanged has unchanged content), made stricter by ctime,
    which no user-space call can set. Keyed by inode, not by path, so every spelling of a path shares it.
    """

    def __init__(self) -> None:
        self._memo: dict[bytes, str] = {}  # by `packed` stat key

    def remember(self, st: os.stat_result, digest: str) -> None:
        self._memo[packed(stat_key(st))] = digest

    def known(self, key: StatKey) -> str | None:
        """The hash of the file version `key`, if this process knows it."""
        return self._memo.get(packed(key))

    def learn(self, known: dict[StatKey, str]) -> None:
        """Versions hashed by an earlier process (`state.hash_cache`); what this one read itself wins."""
        self._memo = {packed(key): digest for key, digest in known.items()} | self._memo

    def of(self, path: str | os.PathLike[str], st: os.stat_result | None = None) -> str:
        """The hash of the file at `path` (stat `st` if the caller has it); read only if this version is new."""
        st = st or os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise not_a_file(path, st.st_mode)
        digest = self._memo.get(packed(stat_key(st)))
        if digest is None:
            digest = self.read(path)[1]
        return digest

    def read(self, path: str | os.PathLike[str]) -> tuple[bytes, str, os.stat_result]:
        """The bytes, hash and stat of the file at `path`, the hash remembered for this version of the file."""
        fd, st = open_regular(path)  # not open(): its buffer, tell and isatty calls double the syscalls
        try:  # the stat is from before reading: a write during the read leaves a later stat, not this one
            data = _read_all(fd, st.st_size)
        finally:
            os.close(fd)
        digest = hash_bytes(data)
        self._memo[packed(stat_key(st))] = digest
        return data, digest, st


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)


def _read_all(fd: int, size: int) -> bytes:
    """Every byte from `fd`; `size` (from fstat) is a hint, the file may have grown since."""
    chunks = []
    want = size + 1  # one more than fstat said, so a file that did not grow ends with the next, empty, read
    while chunk := os.read(fd, want):
        chunks.append(chunk)
        want = 1 << 16
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


STAT_HASHES = StatHashes()


NOT_A_FILE = "<not a regular file>"  # what a directory, FIFO, socket or device "hashes" to: never a real digest


class FileHashes:
    """Content hashes of a project's files by root-relative path, for one pass over the project (a status, a
    check): each file is judged once per pass, as doit stats each file once per run.

    An import's output is hashed once, not once per prompt that imports it. A missing file hashes to None, a
    path that is not a regular file to `NOT_A_FILE` (never read: a FIFO would block the reader). `versions`
    keeps the stat each judgement was made on (None: missing), which is what a no-op stamp of that state records.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = os.fspath(root)
        self._seen: dict[str, str | None] = {}
        self.versions: dict[str, StatKey | None] = {}

    def of(self, rel: str) -> str | None:
        try:
            return self._seen[rel]
        except KeyError:
            digest = self._seen[rel] = self._judge(rel)
            return digest

    def _judge(self, rel: str) -> str | None:
        path = os.path.join(self.root, rel)
        try:
            st = os.stat(path)
            self.versions[rel] = stat_key(st)
            return STAT_HASHES.of(path, st)
        except NotAFileError:
            return NOT_A_FILE
        except (FileNotFoundError, NotADirectoryError):
            self.versions[rel] = None
            return None
        except OSError as err:
            if err.errno == errno.ELOOP:  # a link loop where a file should be: no file lit could hash or replace
                return NOT_A_FILE
            raise


class Hasher:
    """XXH3-128 over labelled parts, so ("ab","c") and ("a","bc") never hash alike. The parts are small (paths,
    hashes, stats) and hashed in one call at the end: a lock entry's input hash adds about twenty, for every
    prompt of a status. A long run of parts is hashed as it goes, `FLUSH_PARTS` at a time (the same digest: XXH3
    streams): a run's stamp adds 240,000 parts at 20,000 prompts, and holding them all was 21 MB of its peak."""

    FLUSH_PARTS = 512

    def __init__(self, domain: str) -> None:
        self._parts: list[bytes] = []
        self._stream: xxhash.xxh3_128 | None = None
        self.add(domain.encode())

    def add(self, data: bytes) -> Hasher:
        self._parts += (len(data).to_bytes(8, "little"), data)
        if len(self._parts) >= self.FLUSH_PARTS:
            self._flush()
        return self

    def _flush(self) -> None:
        if self._stream is None:
            self._stream = xxhash.xxh3_128()
        self._stream.update(b"".join(self._parts))
        self._parts.clear()

    def hexdigest(self) -> str:
        if self._stream is None:
            return xxhash.xxh3_128_hexdigest(b"".join(self._parts))
        self._flush()
        return self._stream.hexdigest()
