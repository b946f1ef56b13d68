"""A prompt file: YAML frontmatter (outputs, imports, overrides) and a Markdown body.

The split follows lit v1 (leading whitespace skipped, `---` opens, the first line that is exactly `---` closes)
with its rough edges fixed: a BOM or CRLF line endings are accepted, the closing marker must be a whole line,
and every error names the file and line. The raw bytes are hashed untouched: that is what the input hash covers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol

from pydantic import Field, ValidationError, field_validator

from lit_tasks.io.errors import ConfigError
from lit_tasks.io.hashing import hash_bytes
from lit_tasks.model import plain_yaml
from lit_tasks.model.config import ApiSection, PricingSection, _safe_paths
from lit_tasks.model.paths import PROMPT_SUFFIX, UnsafePathError, normalise_relpath
from lit_tasks.model.strict import StrictModel, explain, nesting

IMPORT_REF = re.compile(r"@import\(([^)\n]*)\)")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")


class TextParts(NamedTuple):
    """What a prompt's text gives before validation. Kept by content hash (`FrontmatterCache`), it lets a load
    build an unchanged prompt without reading its file: at 5,000 prompts, reading and splitting every file was
    0.11 s of a 0.23 s load (warm, in one process)."""

    data: dict[str, Any]  # the frontmatter as read
    body_line: int
    title: str  # the body's first Markdown heading, else the prompt path
    refs: tuple[str, ...]  # the body's `@import(...)` references
    size: int  # of the file, in bytes


class FrontmatterCache(Protocol):
    """Prompt texts parsed by an earlier run, by prompt path and content hash (the state layer keeps one)."""

    def get(self, path: str, digest: str) -> TextParts | None: ...

    def put(self, path: str, digest: str, parts: TextParts) -> None: ...


class ModelOverride(StrictModel):
    """A prompt's `model:` override; unlike lit v1, every key is optional and `provider` is honoured."""

    provider: str | None = None
    model: str | None = None
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    seed: int | None = Field(default=None, ge=0)
    max_tokens: int | None = Field(default=None, ge=1)
    api: ApiSection | None = None
    pricing: PricingSection | None = None


