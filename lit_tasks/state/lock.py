"""The committed lock (`.lit/lock/`): what each prompt was last generated from, and what it produced.

doit's DB is local, so it cannot make a fresh clone or a CI runner incremental; the lock can. One small JSON
file per prompt (`.lit/lock/<prompt path>.json`), written atomically right after the prompt's outputs, so two
branches that regenerate different prompts never touch the same file, and a crash loses at most the prompt
that was being written.

The input hash is XXH3-128 over, in this order: the prompt's hash, each imported output (path and hash,
sorted by path), the canonical generation settings, and the prompt's patches (sorted by path). Its parts are kept
too, so `lit check` can say *why* a prompt is stale.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

import msgspec

from lit_tasks.io.atomic import Durability, write_atomic
from lit_tasks.io.hashing import (
    NOT_A_FILE,
    FileHashes,
    Hasher,
    StatKey,
    hash_bytes,
    is_regular_or_missing,
    read_regular,
    read_with_stat,
    stat_key,
)
from lit_tasks.model.paths import (
    CODE_DIR,
    LOCK_DIR,
    UnsafePathError,
    lock_rel,
    locked_prompts,
    normalise_relpath,
    patch_rel,
)

__all__ = ["LOCK_DIR", "InputState", "LockEntry", "LockStore", "is_hand_edit"]

if TYPE_CHECKING:
    from lit_tasks.state.index import ProjectIndex
    from lit_tasks.state.workspace import Workspace

LOCK_VERSION = 1


class InputState(msgspec.Struct):
    """The hashes of everything a prompt's generation depends on."""

    prompt: str
    imports: dict[str, str]
    config: str
    patches: dict[str, str] = {}
    context: dict[str, str] = {}

    @property
    def digest(self) -> str:
        h = Hasher("lit-input-v1").add(self.prompt.encode())
        for path, digest in sorted(self.imports.items()):
            h.add(path.encode()).add(digest.encode())
        h.add(self.config.encode())
        for path, digest in sorted(self.patches.items()):
            h.add(path.encode()).add(digest.encode())
        if self.context:  # only when there are guideline files: older locks keep their hashes
            h.add(b"context")
            for path, digest in sorted(self.context.items()):
                h.add(path.encode()).add(digest.encode())
        return h.hexdigest()


class LockEntry(msgspec.Struct):
    """One prompt's lock file. msgspec, not pydantic: it is read for every prompt on hot paths (seeding a fresh
    clone, `lit check`), where decoding speed and import time count (docs/performance.md)."""

    prompt: str
    input_hash: str
    inputs: InputState
    outputs: dict[str, str]
    version: int = LOCK_VERSION
    verified: str | None = None  # digest of the verification that passed on these outputs (lit_tasks.verify)
    source: str | None = None  # ties the derived values to lit.toml and the modules (model.lock_source)

    def dumps(self) -> str:
        """Sorted keys, two-space indent: the bytes `json.dumps(indent=2, sort_keys=True)` gives, 10x faster."""
        data = msgspec.to_builtins(self)
        if not data["inputs"]["context"]:
            del data["inputs"]["context"]  # written only when used: a lock without guideline files is unchanged
        for optional in ("verified", "source"):
            if data[optional] is None:
                del data[optional]
        return msgspec.json.format(msgspec.json.encode(data, order="sorted"), indent=2).decode() + "\n"


_decoder = msgspec.json.Decoder(LockEntry)


def decode_entry(data: bytes) -> LockEntry:
    """A lock entry, checked: it is committed, so a cloned repository can write anything into it, and lit deletes
    and hashes the files it names. A path that is not a plain relative one (`..`, absolute) makes it invalid."""
    try:
        entry = _decoder.decode(data)
    except RecursionError:
        raise msgspec.DecodeError("nested too deeply") from None
    inputs = entry.inputs
    for path in (entry.prompt, *entry.outputs, *inputs.imports, *inputs.patches, *inputs.context):
        try:
            if normalise_relpath(path) != path:
                raise UnsafePathError(path)
        except UnsafePathError:
            raise msgspec.DecodeError(f"unsafe path in a lock entry: {path!r}") from None
    return entry


