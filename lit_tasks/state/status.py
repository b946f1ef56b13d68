"""Where a project stands against its lock, with no network and no key: what `lit check` and plans report.

A prompt is up to date when its prompt bytes, generation settings and imported outputs hash to what its lock
recorded and its outputs are the files lit wrote. Everything else gets a reason a person can act on.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field

from lit_tasks.io.gc_pause import long_lived
from lit_tasks.io.hashing import NOT_A_FILE, FileHashes, StatKey
from lit_tasks.model.paths import CODE_DIR, NOT_A_FILE_ADVICE
from lit_tasks.state import hash_cache
from lit_tasks.state.index import ProjectIndex
from lit_tasks.state.lock import is_hand_edit
from lit_tasks.state.orphans import Orphan, deleted_prompts, find_orphans
from lit_tasks.state.workspace import Workspace


@dataclass
class PromptStatus:
    prompt: str
    reasons: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # outputs whose place holds no regular file: no regeneration
    never_built: bool = False  # no lock entry
    via_import: bool = False
    unverified: bool = False  # up to date, but its verification has not passed on these outputs

    @property
    def stale(self) -> bool:
        return bool(self.reasons)


@dataclass
class ProjectStatus:
    prompts: dict[str, PromptStatus]
    orphans: list[Orphan]
    deleted: list[str] = field(default_factory=list)  # prompts with a lock entry that no longer exist
    # the stat each file was judged on, by root-relative path (None: missing): what a no-op stamp of it records
    versions: Mapping[str, StatKey | None] = field(default_factory=dict, repr=False)

    @property
    def stale(self) -> list[PromptStatus]:
        return [s for s in self.prompts.values() if s.stale]

    @property
    def unverified(self) -> list[PromptStatus]:
        return [s for s in self.prompts.values() if s.unverified and not s.stale]

    @property
    def edited(self) -> list[tuple[str, str]]:
        return [(out, s.prompt) for s in self.prompts.values() for out in s.edited]

    @property
    def ok(self) -> bool:
        return not self.stale and not self.edited and not self.orphans and not self.unverified

    def problems(self) -> list[str]:
        """What `lit check` rejects, one line each with its way out (`lit check` and `lit commit` print them)."""
        lines = [f"stale   {s.prompt}: {'; '.join(s.reasons)}" for s in self.stale]
        lines += [
            f"edited  {CODE_DIR}/{out} ({key}): differs from what lit generated; `lit patch save` keeps it, "
            "`lit regenerate --force` discards it"
            for out, key in self.edited
        ]
        lines += [
            f"unverified {s.prompt}: its verification has not passed on these outputs; `lit regenerate` runs it"
            for s in self.unverified
        ]
        lines += [
            f"orphan  {CODE_DIR}/{o.path}: no prompt declares it (was {o.prompt}); `lit regenerate` removes it"
            for o in self.orphans
        ]
        return lines

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "prompts": len(self.prompts),
            "up_to_date": sum(1 for s in self.prompts.values() if not s.stale and not s.edited),
            "stale": [
                {
                    "prompt": s.prompt,
                    "reasons": s.reasons,
                    "may_regenerate_only": s.via_import,
                    "blocked": [f"{CODE_DIR}/{out}" for out in s.blocked],
                }
                for s in self.stale
            ],
            "edited": [{"output": f"{CODE_DIR}/{out}", "prompt": key} for out, key in self.edited],
            "unverified": [s.prompt for s in self.unverified],
            "orphans": [{"output": f"{CODE_DIR}/{o.path}", "was": o.prompt, "edited": o.edited} for o in self.orphans],
        }


def prompt_status(
    workspace: Workspace, index: ProjectIndex, key: str, stale_keys: set[str], hashes: FileHashes
) -> PromptStatus:
    status = PromptStatus(key)
    if key in index.unplanned:
        status.reasons.append("not planned: its outputs are unknown until its plan: task runs (mapping = inferred)")
        return status
    lock = workspace.lock.read(key)
    prompt = index.prompts[key]
    stale_imports = [i for i in prompt.imports if i in stale_keys]
    if lock is None:
        status.never_built = True
        status.reasons.append("never generated (no lock entry)")
        return status
    inputs = workspace.lock.current_inputs(index, key, hashes)
    if inputs is None:
        status.reasons.append("an imported output or the prompt is missing")
    else:
        recorded = lock.inputs
        if inputs.prompt != recorded.prompt:
            status.reasons.append("prompt changed")
        if inputs.config != recorded.config:
            status.reasons.append("generation settings changed (provider, model, parameters or language)")
        if inputs.context != recorded.context:
            status.reasons.append("guideline files ([context] files, `context:`) changed")
        if set(inputs.imports) != set(recorded.imports):
            status.reasons.append("imports changed")
        else:
            for path, digest in inputs.imports.items():
                if recorded.imports.get(path) != digest:
                    status.reasons.append(f"imported output {CODE_DIR}/{path} changed")
        if not status.reasons and inputs.digest != lock.input_hash:
            status.reasons.append("its lock entry's input_hash is not the hash of the inputs it records")
    declared = set(prompt.outputs)
    if declared != set(lock.outputs):
        status.reasons.append("declared outputs changed")
    for out, digest in sorted(workspace.lock.output_hashes(sorted(declared & set(lock.outputs)), hashes).items()):
        if digest == NOT_A_FILE:
            status.blocked.append(out)
            status.reasons.append(f"output {CODE_DIR}/{out} {NOT_A_FILE_ADVICE}")
        elif is_hand_edit(digest, lock.outputs[out]):
            status.edited.append(out)
        elif digest != lock.outputs[out]:
            status.reasons.append(f"output {CODE_DIR}/{out} is {'missing' if digest is None else 'empty'}")
    if prompt.verified_digest and lock.verified != prompt.verified_digest:
        status.unverified = True
    if not status.reasons and stale_imports:
        status.reasons.extend(f"import {i} is stale" for i in stale_imports)
        status.via_import = True
    return status


def project_status(workspace: Workspace, index: ProjectIndex, keys: list[str] | None = None) -> ProjectStatus:
    """Status of `keys` (default: every prompt), in schedule order so imports are judged first."""
    hash_cache.load(workspace)
    hashes = FileHashes(workspace.root)
    with long_lived():  # the lock entries read stay cached for the run
        status = _project_status(workspace, index, keys, hashes)
    hash_cache.save(workspace, hashes.versions.values())
    return status


def _project_status(
    workspace: Workspace, index: ProjectIndex, keys: list[str] | None, hashes: FileHashes
) -> ProjectStatus:
    wanted = set(keys) if keys is not None else None
    result: dict[str, PromptStatus] = {}
    stale: set[str] = set()
    for key in index.order:
        if wanted is not None and key not in wanted:
            continue
        status = prompt_status(workspace, index, key, stale, hashes)
        if status.stale:
            stale.add(key)
        result[key] = status
    deleted = deleted_prompts(workspace, index)
    versions = ChainMap(hashes.versions, workspace.lock.versions)  # a view: at N=20,000 a copy is 60,000 entries
    return ProjectStatus(result, find_orphans(workspace, index, deleted), deleted, versions)
