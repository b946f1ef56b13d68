"""The inputs of one generation as read before the call, so that what is recorded is what the model saw.

doit records a task's inputs after its action (doit issue #119): an input edited while the model answers would
be recorded next to code generated from the old version. The step reads every input once, before the call,
checks before writing that none changed, and builds the lock entry's input hashes from this snapshot.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from lit_tasks.io.confined import read_inside, require_inside
from lit_tasks.io.errors import GenerationError
from lit_tasks.io.hashing import STAT_HASHES, hash_bytes, stat_key
from lit_tasks.model.paths import CODE_DIR, patch_rel
from lit_tasks.model.project import Project
from lit_tasks.model.settings import GenerationSettings
from lit_tasks.state.lock import InputState


@dataclass
class Snapshot:
    """Every input's bytes, hash and stat as read before the call; paths are relative to the project root."""

    root: str
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    versions: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def add(self, rel: str) -> bytes:
        """Read `rel` into the snapshot; FileNotFoundError if it does not exist. What is read here is sent to the
        model: a file that leads outside the project (a link a clone carried in) is refused unread."""
        require_inside(self.root, rel)
        data, digest, st = STAT_HASHES.read(os.path.join(self.root, rel))
        self.files[rel] = (digest, data)
        self.versions[rel] = stat_key(st)
        return data

    def text(self, rel: str) -> str:
        return self.files[rel][1].decode("utf-8", "replace")

    def changed(self) -> list[str]:
        """Inputs that are not the version read: a new stat whose content hashes differently, or gone."""
        moved = []
        for rel, version in self.versions.items():
            path = os.path.join(self.root, rel)
            try:
                st = os.stat(path)
                if stat_key(st) != version and STAT_HASHES.of(path, st) != self.files[rel][0]:
                    moved.append(rel)
            except FileNotFoundError:
                moved.append(rel)
        return moved


def take_snapshot(project: Project, key: str) -> Snapshot:
    """The inputs of `key` as they are now; the prompt must still be what the project was loaded from."""
    snapshot = Snapshot(os.fspath(project.root))
    try:
        snapshot.add(key)
        if snapshot.files[key][0] != project.graph.prompts[key].digest:
            raise GenerationError(f"{key} changed after lit loaded it; run again")
    except FileNotFoundError:
        raise GenerationError(
            f"{key} was moved or deleted while this run was going (`lit mv`, a checkout?); run lit again"
        ) from None
    for path in project.graph.import_outputs(key):
        try:
            snapshot.add(f"{CODE_DIR}/{path}")
        except FileNotFoundError:
            raise GenerationError(
                f"imported output {CODE_DIR}/{path} does not exist; generate its prompt first"
            ) from None
    for path in project.context_files(key):
        try:
            snapshot.add(path)
        except FileNotFoundError:
            raise GenerationError(f"context file {path} does not exist") from None
    for out in project.graph.prompts[key].outputs:
        if out in project.patched:
            rel = patch_rel(out)
            try:
                snapshot.add(rel)
            except FileNotFoundError:
                raise GenerationError(f"{rel} disappeared while lit was running; run again") from None
    return snapshot


def check_unchanged(snapshot: Snapshot, key: str) -> None:
    """Fail rather than record state for inputs that changed while the model was answering."""
    changed = snapshot.changed()
    if changed:
        raise GenerationError(f"{changed[0]} changed while {key} was being generated; nothing was written, run again")


def input_state(project: Project, key: str, snapshot: Snapshot, settings: GenerationSettings) -> InputState:
    """The lock's view of the inputs; patches are hashed as they are on disk after this run's rebase."""
    imports = {p: snapshot.files[f"{CODE_DIR}/{p}"][0] for p in project.graph.import_outputs(key)}
    patches = {}
    for out in project.graph.prompts[key].outputs:
        if out in project.patched:
            patches[out] = hash_bytes(read_inside(project.root, patch_rel(out)))
    return InputState(
        prompt=snapshot.files[key][0],
        imports=imports,
        config=hash_bytes(settings.canonical().encode()),
        patches=patches,
        context={c: snapshot.files[c][0] for c in project.context_files(key)},
    )
