"""The plain subset of YAML that most frontmatter is, read without a YAML parser: top-level keys whose values
are one plain word or a list of them, as a block (`- item` lines) or a flow (`[a, b]`).

Reading a fresh clone parses every prompt's frontmatter; through ruamel.yaml (on libyaml) that made a clone
of 5,000 prompts 0.7 s slower (about 0.14 ms a prompt, with the import), most of it building nodes for a
dozen short lines. This reader accepts only what it can read exactly
as the YAML 1.2 core schema does (`core_schema`): every value is a string made of letters, digits and `_ . / -`
that starts with a letter, `_` or `/`, and is not one of the schema's null or boolean words; no key is given
twice; comments only on lines of their own. Anything else (a number, a nested mapping, quotes, a trailing
comment, a tab) returns None and goes to the full parser, which also reports every error. Tests hold the two
equal on generated documents.
"""

from __future__ import annotations

import re

KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*?))? *")
ITEM_LINE = re.compile(r"( *)- +(.*?) *")
WORD = re.compile(r"[A-Za-z_/][A-Za-z0-9_./-]*")
NOT_STRINGS = frozenset(["null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"])


def load(text: str) -> dict[str, str | list[str]] | None:
    """The mapping `text` holds, or None when it is not of the plain subset (the full parser decides)."""
    if "\t" in text or "#" in "".join(line for line in text.split("\n") if not line.lstrip().startswith("#")):
        return None
    data: dict[str, str | list[str]] = {}
    key: str | None = None  # a key whose block list is being read
    indent: int | None = None
    for line in text.split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = ITEM_LINE.fullmatch(line)
        if item is not None:
            if key is None or (indent is not None and len(item.group(1)) != indent) or not _word(item.group(2)):
                return None
            indent = len(item.group(1))
            data[key].append(item.group(2))  # type: ignore[union-attr]
            continue
        if key is not None and not data[key]:
            return None  # `key:` with nothing under it is null
        match = KEY_LINE.fullmatch(line)
        if match is None or match.group(1) in data or match.group(1) in NOT_STRINGS:
            return None
        name, value = match.group(1), match.group(2)
        key, indent = None, None
        if not value:
            key, data[name] = name, []
        elif value.startswith("[") and value.endswith("]"):
            items = [v.strip() for v in value[1:-1].split(",")] if value[1:-1].strip() else []
            if not all(map(_word, items)):
                return None
            data[name] = items
        elif _word(value):
            data[name] = value
        else:
            return None
    if key is not None and not data[key]:
        return None
    return data or None  # comments alone: the full parser says what that is


def _word(value: str) -> bool:
    return WORD.fullmatch(value) is not None and value not in NOT_STRINGS
