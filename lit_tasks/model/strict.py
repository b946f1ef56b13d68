"""Pydantic models that refuse unknown keys, and errors that point at the offending line.

A typo like `import:` in frontmatter or `temprature` in lit.toml must not silently drop a setting, so every
model forbids extra keys, and `explain` turns pydantic's errors into one line per problem naming the file,
the key, its line and the nearest valid key.
"""

from __future__ import annotations

import re
import reprlib
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from lit_tasks.io.errors import ConfigError, did_you_mean


class StrictModel(BaseModel):
    """Base of every user-facing data model: unknown keys are errors, values are immutable after load."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _field_names(model: type[BaseModel]) -> list[str]:
    names = []
    for name, field in model.model_fields.items():
        names.append(field.alias or name)
    return names


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The nested model class that owns the last element of `loc`, to list the keys valid there."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        fields = {f.alias or n: f for n, f in current.model_fields.items()}
        field = fields.get(part)
        if field is None:
            return None
        current = _unwrap(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """The BaseModel inside Optional[...] / list[...] / unions, if there is exactly one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _unwrap(arg)
        if found is not None:
            return found
    return None


def find_line(text: str, path: tuple[str, ...], *, toml: bool) -> int | None:
    """1-based line where the key `path` (`("model", "api", "timeout_s")`) is written; for a key that is not (a
    missing one), the line of its deepest enclosing key or table that is. None when not even the first is."""
    return _toml_line(text.splitlines(), path) if toml else _yaml_line(text.splitlines(), path)


def _yaml_line(lines: list[str], path: tuple[str, ...]) -> int | None:
    """Block YAML: each key of `path` is looked for below the previous one, indented deeper than it, until the
    previous one's block ends (a key in a flow mapping is found as far as its enclosing block key)."""
    found, start, indent = None, 0, -1
    for key in path:
        pattern = re.compile(rf"^(\s*(?:-\s+)?)[\"']?{re.escape(key)}[\"']?\s*:")
        for number in range(start, len(lines)):
            line = lines[number]
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if found is not None and len(line) - len(line.lstrip()) <= indent:
                return found  # the enclosing key's block ended without this key
            match = pattern.match(line)
            if match and len(match.group(1)) > indent:
                found, start, indent = number + 1, number + 1, len(match.group(1))
                break
        else:
            return found
    return found


def _toml_line(lines: list[str], path: tuple[str, ...]) -> int | None:
    """TOML: the longest prefix of `path` written as a table header, then the rest as a (dotted) key in that
    table; failing that, the header itself."""
    header = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?")
    sections: list[tuple[str, int]] = [("", 0)]  # (table name, index of its first line)
    for number, line in enumerate(lines):
        match = header.match(line)
        if match:
            sections.append((re.sub(r"[\s\"']", "", match.group(1)), number))
    for cut in range(len(path), -1, -1):
        table, rest = ".".join(path[:cut]), path[cut:]
        for i, (name, first) in enumerate(sections):
            if name != table:
                continue
            if not rest:
                return first + 1
            end = sections[i + 1][1] if i + 1 < len(sections) else len(lines)
            key = re.compile(rf"^\s*({re.escape(rest[0])}|{re.escape('.'.join(rest))})\s*[=.]")
            inside = next((n for n in range(first, end) if key.match(lines[n])), None)
            if inside is not None:
                return inside + 1
            if table:
                return first + 1
    return None


def explain(
    error: ValidationError,
    model: type[BaseModel],
    source: str,
    text: str,
    *,
    toml: bool,
    line_offset: int = 0,
) -> ConfigError:
    """One ConfigError listing every problem in `error`, each with file, key, line and a hint."""
    problems = []
    for item in error.errors():
        loc = tuple(item["loc"])
        key = ".".join(str(p) for p in loc if not isinstance(p, int)) or "(top level)"
        last = next((p for p in reversed(loc) if isinstance(p, str)), None)
        line = find_line(text, tuple(p for p in loc if isinstance(p, str)), toml=toml) if last else None
        where = f"{source}:{line + line_offset}" if line else source
        kind = item["type"]
        if kind == "extra_forbidden":
            owner = _model_at(model, loc)
            valid = _field_names(owner) if owner else []
            hint = did_you_mean(str(last), valid)
            listing = f"; valid keys here: {', '.join(valid)}" if valid and not hint else ""
            problems.append(f"{where}: unknown key `{key}`{hint}{listing}")
        elif kind == "missing":
            problems.append(f"{where}: missing required key `{key}`")
        else:
            value = item.get("input")
            shown = reprlib.repr(value) if not isinstance(value, dict) else "a table"  # bounded: nesting, length
            problems.append(f"{where}: `{key}` = {shown}: {item['msg']}")
    return ConfigError("\n".join(problems))


def nesting(text: str) -> tuple[int, int]:
    """How deep brackets and braces nest in `text`, and the first line (1-based) where they nest that deep.
    Quoted strings and `#` comments are skipped, approximately: it decides whether a parser that recurses (or
    a C parser whose stack could overflow) may be given the text, and which line a message names."""
    depth = deepest = 0
    line = where = 1
    quote = ""
    comment = False
    for char in text:
        if char == "\n":
            line, comment = line + 1, False
        elif comment:
            continue
        elif quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#":
            comment = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest, where = depth, line
        elif char in "]}":
            depth -= 1
    return deepest, where
