"""Frontmatter of the plain subset is read without a YAML parser, and always exactly as the parser reads it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lit_tasks.model import core_schema, plain_yaml

WORDS = st.sampled_from(
    ["src/app.py", "prompts/a.prompt.md", "no", "on", "yes", "null", "True", "017", "0x1F", ".inf", "1.5", "-x",
     "a-b_c.d", "/abs", "~", "y", "n", "NULL", "x: y", "a#b", "'q'", "[x]", "", "<<", "é", "a b"]
)  # fmt: skip
KEYS = st.sampled_from(["outputs", "imports", "context", "model", "true", "null", "a-b", "x_1", "1x", "<<"])
SPACE = st.sampled_from(["", " ", "  "])


@st.composite
def documents(draw: st.DrawFn) -> str:
    """Frontmatter near the plain subset: within it, just outside it, and plainly not it."""
    lines = []
    for _ in range(draw(st.integers(0, 4))):
        key = draw(KEYS)
        shape = draw(st.sampled_from(["word", "block", "flow", "empty", "comment", "junk"]))
        if shape == "word":
            lines.append(f"{key}:{draw(st.sampled_from([' ', '  ']))}{draw(WORDS)}{draw(SPACE)}")
        elif shape == "block":
            lines.append(f"{key}:")
            indent = draw(SPACE)
            for _ in range(draw(st.integers(0, 3))):
                lines.append(f"{draw(st.sampled_from([indent, indent, ' ']))}- {draw(WORDS)}")
        elif shape == "flow":
            items, sep = draw(st.lists(WORDS, max_size=3)), draw(st.sampled_from([", ", ","]))
            lines.append(f"{key}: [{sep.join(items)}]")
        elif shape == "empty":
            lines.append(f"{key}:")
        elif shape == "comment":
            lines.append(f"{draw(SPACE)}# a note: {draw(WORDS)}")
        else:
            lines.append(draw(st.sampled_from(["  nested: x", "...", "- stray", "k: v # trailing", "\tk: v", "k:v"])))
    return "\n".join(lines)


def parsed(text: str) -> object:
    try:
        return core_schema.load(text)
    except (core_schema.YAMLError, ValueError) as err:
        return type(err)


@settings(max_examples=2000, deadline=None)
@given(documents())
def test_the_plain_reader_reads_what_the_parser_reads_or_leaves_it_to_the_parser(text: str) -> None:
    plain = plain_yaml.load(text)
    if plain is not None:
        assert plain == parsed(text), text


def test_the_usual_frontmatter_is_read_without_the_parser() -> None:
    text = "outputs:\n  - src/app.py\n  - src/util.py\n# the API\nimports: [prompts/base.prompt.md]\nlanguage: python"
    assert plain_yaml.load(text) == {
        "outputs": ["src/app.py", "src/util.py"],
        "imports": ["prompts/base.prompt.md"],
        "language": "python",
    }


def test_what_the_core_schema_reads_as_no_string_is_left_to_the_parser() -> None:
    for text in ("a: true", "a: null", "a: 017", "a: .inf", "true: a", "a:\nb: c", "a: [x, 1]", "a: b # c", "a: ~"):
        assert plain_yaml.load(text) is None, text


PLAIN_WORDS = st.from_regex(r"[A-Za-z_/][A-Za-z0-9_./-]{0,12}", fullmatch=True).filter(
    lambda w: w not in plain_yaml.NOT_STRINGS
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["outputs", "imports", "context", "language", "fix_attempts"]),
        st.one_of(PLAIN_WORDS, st.lists(PLAIN_WORDS, min_size=1, max_size=4)),
        min_size=1,
    ),
    st.booleans(),
)
def test_every_document_of_the_plain_subset_is_read_without_the_parser(data: dict, flow: bool) -> None:
    lines = []
    for key, value in data.items():
        if isinstance(value, str):
            lines.append(f"{key}: {value}")
        elif flow:
            lines.append(f"{key}: [{', '.join(value)}]")
        else:
            lines += [f"{key}:", *(f"  - {v}" for v in value)]
    text = "\n".join(lines)
    assert plain_yaml.load(text) == parsed(text) == data
