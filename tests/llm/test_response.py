"""The `=== FILE: path ===` parser: strict, never writes text that is not code, never accepts an unsafe path."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lit_tasks.io.errors import LitError, ResponseError
from lit_tasks.llm.response import parse_response
from lit_tasks.model.paths import normalise_relpath


def test_files_are_split_and_end_with_one_newline() -> None:
    text = "=== FILE: a.py ===\nA = 1\n\n\n=== FILE: pkg/b.py ===\n\nB = 2"
    assert parse_response(text, ("a.py", "pkg/b.py")).files == {"a.py": "A = 1\n", "pkg/b.py": "B = 2\n"}


def test_preamble_and_fenced_epilogue_never_reach_a_file() -> None:
    text = "Here you go!\n=== FILE: a.py ===\n```python\nA = 1\n```\nLet me know if you need more.\n"
    parsed = parse_response(text, ("a.py",))
    assert parsed.files == {"a.py": "A = 1\n"}
    assert len(parsed.notes) == 2


def test_markdown_output_keeps_its_inner_fences() -> None:
    text = "=== FILE: README.md ===\n````markdown\n# T\n```sh\nmake\n```\n````\n"
    assert parse_response(text, ("README.md",)).files["README.md"] == "# T\n```sh\nmake\n```\n"


def test_an_empty_file_is_allowed() -> None:
    assert parse_response("=== FILE: pkg/__init__.py ===\n\n", ("pkg/__init__.py",)).files == {"pkg/__init__.py": ""}


def test_header_variants() -> None:
    text = "=== FILE: `a.py` ===\nA\n===FILE: ./b.py\nB\n"
    assert parse_response(text, ("a.py", "b.py")).files == {"a.py": "A\n", "b.py": "B\n"}


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "empty"),
        ("just some code", "no `=== FILE: path ===` sections"),
        ("=== FILE: a.py ===\nA\n", "`b.py` is missing"),
        ("=== FILE: a.py ===\nA\n=== FILE: b.py ===\nB\n=== FILE: a.py ===\nA2\n", "more than once"),
        ("=== FILE: a.py ===\nA\n=== FILE: b.py ===\nB\n=== FILE: c.py ===\nC\n", "`c.py` is not a declared output"),
        ("=== FILE: a.py ===\nA\n=== FILE: ../b.py ===\nB\n", "contains `..`"),
        ("=== FILE: /etc/b.py ===\nA\n", "absolute"),
        ("=== FILE: src\\b.py ===\nA\n", "backslash"),
        ("=== FILE: a.py ===\n```python\nA = (\n", "never closes"),
    ],
)
def test_protocol_violations_are_errors(text: str, fragment: str) -> None:
    with pytest.raises(ResponseError) as err:
        parse_response(text, ("a.py", "b.py"))
    assert fragment in str(err.value)


def test_no_positional_renaming_of_wrong_paths() -> None:
    """lit v1 renamed sections by position when counts matched, which could swap two files' contents."""
    with pytest.raises(ResponseError, match="not a declared output"):
        parse_response("=== FILE: b.py ===\nB\n=== FILE: x.py ===\nX\n", ("a.py", "b.py"))


PATHS = st.sampled_from(["a.py", "pkg/b.py", "../c.py", "/d.py", "e\\f.py", "./a.py", "", "pkg/../g.py"])
LINES = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.tuples(PATHS, st.lists(LINES, max_size=4)), max_size=4), st.lists(LINES, max_size=3))
def test_parser_only_raises_lit_errors_and_only_accepts_declared_safe_paths(sections, noise) -> None:
    text = "\n".join(noise) + "\n" + "".join(f"=== FILE: {p} ===\n" + "\n".join(lines) + "\n" for p, lines in sections)
    declared = ("a.py", "pkg/b.py")
    try:
        parsed = parse_response(text, declared)
    except LitError:
        return
    assert set(parsed.files) == set(declared)
    for path in parsed.files:
        assert normalise_relpath(path) == path


@settings(max_examples=1500, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes_the_parser(text: str) -> None:
    try:
        parse_response(text, ("a.py",))
    except LitError:
        pass