class Overrides(StrictModel):
    """A prompt's settings beyond its outputs and imports: what a `Prompt` keeps of its frontmatter. Most prompts
    set none, and share one instance (at 5,000 prompts, one each was 3.6 MB of a first build's 97 MB)."""

    model: ModelOverride | None = None
    language: str | None = None
    verify: list[str] | None = None
    fix_attempts: int | None = Field(default=None, ge=0, le=10)
    review: bool | None = None
    context: list[str] = []

    @field_validator("verify", mode="before")
    @classmethod
    def _one_or_more(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("context")
    @classmethod
    def _safe(cls, value: list[str]) -> list[str]:
        return _safe_paths(value)


class Defaults(Overrides):
    """What a prompt may set for itself and a `module.lit.md` may set for the prompts below it."""

    imports: list[str] = []


class Frontmatter(Defaults):
    outputs: list[str] = []

    def overrides(self) -> Overrides:
        """The settings kept; `NO_OVERRIDES` unless the frontmatter set one."""
        if self.model_fields_set <= {"outputs", "imports"}:
            return NO_OVERRIDES
        return Overrides.model_construct(**{name: getattr(self, name) for name in Overrides.model_fields})


NO_OVERRIDES = Overrides()


class Prompt(StrictModel):
    """One parsed prompt. `path` is its key: relative to the project root, POSIX, normalised.

    Its bytes are not kept, only their hash and size: a run holds every prompt of the project, and their bytes
    were 9.3 MB of a first build's 97 MB at 5,000 prompts (tracemalloc). The one request that sends the body reads
    it from the bytes it snapshots, checked against `digest`; anything else reads them with
    `Project.prompt_bytes`."""

    path: str
    digest: str  # XXH3-128 of the bytes parsed
    size: int
    frontmatter: Overrides
    declares_outputs: bool  # its frontmatter lists outputs (else they come from `direct` mapping or a pinned plan)
    body_line: int
    title: str  # the first Markdown heading of the body (doit's `doc`), else the prompt path
    outputs: tuple[str, ...]
    imports: tuple[str, ...]
    body_refs: tuple[str, ...]

    def with_imports(self, imports: tuple[str, ...]) -> Prompt:
        """This prompt with its imports written as keys (`model_copy` would add to the shared fields set)."""
        return Prompt.model_construct(PROMPT_FIELDS, **(dict(self) | {"imports": imports}))


PROMPT_FIELDS = frozenset(Prompt.model_fields)  # every field is set: one set shared by every Prompt, not one each


def body_of(raw: bytes, path: str) -> str:
    """The Markdown body of the prompt file `path` whose bytes are `raw`."""
    return split_frontmatter(decode(raw, path), path)[1]


def title_of(body: str, path: str) -> str:
    for line in body.splitlines():
        match = HEADING.match(line)
        if match:
            return match.group(1)
    return path


def split_frontmatter(text: str, source: str) -> tuple[str, str, int, int]:
    """(yaml, body, first yaml line, first body line), lines 1-based; raises ConfigError on a bad layout."""
    stripped = text.lstrip()
    skipped_lines = text[: len(text) - len(stripped)].count("\n")
    lines = stripped.split("\n")
    if not lines or lines[0].rstrip() != "---":
        first = stripped.split("\n", 1)[0][:40]
        raise ConfigError(
            f"{source}:{skipped_lines + 1}: a prompt must start with YAML frontmatter: a line `---`, the keys "
            f"(outputs, imports, ...), then a closing `---`; found `{first}`"
        )
    for index in range(1, len(lines)):
        if lines[index].rstrip() == "---":
            yaml_text = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            return yaml_text, body, skipped_lines + 2, skipped_lines + index + 2
    raise ConfigError(f"{source}:{skipped_lines + 1}: unterminated frontmatter: no closing `---` line")


def decode(raw: bytes, path: str) -> str:
    """A prompt or module file's text: UTF-8, a BOM dropped, CRLF line endings read as LF."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: not valid UTF-8 (byte {err.start}); save the file as UTF-8") from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


def parse_prompt(
    path: str,
    raw: bytes,
    *,
    default_outputs: tuple[str, ...] = (),
    cache: FrontmatterCache | None = None,
    defaults: dict[str, Any] | None = None,
    digest: str | None = None,
) -> Prompt:
    """Parse one prompt file's bytes (whose hash `digest` the caller may have computed already). `default_outputs`
    is what `direct` mapping derives from the path or an `inferred` plan pinned; `cache` supplies the text parsed
    from identical bytes; `defaults` are the keys its `module.lit.md` files set (`modular` mapping), under the
    prompt's own."""
    digest = digest or hash_bytes(raw)
    parts = cache.get(path, digest) if cache is not None else None
    if parts is None:
        parts = text_parts(path, raw)
        if cache is not None:
            cache.put(path, digest, parts)
    prompt = prompt_from_parts(path, digest, parts, default_outputs=default_outputs, defaults=defaults, raw=raw)
    assert prompt is not None  # with its bytes, an invalid prompt raises
    return prompt


def text_parts(path: str, raw: bytes) -> TextParts:
    text = decode(raw, path)
    yaml_text, body, yaml_line, body_line = split_frontmatter(text, path)
    refs = tuple(ref.strip() for ref in IMPORT_REF.findall(body) if ref.strip())
    return TextParts(load_yaml(yaml_text, path, yaml_line), body_line, title_of(body, path), refs, len(raw))


class _NeedsText(Exception):
    """An error whose line only the prompt's text can give."""


def prompt_from_parts(
    path: str,
    digest: str,
    parts: TextParts,
    *,
    default_outputs: tuple[str, ...] = (),
    defaults: dict[str, Any] | None = None,
    raw: bytes | None = None,
) -> Prompt | None:
    """The prompt whose bytes (`raw`, if the caller read them) gave `parts`. Without its bytes, an invalid prompt
    gives None: `parse_prompt` on the bytes then says where the error is."""

    def located() -> tuple[str, int]:  # the frontmatter's text and first line, for an error's line number
        if raw is None:
            raise _NeedsText
        yaml_text, _, yaml_line, _ = split_frontmatter(decode(raw, path), path)
        return yaml_text, yaml_line

    try:
        try:
            frontmatter = Frontmatter.model_validate(merge_defaults(defaults, parts.data) if defaults else parts.data)
        except ValidationError as err:
            yaml_text, yaml_line = located()
            raise explain(err, Frontmatter, path, yaml_text, toml=False, line_offset=yaml_line - 1) from None
        outputs = _normalise_all(frontmatter.outputs, path, "output", located) or default_outputs
        imports = _normalise_all(frontmatter.imports, path, "import", located)
    except _NeedsText:
        return None
    for imp in imports:
        if not imp.endswith(PROMPT_SUFFIX):
            raise ConfigError(
                f"{path}: import `{imp}` is not a prompt file; imports name other `*{PROMPT_SUFFIX}` files"
            )
    # Every field was computed and checked above; skipping pydantic's re-validation halves a cached parse.
    return Prompt.model_construct(
        PROMPT_FIELDS,
        path=path,
        digest=digest,
        size=parts.size,
        frontmatter=frontmatter.overrides(),
        declares_outputs=bool(frontmatter.outputs),
        body_line=parts.body_line,
        title=parts.title,
        outputs=outputs,
        imports=imports,
        body_refs=parts.refs,
    )


LIST_KEYS = ("imports", "context")


def merge_defaults(defaults: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """`own` over `defaults`: a key the prompt sets wins, except the lists (imports, context), which add up."""
    merged = {**defaults, **own}
    for key in LIST_KEYS:
        if key in defaults and key in own and isinstance(own[key], list):
            merged[key] = [*defaults[key], *(v for v in own[key] if v not in defaults[key])]
    return merged


MAX_NESTING = 100  # frontmatter nests a few levels; far below what exhausts a parser's stack


def load_yaml(yaml_text: str, path: str, first_line: int) -> dict[str, Any]:
    if not yaml_text.strip():
        return {}
    plain = plain_yaml.load(yaml_text)
    if plain is not None:
        return plain
    from lit_tasks.model import core_schema  # ruamel.yaml: only for frontmatter beyond the plain subset

    depth, line = nesting(yaml_text)
    if depth > MAX_NESTING:  # the C parser recurses on its own stack: 40,000 levels end in a segfault
        raise ConfigError(
            f"{path}:{line + first_line - 1}: frontmatter nested {depth} deep; lit reads at most {MAX_NESTING} levels"
        )
    try:
        data = core_schema.load(yaml_text)
    except core_schema.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        where = f"{path}:{mark.line + first_line}" if mark is not None else path
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(f"{where}: invalid YAML frontmatter: {problem}") from None
    except (ValueError, RecursionError) as err:  # a value the schema cannot build, nesting too deep
        raise ConfigError(f"{path}: invalid YAML frontmatter: {str(err).splitlines()[0]}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:{first_line}: frontmatter must be a mapping of keys (outputs, imports, ...)")
    return data


def _normalise_all(values: list[str], path: str, what: str, located: Callable[[], tuple[str, int]]) -> tuple[str, ...]:
    result: list[str] = []
    for value in values:
        try:
            norm = normalise_relpath(value)
        except UnsafePathError as err:
            yaml_text, yaml_line = located()
            line = _line_of(yaml_text, value)
            where = f"{path}:{line + yaml_line - 1}" if line else path
            raise ConfigError(f"{where}: {what} path {err}") from None
        if norm in result:
            raise ConfigError(f"{path}: {what} `{norm}` is listed twice")
        result.append(norm)
    return tuple(result)


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None
