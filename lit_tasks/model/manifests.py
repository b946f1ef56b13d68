"""Pinned plans of `inferred` prompts (`.lit/manifests/<prompt path>.json`, committed like the lock).

A prompt that declares no `outputs:` under `mapping = "inferred"` is planned first: a `plan:<prompt>` task asks
the plan-role model which files it would write, checks the paths, and pins the answer here. From then on the
prompt is generated exactly as if it had declared those outputs, so the graph, caching, conflicts and early
cutoff work as in `manifest` mode. A plan is current while the prompt's bytes hash to `prompt_hash`; editing
the prompt re-plans it, and an unchanged prompt reuses its plan with no call (a fresh clone too).
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from lit_tasks.io.atomic import Durability, write_atomic
from lit_tasks.io.confined import read_inside
from lit_tasks.io.errors import ConfigError
from lit_tasks.model.paths import MANIFEST_DIR

__all__ = [
    "MANIFEST_DIR",
    "Manifest",
    "encode_manifest",
    "manifest_path",
    "manifest_rel",
    "read_manifest",
    "write_manifest",
]


class Manifest(msgspec.Struct):
    prompt: str
    prompt_hash: str  # XXH3-128 of the prompt file's bytes when it was planned
    outputs: list[str]
    provider: str
    model: str

    def current_for(self, prompt_hash: str) -> bool:
        return self.prompt_hash == prompt_hash


def manifest_rel(key: str) -> str:
    """Where the pinned plan of prompt `key` lives, relative to the project root."""
    return f"{MANIFEST_DIR.as_posix()}/{key}.json"


def manifest_path(root: Path, key: str) -> Path:
    return root / manifest_rel(key)


def read_manifest(root: Path, key: str) -> Manifest | None:
    """The pinned plan of `key`, or None if it was never planned. A damaged file is an error naming it: it is
    committed, so it was written by lit and changed by hand or by a bad merge."""
    path = manifest_path(root, key)
    try:
        data = read_inside(root, manifest_rel(key))
    except FileNotFoundError:
        return None
    except OSError as err:
        raise ConfigError(f"{manifest_rel(key)}: {err.strerror or err}; delete it to plan again") from None
    try:
        return msgspec.json.decode(data, type=Manifest)
    except (msgspec.DecodeError, RecursionError) as err:
        raise ConfigError(
            f"{path.relative_to(root)}: not a lit plan manifest ({err}); delete it to plan again"
        ) from None


def encode_manifest(manifest: Manifest) -> bytes:
    return msgspec.json.format(msgspec.json.encode(manifest), indent=2) + b"\n"


def write_manifest(root: Path, manifest: Manifest) -> None:
    write_atomic(manifest_path(root, manifest.prompt), encode_manifest(manifest), durable=Durability.AT_EXIT)