class LockStore:
    """The lock of one workspace. Each entry is read once per run (`read`); the generation step, which must see an
    entry another run wrote while it waited for the prompt's lock, reads it fresh (`reread`)."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._dir = os.fspath(workspace.lock_file("x").parent)  # entries are read by the thousand: no pathlib
        self._entries: dict[str, LockEntry | None] = {}
        self.versions: dict[str, StatKey] = {}  # the stat of each entry file as read, by root-relative path
        self._guard = threading.Lock()

    def read(self, key: str) -> LockEntry | None:
        """The lock entry of `key`, or None if there is none or it is unreadable (then the prompt is stale)."""
        with self._guard:
            if key in self._entries:
                return self._entries[key]
        return self.reread(key)

    def reread(self, key: str) -> LockEntry | None:
        """The entry as it is on disk now."""
        version = None
        try:
            data, st = read_with_stat(os.path.join(self._dir, f"{key}.json"), follow=False)
            version = stat_key(st)
            entry = decode_entry(data)
        except (OSError, msgspec.DecodeError):
            entry = None
        if entry is not None and entry.prompt != key:
            entry = None  # another prompt's entry under this one's name: not this prompt's
        with self._guard:
            self._entries[key] = entry
            if version is None:
                self.versions.pop(lock_rel(key), None)
            else:
                self.versions[lock_rel(key)] = version
        return entry

    def write(self, entry: LockEntry) -> None:
        """Write `entry`, which is not kept: a first build writes every entry and reads none of them again (at
        5,000 prompts, keeping them was 4 MB of its 97 MB); a later `read` reads the file."""
        write_atomic(self.workspace.lock_file(entry.prompt), entry.dumps().encode(), durable=Durability.AT_EXIT)
        with self._guard:
            self._entries.pop(entry.prompt, None)
            self.versions.pop(lock_rel(entry.prompt), None)

    def remove(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.workspace.lock_file(key))
        with self._guard:
            self._entries[key] = None
            self.versions.pop(lock_rel(key), None)

    def prompts(self) -> list[str]:
        """The prompts that have a lock entry, read or not."""
        return locked_prompts(self.workspace.root)

    def all(self) -> dict[str, LockEntry]:
        """Every readable lock entry under .lit/lock/, keyed by prompt path (read from disk)."""
        base = self.workspace.root / LOCK_DIR
        found: dict[str, LockEntry] = {}
        if not base.is_dir():
            return found
        for path in sorted(base.rglob("*.json")):
            try:
                entry = decode_entry(read_regular(path, follow=False))
            except (OSError, msgspec.DecodeError):
                continue
            found[entry.prompt] = entry
        return found

    def current_inputs(self, index: ProjectIndex, key: str, hashes: FileHashes | None = None) -> InputState | None:
        """The input hashes as the files are now; None when the prompt or an imported output does not exist."""
        hashes = hashes or FileHashes(self.workspace.root)
        entry = index.prompts[key]
        imports: dict[str, str] = {}
        for path in entry.import_outputs:
            digest = hashes.of(f"{CODE_DIR}/{path}")
            if digest is None:
                return None
            imports[path] = digest
        prompt = hashes.of(key)
        if prompt is None:
            return None
        patches = {}
        for out in entry.outputs:
            if out in index.patched:
                digest = hashes.of(patch_rel(out))
                if digest is not None:
                    patches[out] = digest
        context = {}
        for path in entry.context:
            digest = hashes.of(path)
            if digest is None:
                return None
            context[path] = digest
        return InputState(prompt=prompt, imports=imports, config=entry.config_hash, patches=patches, context=context)

    def output_hashes(self, outputs: Iterable[str], hashes: FileHashes | None = None) -> dict[str, str | None]:
        hashes = hashes or FileHashes(self.workspace.root)
        return {out: hashes.of(f"{CODE_DIR}/{out}") for out in outputs}

    def not_files(self, outputs: Iterable[str]) -> list[str]:
        """The outputs where something other than a regular file stands (nothing lit may hash or replace)."""
        code_dir = os.fspath(self.workspace.code_dir)
        return [out for out in outputs if not is_regular_or_missing(os.path.join(code_dir, out))]

    def edited_outputs(self, entry: LockEntry | None) -> list[str]:
        """The outputs of `entry` that are hand edits now."""
        if entry is None:
            return []
        current = self.output_hashes(sorted(entry.outputs))
        return [out for out, digest in current.items() if is_hand_edit(digest, entry.outputs[out])]

    def matches(
        self, index: ProjectIndex, entry: LockEntry, hashes: FileHashes | None = None, *, hand_edits: bool = False
    ) -> bool:
        """True when the files are now exactly what lock entry `entry` recorded (with `hand_edits`, an output may
        also be a hand edit: its prompt's inputs are unchanged, so it has nothing to regenerate)."""
        key = entry.prompt
        hashes = hashes or FileHashes(self.workspace.root)
        inputs = self.current_inputs(index, key, hashes)
        if inputs is None or inputs.digest != entry.input_hash or inputs != entry.inputs:
            return False  # the two records of the inputs must both hold: a hand-edited entry may change one
        declared = index.prompts[key].outputs
        if set(declared) != set(entry.outputs):
            return False
        current = self.output_hashes(declared, hashes)
        if hand_edits:
            return all(
                d == entry.outputs[o] or (d != NOT_A_FILE and is_hand_edit(d, entry.outputs[o]))
                for o, d in current.items()
            )
        return current == entry.outputs


EMPTY = hash_bytes(b"")


def is_hand_edit(digest: str | None, written: str) -> bool:
    """A file that exists and is not what lit wrote (`written`), which lit must not overwrite.

    An empty file is not one: overwriting it loses nothing, and it is what a power cut can leave of a file
    generated just before (derived files are synced once per run, see `atomic`)."""
    return digest not in (None, EMPTY, written)
