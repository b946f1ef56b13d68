"""`modular` mapping: a directory's `module.lit.md` gives shared context and defaults to the prompts inside it.

A module file is Markdown with optional YAML frontmatter. Its frontmatter sets defaults for every prompt in its
directory and below (the keys a prompt may set, except `outputs`); its whole text is a guideline file of those
prompts: it is added to their system prompt, it is a `file_dep` of their tasks and it is part of their input
hash, so editing a module regenerates exactly the prompts it covers. Modules nest like `.editorconfig`: the
outer module's defaults apply first, an inner module overrides them, and the prompt's own keys override both
(lists, `imports` and `context`, add up instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from lit_tasks.io.confined import read_inside
from lit_tasks.io.errors import ConfigError
from lit_tasks.model.paths import MODULE_FILE, PROMPTS_DIR
from lit_tasks.model.prompt import Defaults, decode, load_yaml, merge_defaults, split_frontmatter
from lit_tasks.model.strict import explain

__all__ = ["MODULE_FILE", "Module", "defaults_for", "load_modules"]


@dataclass(frozen=True)
class Module:
    path: str  # root-relative, e.g. prompts/api/module.lit.md
    defaults: dict[str, Any]


def read_module(root: Path, rel: str) -> Module:
    """Parse one module file; its frontmatter is checked as prompt defaults (an `outputs:` key is an error)."""
    text = decode(read_inside(root, rel), rel)
    if text.lstrip().split("\n", 1)[0].rstrip() != "---":
        return Module(rel, {})  # no frontmatter: shared context only
    yaml_text, _, yaml_line, _ = split_frontmatter(text, rel)
    data = load_yaml(yaml_text, rel, yaml_line)
    if "outputs" in data:
        raise ConfigError(f"{rel}: a module cannot declare `outputs:`; each prompt declares its own")
    try:
        Defaults.model_validate(data)
    except ValidationError as err:
        raise explain(err, Defaults, rel, yaml_text, toml=False, line_offset=yaml_line - 1) from None
    return Module(rel, data)


def modules_of(prompt_key: str, modules: dict[str, Module]) -> list[Module]:
    """The modules covering `prompt_key`, outermost first (`modules` is keyed by directory)."""
    parts = prompt_key.split("/")[:-1]
    found = []
    for depth in range(1, len(parts) + 1):
        module = modules.get("/".join(parts[:depth]))
        if module is not None:
            found.append(module)
    return found


def defaults_for(prompt_key: str, modules: dict[str, Module]) -> dict[str, Any]:
    """The merged defaults of the modules covering `prompt_key`, each module file itself a context file."""
    merged: dict[str, Any] = {}
    for module in modules_of(prompt_key, modules):
        own = {**module.defaults, "context": [*module.defaults.get("context", []), module.path]}
        merged = merge_defaults(merged, own)
    merged["imports"] = [imp for imp in merged.get("imports", []) if not _same_prompt(imp, prompt_key)]
    return merged


def load_modules(root: Path, module_files: list[str]) -> dict[str, Module]:
    """Every module file found while scanning prompts/, keyed by its directory."""
    return {rel.rsplit("/", 1)[0]: read_module(root, rel) for rel in module_files}


def _same_prompt(imp: str, key: str) -> bool:
    """A module's import of a prompt inside that module does not apply to the prompt itself."""
    return imp == key or f"{PROMPTS_DIR}/{imp}" == key
