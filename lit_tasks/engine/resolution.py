"""`lit resolve`: after a merge, rebase or cherry-pick that stopped with conflicts, settle lit's files.

Prompt files, lit.toml and guideline files are the person's to resolve: while any is conflicted or holds
conflict markers, nothing is changed. Then every prompt, in dependency order: its inputs are computed in the
merged tree (its prompt, its settings, its imports' outputs as already resolved). When they equal the inputs
one side's lock entry records (ours, theirs, then the merge base; during a rebase the commit being replayed
first, so the commits after it still match), that side's outputs and lock entry are taken
byte for byte: no call, since that side already paid for exactly this generation. Otherwise the prompt is stale:
its outputs are set to our version (no conflict markers left) and `lit regenerate` decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from lit_tasks.io.atomic import write_all_atomic
from lit_tasks.io.confined import read_inside, walk_inside
from lit_tasks.io.errors import LitError
from lit_tasks.io.git_merge import MergeState, has_markers
from lit_tasks.io.hashing import hash_bytes
from lit_tasks.model.config import CONFIG_FILE, load_config
from lit_tasks.model.paths import CODE_DIR, PROMPTS_DIR, lock_rel
from lit_tasks.state.index import LazyProject
from lit_tasks.state.lock import LockEntry, decode_entry


class UnresolvedSources(LitError):
    """Prompt files, lit.toml or guideline files still hold conflicts: the person's to resolve first."""

    exit_code = 1


@dataclass
class Resolution:
    took: dict[str, str] = field(default_factory=dict)  # prompt -> side whose generation it took, in build order
    stale: list[str] = field(default_factory=list)  # prompts whose merged inputs match no side
    staged: list[str] = field(default_factory=list)


def resolve(root: Path) -> Resolution:
    """Settle lit's files of the merge in progress at `root`; raises UnresolvedSources, changing nothing."""
    state = MergeState.of(root)
    conflicted = state.conflicted()
    refuse_unresolved_sources(root, conflicted)
    lazy = LazyProject.load(root)
    workspace, index = lazy.workspace, lazy.index
    result = Resolution()
    for key in index.order:
        entry_rel = lock_rel(key)
        outputs = [f"{CODE_DIR}/{out}" for out in index.prompts[key].outputs]
        involved = entry_rel in conflicted or any(out in conflicted for out in outputs)
        candidates = _candidates(state, entry_rel)
        if not involved and len({c[2].input_hash for c in candidates}) <= 1:
            continue  # untouched by the merge, or merged cleanly
        current = None if involved else workspace.lock.reread(key)
        if current is not None and workspace.lock.matches(index, current):
            continue  # already consistent (the merge, or lit's driver, left one side's generation whole)
        inputs = workspace.lock.current_inputs(index, key)
        chosen = next((c for c in candidates if inputs is not None and c[2].input_hash == inputs.digest), None)
        files: dict[str, bytes] = {}
        if chosen is not None and (taken := _outputs_of(state, chosen[0], chosen[2])) is not None:
            side, raw, _ = chosen
            files = taken | {entry_rel: raw}
            result.took[key] = side
        else:
            files = {rel: data for rel in [entry_rel, *outputs] if (data := _ours_or_theirs(state, rel)) is not None}
            result.stale.append(key)
        write_all_atomic({root / rel: data for rel, data in files.items()})
        result.staged += sorted(files)
    state.stage(result.staged)
    state.settled()
    return result


def refuse_unresolved_sources(root: Path, conflicted: list[str]) -> None:
    """Prompt files, lit.toml, guideline and module files with conflicts (in git's index, or markers in the
    file): the person's to settle. A UnresolvedSources listing them; nothing is changed."""
    guidelines = _guideline_files(root)
    sources = [
        rel for rel in conflicted if rel == CONFIG_FILE or rel.startswith(f"{PROMPTS_DIR}/") or rel in guidelines
    ]
    for rel in [CONFIG_FILE, *_prompt_files(root), *guidelines]:
        try:
            if rel not in sources and has_markers(read_inside(root, rel)):
                sources.append(rel)
        except OSError:
            continue
    if sources:
        listed = "\n".join(f"  {rel}" for rel in sorted(sources))
        raise UnresolvedSources(
            f"these files are yours to resolve first (conflicts in the source, not in what lit generates):\n{listed}\n"
            "edit them, `git add` them, then run `lit resolve` again; nothing was changed"
        )


def _guideline_files(root: Path) -> list[str]:
    try:
        return list(load_config(root).context.files)
    except LitError:
        return []  # lit.toml itself is conflicted: it is listed


def _prompt_files(root: Path) -> list[str]:
    return [rel for rel, _ in walk_inside(root, PROMPTS_DIR, lambda name: True)]


def _candidates(state: MergeState, lock_rel: str) -> list[tuple[str, bytes, LockEntry]]:
    """Each side's lock entry of a prompt, in the order they are preferred (`MergeState.preferred`), once each."""
    found: list[tuple[str, bytes, LockEntry]] = []
    for side in state.preferred:
        raw = state.blob(side, lock_rel)
        if raw is None or any(raw == known for _, known, _ in found):
            continue
        try:
            found.append((side, raw, decode_entry(raw)))
        except msgspec.DecodeError:  # a side's entry that does not decode is no candidate
            continue
    return found


def _outputs_of(state: MergeState, side: str, entry: LockEntry) -> dict[str, bytes] | None:
    """The outputs `entry` records, as `side` holds them (None: that side lacks one, or holds other bytes)."""
    files = {}
    for out, digest in entry.outputs.items():
        data = state.blob(side, f"{CODE_DIR}/{out}")
        if data is None or hash_bytes(data) != digest:
            return None
        files[f"{CODE_DIR}/{out}"] = data
    return files


def _ours_or_theirs(state: MergeState, rel: str) -> bytes | None:
    ours = state.blob("ours", rel)
    return ours if ours is not None else state.blob("theirs", rel)
