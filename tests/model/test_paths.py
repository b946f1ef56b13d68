"""Path normalisation and the code.lock/ sandbox."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lit_tasks.model.paths import Sandbox, UnsafePathError, normalise_relpath


@pytest.mark.parametrize(
    "raw, expected",
    [("a.py", "a.py"), ("./a.py", "a.py"), ("src//pkg/./x.py", "src/pkg/x.py"), (" src/x.py ", "src/x.py")],
)
def test_equivalent_spellings_normalise_to_one_key(raw: str, expected: str) -> None:
    assert normalise_relpath(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "/etc/passwd", "../x.py", "a/../../x", "a/../b.py", "C:\\x.py", "c:/x.py", "src\\x.py", "~/x", ".", "a\x00b"],
)
def test_unsafe_or_unportable_paths_are_rejected(raw: str) -> None:
    with pytest.raises(UnsafePathError):
        normalise_relpath(raw)


def test_a_symlink_leaving_code_lock_is_rejected(tmp_path: Path) -> None:
    code = tmp_path / "code.lock"
    code.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, code / "link")
    with pytest.raises(UnsafePathError, match="outside"):
        Sandbox(code).check("link/x.py")
    assert Sandbox(code).check("pkg/x.py") == "pkg/x.py"
    os.symlink(outside / "target.py", code / "file-link.py")
    with pytest.raises(UnsafePathError, match="outside"):
        Sandbox(code).check("file-link.py")


@given(st.text(max_size=40))
def test_normalised_paths_never_escape(raw: str) -> None:
    try:
        rel = normalise_relpath(raw)
    except UnsafePathError:
        return
    assert not rel.startswith("/")
    assert ".." not in rel.split("/")
    assert "\\" not in rel
    assert normalise_relpath(rel) == rel
