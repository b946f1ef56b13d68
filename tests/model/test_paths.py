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


@pytest.mark.parametrize("bulk", [False, True], ids=["one lstat per file", "one listing per directory"])
def test_a_symlink_leaving_code_lock_is_rejected(tmp_path: Path, bulk: bool) -> None:
    code = tmp_path / "code.lock"
    (code / "pkg").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, code / "link")
    with pytest.raises(UnsafePathError, match="outside"):
        Sandbox(code, bulk=bulk).check("link/x.py")
    assert Sandbox(code, bulk=bulk).check("pkg/x.py") == "pkg/x.py"
    os.symlink(outside / "target.py", code / "file-link.py")
    os.symlink(outside / "target.py", code / "pkg" / "deep-link.py")
    os.symlink(code / "pkg" / "x.py", code / "pkg" / "inside-link.py")
    sandbox = Sandbox(code, bulk=bulk)
    with pytest.raises(UnsafePathError, match="outside"):
        sandbox.check("file-link.py")
    with pytest.raises(UnsafePathError, match="outside"):
        sandbox.check("pkg/deep-link.py")
    assert sandbox.check("pkg/inside-link.py") == "pkg/inside-link.py", "a link that stays inside is fine"
    assert sandbox.check("new/dir/y.py") == "new/dir/y.py", "a directory not made yet holds no link"


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
