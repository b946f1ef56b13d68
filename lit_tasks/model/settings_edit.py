"""Editing lit.toml from a proposal (`lit draft`'s architect): only the tables a proposal may set, merged with
tomlkit so the person's comments and order survive, and the result checked by lit.toml's own schema."""

from __future__ import annotations

import tomllib

import tomlkit

from lit_tasks.io.errors import ConfigError
from lit_tasks.model.config import parse_config

SETTINGS_KEYS = {
    "language": {"default", "version"},
    "framework": {"name", "version"},
    "verify": {"commands", "fix_attempts"},
}


def merged_settings(config_raw: bytes, settings_text: str, guidelines: str) -> bytes:
    """lit.toml with the architect's [language], [framework] and [verify] merged in (tomlkit: comments and order
    survive) and its guideline file added to [context] files; a ConfigError if either does not parse or the
    result is not a valid lit.toml."""
    try:
        proposed = tomllib.loads(settings_text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"the proposed settings are not valid TOML: {err}") from None
    for table, value in proposed.items():
        if table not in SETTINGS_KEYS or not isinstance(value, dict):
            raise ConfigError(f"the proposed settings may set only {', '.join(sorted(SETTINGS_KEYS))}, not `{table}`")
        unknown = sorted(set(value) - SETTINGS_KEYS[table])
        if unknown:
            raise ConfigError(f"the proposed settings set an unknown key [{table}] {unknown[0]}")
    doc = tomlkit.parse(config_raw.decode("utf-8-sig"))
    for table, value in proposed.items():
        if table not in doc:
            doc[table] = tomlkit.table()
        for key, item in value.items():
            doc[table][key] = item  # type: ignore[index]
    context = doc.setdefault("context", tomlkit.table())
    listed = list(context.get("files", []))  # type: ignore[union-attr]
    if guidelines not in listed:
        context["files"] = [*listed, guidelines]  # type: ignore[index]
    merged = tomlkit.dumps(doc).encode()
    try:
        parse_config(merged)
    except ConfigError as err:
        raise ConfigError(f"lit.toml with the proposed settings is not valid: {err}") from None
    return merged
