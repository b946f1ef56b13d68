"""Rewriting the references a prompt or module file makes to other prompts, every other line kept.

A prompt names another in its frontmatter's `imports:` and in its body's `@import(path)`. The frontmatter is
edited with ruamel.yaml's round-trip mode, which keeps comments, key order, quoting and flow or block style;
the text around it (BOM, line endings, the `---` lines, the body) is spliced back untouched. The round trip
reads plain scalars with lit's own schema (`core_schema`), so no value changes type on the way, and it is
checked: the edited frontmatter must read back as the old one with only the renamed imports changed, and only
the lines naming them may differ (else `respaced`: ruamel normalised some spacing elsewhere, e.g. inside
`[ a, b ]`, or dropped an anchor nothing uses). On those lines a comment after the path keeps its column.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import SingleQuotedScalarString
from ruamel.yaml.util import load_yaml_guess_indent

from lit_tasks.io.errors import UsageError
from lit_tasks.model import core_schema
from lit_tasks.model.prompt import IMPORT_REF, decode, split_frontmatter

Rename = Callable[[str], str | None]  # a reference as written -> how to write it now, or None to keep it
MAPPING_INDENTS = (2, 4)  # tried in turn: ruamel cannot guess a mapping's indent, only a sequence's


@dataclass(frozen=True)
class Retargeted:
    raw: bytes
    respaced: bool  # the frontmatter's spacing is not byte for byte what it was (its values are)


class RetargetError(UsageError):
    """A file whose references cannot be rewritten without changing anything else."""


def retarget(raw: bytes, source: str, rename: Rename, *, body: bool = True) -> Retargeted | None:
    """`raw` with its `imports:` entries (and, with `body`, its `@import(...)` references) renamed; None when
    `rename` renames none of them."""
    lf_text = decode(raw, source)
    if lf_text.lstrip().split("\n", 1)[0].rstrip() != "---":
        return None  # a module file without frontmatter (a prompt always has one)
    _, _, yaml_line, body_line = split_frontmatter(lf_text, source)
    text = raw.decode("utf-8")
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    text = text.removeprefix(bom)
    starts = [0, *(m.end() for m in re.finditer("\n", text))]  # CRLF -> LF kept the lines: same line numbers
    yaml_start, yaml_end = starts[yaml_line - 1], starts[body_line - 2]
    body_start = starts[body_line - 1] if body_line - 1 < len(starts) else len(text)
    old_yaml = text[yaml_start:yaml_end]
    edited = _imports_renamed(old_yaml, source, rename)
    new_yaml, respaced = edited if edited is not None else (old_yaml, False)
    old_body = text[body_start:]
    new_body = IMPORT_REF.sub(lambda m: _ref_renamed(m, rename), old_body) if body else old_body
    if new_yaml == old_yaml and new_body == old_body:
        return None
    new_text = bom + text[:yaml_start] + new_yaml + text[yaml_end:body_start] + new_body
    return Retargeted(new_text.encode("utf-8"), respaced)


def _ref_renamed(match: re.Match[str], rename: Rename) -> str:
    inner = match.group(1)
    new = rename(inner.strip()) if inner.strip() else None
    return match.group(0) if new is None else f"@import({inner.replace(inner.strip(), new, 1)})"


def _imports_renamed(yaml_text: str, source: str, rename: Rename) -> tuple[str, bool] | None:
    """The frontmatter with its renamed imports and whether its spacing changed, or None if none is renamed."""
    crlf = "\r\n" in yaml_text
    lf_text = yaml_text.replace("\r\n", "\n")
    yaml = _round_trip()
    try:
        data, sequence, offset = load_yaml_guess_indent(lf_text, yaml=yaml)
    except core_schema.YAMLError as err:  # lit read it, but the round-trip parser is another one
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise RetargetError(f"{source}: ruamel.yaml's round trip cannot read its frontmatter ({problem})") from None
    imports = data.get("imports") if isinstance(data, dict) else None
    if not isinstance(imports, list):
        return None
    renamed = {i: new for i, value in enumerate(imports) if isinstance(value, str) and (new := rename(value))}
    if not renamed:
        return None
    _choose_indent(yaml, data, lf_text, sequence or 2, offset or 0)
    expected = core_schema.load(lf_text)
    expected["imports"] = [renamed.get(i, value) for i, value in enumerate(expected["imports"])]
    styles = {i: type(imports[i]) for i in renamed}  # a quoted scalar stays quoted the same way
    for quoted in (False, True):  # a path YAML cannot write plain there (a `:` in a flow list) gets quotes
        for i, new in renamed.items():
            imports[i] = SingleQuotedScalarString(new) if quoted else styles[i](new)
        new_text = _dump(yaml, data)
        if _reads_as(new_text, expected):
            break
    else:
        raise RetargetError(
            f"{source}: its frontmatter cannot be rewritten without changing more than the renamed imports (an "
            f"anchor or alias on `imports:`?); nothing was changed. Rename the import by hand"
        )
    edited_lines = {imports.lc.item(i)[0] for i in renamed}
    old_lines, new_lines = lf_text.split("\n"), new_text.split("\n")
    respaced = len(old_lines) != len(new_lines) or any(
        a != b and n not in edited_lines for n, (a, b) in enumerate(zip(old_lines, new_lines, strict=True))
    )
    return (new_text.replace("\n", "\r\n") if crlf else new_text), respaced


def _reads_as(text: str, expected: Any) -> bool:
    try:
        return core_schema.load(text) == expected
    except core_schema.YAMLError:
        return False


def _round_trip() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.Resolver = core_schema.CoreSchemaResolver  # plain scalars read (and quoted on output) as lit reads them
    yaml.preserve_quotes = True
    yaml.width = 1 << 16  # never fold a long line
    return yaml


def _choose_indent(yaml: YAML, data: Any, text: str, sequence: int, offset: int) -> None:
    """Set `yaml` to the indentation that reproduces `text` unchanged, if one does (`sequence` and `offset`
    as ruamel guessed them from the text)."""
    for mapping in MAPPING_INDENTS:
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        if _dump(yaml, data) == text:
            return
    yaml.indent(mapping=MAPPING_INDENTS[0], sequence=sequence, offset=offset)


def _dump(yaml: YAML, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()
