"""Prompt files: frontmatter split, keys, overrides, and errors with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lit_tasks.io.errors import ConfigError, GenerationError, LitError
from lit_tasks.io.hashing import STAT_HASHES, hash_bytes
from lit_tasks.model.project import load_project
from lit_tasks.model.prompt import TextParts, body_of, parse_prompt, prompt_from_parts, text_parts
from tests.conftest import lit_toml

V1_PROMPT = b"""---
outputs:
  - src/models/user.py
  - ./src/models/__init__.py
imports:
  - prompts/models/base.prompt.md
model:
  provider: anthropic
  model: claude-opus-4-6
  temperature: 0.2
language: typescript
---

# User model

Uses @import(prompts/models/base.prompt.md).
"""


def test_a_v1_prompt_parses_with_every_key() -> None:
    prompt = parse_prompt("prompts/models/user.prompt.md", V1_PROMPT)
    assert prompt.outputs == ("src/models/user.py", "src/models/__init__.py")
    assert prompt.imports == ("prompts/models/base.prompt.md",)
    assert prompt.frontmatter.model is not None and prompt.frontmatter.model.model == "claude-opus-4-6"
    assert prompt.frontmatter.language == "typescript"
    assert prompt.title == "User model"
    assert prompt.body_refs == ("prompts/models/base.prompt.md",)
    assert (prompt.digest, prompt.size) == (hash_bytes(V1_PROMPT), len(V1_PROMPT))
    assert body_of(V1_PROMPT, prompt.path) == "\n# User model\n\nUses @import(prompts/models/base.prompt.md).\n"


def test_prompts_that_set_only_outputs_and_imports_share_their_settings_and_others_keep_theirs() -> None:
    plain = parse_prompt("prompts/a.prompt.md", b"---\noutputs: [a.py]\nimports: [prompts/b.prompt.md]\n---\n")
    other = parse_prompt("prompts/c.prompt.md", b"---\noutputs: [c.py]\n---\n")
    assert plain.frontmatter is other.frontmatter
    typed = parse_prompt("prompts/d.prompt.md", b"---\noutputs: [d.ts]\nlanguage: typescript\nfix_attempts: 2\n---\n")
    assert (typed.frontmatter.language, typed.frontmatter.fix_attempts) == ("typescript", 2)
    assert plain.frontmatter.language is None
    assert plain.declares_outputs
    assert not parse_prompt("prompts/e.prompt.md", b"---\nimports: []\n---\n").declares_outputs


def test_a_prompt_read_again_must_be_the_bytes_it_was_loaded_from(tmp_path: Path) -> None:
    (tmp_path / "lit.toml").write_text(lit_toml())
    (tmp_path / "prompts").mkdir()
    source = tmp_path / "prompts" / "a.prompt.md"
    source.write_bytes(b"---\noutputs: [a.py]\n---\n# A\n")
    project = load_project(tmp_path)
    assert project.prompt_bytes("prompts/a.prompt.md") == b"---\noutputs: [a.py]\n---\n# A\n"
    source.write_bytes(b"---\noutputs: [a.py]\n---\n# A, edited\n")
    with pytest.raises(GenerationError, match="changed after lit loaded it"):
        project.prompt_bytes("prompts/a.prompt.md")
    source.unlink()
    with pytest.raises(GenerationError, match="changed after lit loaded it"):
        project.prompt_bytes("prompts/a.prompt.md")


def test_bom_and_crlf_are_accepted() -> None:
    raw = "\ufeff---\r\noutputs: [a.py]\r\n---\r\n# Title\r\n".encode()
    prompt = parse_prompt("prompts/a.prompt.md", raw)
    assert prompt.outputs == ("a.py",) and prompt.title == "Title"


def test_a_typo_in_a_key_is_an_error_with_the_line_and_the_fix() -> None:
    raw = b"---\noutputs: [a.py]\nimport:\n  - prompts/b.prompt.md\n---\nbody\n"
    with pytest.raises(ConfigError) as err:
        parse_prompt("prompts/a.prompt.md", raw)
    assert "prompts/a.prompt.md:3: unknown key `import` (did you mean `imports`?)" in str(err.value)


@pytest.mark.parametrize(
    "frontmatter, expected",
    [
        ("model:\n  provider: replay\n  model: 3\n", ":5: `model.model` = 3"),  # not line 3, `model:` above it
        ("model:\n  api:\n    timeout_s: soon\n", ":5: `model.api.timeout_s` = 'soon'"),
        ("model:\n  pricing:\n    input_per_million: 3\n", ":4: missing required key `model.pricing.output_per_mil"),
        ("model: {provider: replay, modle: x}\n", ":3: unknown key `model.modle`"),  # a flow mapping: its line
    ],
)
def test_a_nested_key_error_names_the_line_of_that_key(frontmatter: str, expected: str) -> None:
    """The line of the key itself (for a missing key, of the table that lacks it), not the first line that
    has a key of the same name."""
    with pytest.raises(ConfigError) as err:
        parse_prompt("prompts/a.prompt.md", f"---\noutputs: [a.py]\n{frontmatter}---\nbody\n".encode())
    assert f"prompts/a.prompt.md{expected}" in str(err.value)


@pytest.mark.parametrize(
    "raw, fragment",
    [
        (b"no frontmatter\n", "must start with YAML frontmatter"),
        (b"---\noutputs: [a.py]\n", "unterminated frontmatter"),
        (b"---\noutputs: [a.py\n---\n", "invalid YAML"),
        (b"---\n- a\n- b\n---\n", "must be a mapping"),
        (b"---\noutputs: [/etc/passwd]\n---\n", "absolute"),
        (b"---\noutputs: [../x.py]\n---\n", "`..`"),
        (b"---\noutputs: [a.py, ./a.py]\n---\n", "listed twice"),
        (b"---\noutputs: [a.py]\nimports: [prompts/b.md]\n---\n", "not a prompt file"),
        (b"---\noutputs: [a.py]\noutputs: [b.py]\n---\n", "invalid YAML"),
        (b"\xff\xfe---\n", "not valid UTF-8"),
    ],
)
def test_bad_prompts_get_clear_errors(raw: bytes, fragment: str) -> None:
    with pytest.raises(ConfigError, match="prompts/x.prompt.md") as err:
        parse_prompt("prompts/x.prompt.md", raw)
    assert fragment in str(err.value)


def test_yaml_error_line_is_the_line_in_the_file() -> None:
    raw = b"---\noutputs: [a.py]\nimports: [\n---\n"
    with pytest.raises(ConfigError, match=r"prompts/x.prompt.md:[34]:"):
        parse_prompt("prompts/x.prompt.md", raw)


FRONTMATTER_KEYS = st.sampled_from(["outputs", "imports", "model", "language", "import", "output", "x"])
YAML_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)),
    max_leaves=6,
)


@settings(max_examples=2000, deadline=None)
@given(st.dictionaries(FRONTMATTER_KEYS, YAML_VALUES, max_size=4), st.text(max_size=60))
def test_any_frontmatter_gives_a_prompt_or_a_lit_error(keys: dict, body: str) -> None:
    import json

    raw = ("---\n" + "\n".join(f"{k}: {json.dumps(v)}" for k, v in keys.items()) + "\n---\n" + body).encode(
        "utf-8", "replace"
    )
    try:
        prompt = parse_prompt("prompts/p.prompt.md", raw)
    except LitError as err:
        assert "prompts/p.prompt.md" in str(err)
        return
    for out in prompt.outputs:
        assert not out.startswith("/") and ".." not in out.split("/")


@settings(max_examples=1500, deadline=None)
@given(st.binary(max_size=120))
def test_any_bytes_give_a_prompt_or_a_lit_error(raw: bytes) -> None:
    try:
        parse_prompt("prompts/p.prompt.md", raw)
    except LitError:
        pass


@pytest.mark.parametrize("pure", [False, True], ids=["libyaml", "pure-python"])
@pytest.mark.parametrize(
    ("scalar", "value"),
    [
        ("no", "no"),
        ("on", "on"),
        ("Yes", "Yes"),
        ("y", "y"),  # YAML 1.1 booleans are strings in 1.2
        ("true", True),
        ("False", False),
        ("TRUE", True),
        ("tRue", "tRue"),
        ("~", None),
        ("null", None),
        ("", None),
        ("017", 17),
        ("0o17", 15),
        ("0x1F", 31),
        ("-0", 0),
        ("+12", 12),  # no 1.1 leading-zero octal
        ("1_000", "1_000"),
        ("0b101", "0b101"),
        ("1:30", "1:30"),  # no 1.1 underscores, binary, base 60
        ("1.5", 1.5),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("-.inf", float("-inf")),
        ("2024-01-01", "2024-01-01"),
        ("=", "="),  # no timestamps, no value key
        ("'on'", "on"),
        ('"017"', "017"),
    ],
)
def test_frontmatter_scalars_follow_the_yaml_1_2_core_schema(scalar: str, value: object, pure: bool) -> None:
    from lit_tasks.model import core_schema

    loaded = core_schema.load(f"key: {scalar}\n", pure=pure)["key"]
    assert loaded == value and type(loaded) is type(value)


def test_outputs_named_like_yaml_1_1_booleans_stay_file_names_as_in_lit_v1() -> None:
    prompt = parse_prompt("prompts/flags.prompt.md", b"---\noutputs:\n  - no\n  - on\nfix_attempts: 010\n---\nbody\n")
    assert prompt.outputs == ("no", "on")
    assert prompt.frontmatter.fix_attempts == 10


def test_a_key_given_twice_is_an_error_with_its_line() -> None:
    with pytest.raises(
        ConfigError, match=r"prompts/a.prompt.md:4: invalid YAML frontmatter: key `outputs` is given twice"
    ):
        parse_prompt("prompts/a.prompt.md", b"---\noutputs: [a.py]\nimports: []\noutputs: [b.py]\n---\nbody\n")


def test_merge_keys_are_read_and_own_keys_win() -> None:
    prompt = parse_prompt(
        "prompts/m.prompt.md",
        b"---\noutputs: [m.go]\nmodel:\n  <<: {temperature: 0.5, max_tokens: 100}\n  max_tokens: 200\n---\nbody\n",
    )
    model = prompt.frontmatter.model
    assert model is not None and (model.temperature, model.max_tokens) == (0.5, 200)


class MemoryCache:
    """A parse cache in memory, as `.lit/cache/prompts.json` keeps one between runs."""

    def __init__(self) -> None:
        self.parts: dict[tuple[str, str], TextParts] = {}

    def get(self, path: str, digest: str) -> TextParts | None:
        return self.parts.get((path, digest))

    def put(self, path: str, digest: str, parts: TextParts) -> None:
        self.parts[(path, digest)] = parts


def test_a_load_reads_only_the_prompts_whose_version_it_does_not_know(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "lit.toml").write_text(lit_toml())
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts/a.prompt.md").write_text("---\noutputs: [a.py]\n---\n# A\nUses @import(b).\n")
    (tmp_path / "prompts/b.prompt.md").write_text("---\noutputs: [b.py]\n---\n# B\n")
    cache = MemoryCache()
    first = load_project(tmp_path, cache=cache)
    read = STAT_HASHES.read
    reads: list[str] = []
    monkeypatch.setattr(STAT_HASHES, "read", lambda path: reads.append(Path(path).name) or read(path))
    (tmp_path / "prompts/b.prompt.md").write_text("---\noutputs: [b.py, c.py]\n---\n# B, edited\n")
    second = load_project(tmp_path, cache=cache)
    assert reads == ["b.prompt.md"]
    assert second.graph.prompts["prompts/a.prompt.md"] == first.graph.prompts["prompts/a.prompt.md"]
    assert second.graph.prompts["prompts/b.prompt.md"].outputs == ("b.py", "c.py")


def test_a_prompt_built_from_its_parsed_text_needs_its_bytes_only_to_say_where_it_is_wrong() -> None:
    raw = b"---\noutputs:\n  - a.py\n  - ../outside.py\n---\n# A\n"
    parts = text_parts("prompts/a.prompt.md", raw)
    assert prompt_from_parts("prompts/a.prompt.md", hash_bytes(raw), parts) is None
    with pytest.raises(ConfigError, match=r"^prompts/a.prompt.md:4: output path"):
        prompt_from_parts("prompts/a.prompt.md", hash_bytes(raw), parts, raw=raw)
