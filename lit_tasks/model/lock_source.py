"""What ties a lock entry to the project files it was derived from, so that a fresh clone can trust it unparsed.

A lock entry records the hash of its prompt's bytes, but also values lit derived from lit.toml and module files:
the generation settings' hash, the guideline files, the verification it expects. A fresh clone has no cache of
those derivations, and deriving them again means loading every prompt (pydantic, the graph), which costs more
than doit's whole no-op. So each entry also records its `source`: a hash of lit.toml's bytes, of every module
file, of the prompt's key, of the entry's input hash and of the verification the project expects. Where the files
hash alike now and the prompt's bytes match, the entry's derived values are what a load would derive, and the
clone is checked from its lock alone (`state.lock_proof`). Anything else (an edit to lit.toml or a module, an
entry changed by hand or by a bad merge) breaks the match, and the project is loaded in full as before.

`FORMAT` must change whenever lit derives different values from the same files (the settings' canonical form,
how outputs or guideline files are found): a lock written by an older lit then falls back to the full load.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from lit_tasks.io.confined import read_inside
from lit_tasks.io.hashing import Hasher, hash_bytes
from lit_tasks.model.paths import CONFIG_FILE

FORMAT = 1


def project_source(config: bytes, modules: Iterable[tuple[str, bytes]]) -> str:
    """The hash of lit.toml's bytes and of every module file (root-relative path and bytes)."""
    h = Hasher(f"lit-lock-source-{FORMAT}").add(hash_bytes(config).encode())
    for rel, raw in modules:
        h.add(rel.encode()).add(hash_bytes(raw).encode())
    return h.hexdigest()


def project_source_at(root: str | os.PathLike[str], module_files: Iterable[str]) -> str:
    """`project_source` of the files as they are now (read inside the project: OSError, OutsideRootError)."""
    return project_source(read_inside(root, CONFIG_FILE), [(rel, read_inside(root, rel)) for rel in module_files])


def entry_source(project: str, key: str, input_hash: str, expected_verified: str) -> str:
    """An entry's `source`: `expected_verified` is the verification digest the project asks of the prompt ("" for
    none), so an entry whose verification has not passed (its `verified` differs) never matches."""
    return (
        Hasher("lit-entry-source")
        .add(project.encode())
        .add(key.encode())
        .add(input_hash.encode())
        .add(expected_verified.encode())
        .hexdigest()
    )
