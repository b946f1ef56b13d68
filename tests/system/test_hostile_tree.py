"""Hostile shapes of the tree on disk: what a cloned repository, a stray `mkfifo` or a model's answer can put
where lit reads and writes. Each case ends in one clear line naming the path, with nothing half-written, no
temp file left and no traceback, in every command."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import LitProjectDir
from tests.fake_llm import FakeLLM, Fault


def two_outputs(project: LitProjectDir) -> LitProjectDir:
    subprocess.run(["git", "init", "-q", str(project.root)], check=True)
    project.prompt("a", ["a.py", "b.py"], spec=["X = 1"])
    assert project.lit("regenerate") == 0
    return project


def no_temp_files(root: Path) -> bool:
    return not [p for p in root.rglob("*") if p.name.endswith(".lit-tmp")]


def test_an_output_replaced_by_a_directory_stops_before_any_call(
    project: LitProjectDir, fake_llm: FakeLLM, capsys
) -> None:
    two_outputs(project)
    project.prompt("a", ["a.py", "b.py"], spec=["X = 2"])
    (project.root / "code.lock/b.py").unlink()
    (project.root / "code.lock/b.py").mkdir()
    capsys.readouterr()
    assert project.lit("regenerate", "--force", "--no-cache", "prompts/a.prompt.md") == 1
    assert "code.lock/b.py is not a regular file (a directory, FIFO, socket or device)" in capsys.readouterr().err
    assert fake_llm.count() == 1, "no call is paid for an answer that could not be written"
    assert project.code("a.py") == "# a.py\nX = 1\n"
    assert no_temp_files(project.root)


def test_a_group_write_is_all_or_nothing(tmp_path: Path) -> None:
    from lit_tasks.io.atomic import write_all_atomic

    (tmp_path / "a.py").write_text("old a")
    (tmp_path / "b.py").mkdir()
    with pytest.raises(OSError) as failure:
        write_all_atomic({tmp_path / "a.py": b"new a", tmp_path / "b.py": b"new b", tmp_path / "c.py": b"new c"})
    assert failure.value.filename == str(tmp_path / "b.py") and failure.value.strerror == "it is a directory"
    assert (tmp_path / "a.py").read_text() == "old a" and not (tmp_path / "c.py").exists()
    assert no_temp_files(tmp_path)


def test_a_failed_rename_rolls_back_what_was_renamed(
    project: LitProjectDir, fake_llm: FakeLLM, monkeypatch, capsys
) -> None:
    from lit_tasks.io import atomic

    two_outputs(project)
    project.prompt("a", ["a.py", "b.py"], spec=["X = 2"])
    real_replace = atomic.os.replace

    def second_rename_fails(src: str, dst: str) -> None:
        if dst.endswith("b.py"):
            raise OSError(5, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", second_rename_fails)
    assert project.lit("regenerate") == 1
    assert "cannot write code.lock/b.py: Input/output error; no output was changed" in capsys.readouterr().err
    monkeypatch.undo()
    assert project.code("a.py") == "# a.py\nX = 1\n" and project.code("b.py") == "# b.py\nX = 1\n"
    assert no_temp_files(project.root)


@pytest.mark.parametrize("kind", ["directory", "fifo", "socket"])
def test_a_declared_output_that_is_not_a_file_is_reported_in_every_command(
    project: LitProjectDir, fake_llm: FakeLLM, capsys, kind: str
) -> None:
    two_outputs(project)
    target = project.root / "code.lock/b.py"
    target.unlink()
    if kind == "directory":
        target.mkdir()
    elif kind == "fifo":
        os.mkfifo(target)
    else:
        import socket

        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(target))
        sock.close()
    capsys.readouterr()
    for command, exit_code in (("check", 1), ("status", 0), ("regenerate", 1)):  # status informs, never fails
        assert project.lit(command) == exit_code, command
        err = capsys.readouterr()
        text = err.out + err.err
        assert "code.lock/b.py is not a regular file" in text or "output code.lock/b.py is not a regular" in text, text
        assert "(regenerates)" not in text, "status does not promise a regeneration that will be refused"
        assert "Traceback" not in text and "internal error" not in text
    assert fake_llm.count() == 1, "no call is made for a prompt whose output cannot be written"


@pytest.mark.parametrize("which", ["code.lock", ".lit"])
def test_a_symlinked_state_directory_leaving_the_project_is_refused(
    project: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path, capsys, which: str
) -> None:
    project.prompt("a", ["a.py"], spec=["X = 1"])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, project.root / which)
    assert project.lit("regenerate", "--force") == 2
    err = capsys.readouterr().err
    assert f"{which} leads outside the project" in err and str(elsewhere) not in err, "the link, not its target"
    assert fake_llm.count() == 0 and not list(elsewhere.iterdir())


def test_a_symlinked_directory_inside_the_state_leaving_the_project_is_refused(
    project: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path, capsys
) -> None:
    project.prompt("a", ["a.py"], spec=["X = 1"])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project.root / ".lit/lock").mkdir(parents=True)
    os.symlink(elsewhere, project.root / ".lit/lock/prompts")
    assert project.lit("regenerate") == 2
    assert ".lit/lock/prompts leads outside the project" in capsys.readouterr().err
    assert fake_llm.count() == 0 and not list(elsewhere.iterdir()), "nothing is written through the link"


def test_every_write_into_a_project_is_checked_for_links_leading_out(tmp_path: Path) -> None:
    from lit_tasks.io.atomic import append_exclusive, confine, write_atomic
    from lit_tasks.io.confined import OutsideRootError

    root, elsewhere = tmp_path / "proj", tmp_path / "elsewhere"
    (root / ".lit/cache").mkdir(parents=True)
    elsewhere.mkdir()
    os.symlink(elsewhere, root / ".lit/cache/responses")
    confine(str(root))
    write_atomic(root / ".lit/cache/fine.json", b"{}")
    with pytest.raises(OutsideRootError, match="responses leads outside the project"):
        write_atomic(root / ".lit/cache/responses/ab/x.json", b"{}")
    with pytest.raises(OutsideRootError):
        append_exclusive(str(root / ".lit/cache/responses/pack"), b"x")
    assert not list(elsewhere.iterdir())


def test_an_output_name_as_long_as_the_file_system_allows(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    name = "m" * 252 + ".py"  # 255 bytes, the limit of ext4 and most file systems
    project.prompt("a", [name], spec=["X = 1"])
    assert project.lit("regenerate") == 0
    assert project.code(name) == f"# {name}\nX = 1\n"
    assert no_temp_files(project.root)


def test_control_characters_from_an_answer_never_reach_the_terminal(
    project: LitProjectDir, fake_llm: FakeLLM, capsys
) -> None:
    project.prompt("a", ["a.py"], spec=["X = 1"])
    fake_llm.fail_next(Fault(text="=== FILE: \x1b]0;pwned\x07\x1b[31mevil.py ===\nX = 1\n"))
    assert project.lit("regenerate") == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    assert "\\x1b]0;pwned\\x07\\x1b[31mevil.py" in err, "the path is shown, escaped"


def test_a_group_write_rolls_back_on_a_file_system_without_hard_links(tmp_path: Path, monkeypatch) -> None:
    from lit_tasks.io import atomic

    def no_links(*args, **kwargs) -> None:
        raise PermissionError(1, "Operation not permitted")

    real_replace = atomic.os.replace

    def second_fails(src: str, dst: str) -> None:
        if dst.endswith("b.py"):
            raise OSError(5, "Input/output error")
        real_replace(src, dst)

    (tmp_path / "a.py").write_text("old a")
    (tmp_path / "b.py").write_text("old b")
    monkeypatch.setattr(atomic.os, "link", no_links)
    monkeypatch.setattr(atomic.os, "replace", second_fails)
    with pytest.raises(OSError, match="Input/output error"):
        atomic.write_all_atomic({tmp_path / "a.py": b"new a", tmp_path / "b.py": b"new b"})
    assert (tmp_path / "a.py").read_text() == "old a" and (tmp_path / "b.py").read_text() == "old b"
    assert no_temp_files(tmp_path)


@pytest.mark.parametrize("kind", ["file", "fifo"])
def test_an_output_directory_replaced_by_something_else_stops_before_any_call(
    project: LitProjectDir, fake_llm: FakeLLM, capsys, kind: str
) -> None:
    project.prompt("a", ["pkg/c.py"], spec=["X = 1"])
    assert project.lit("regenerate") == 0
    shutil.rmtree(project.root / "code.lock/pkg")
    if kind == "file":
        (project.root / "code.lock/pkg").write_text("not a directory")
    else:
        os.mkfifo(project.root / "code.lock/pkg")
    capsys.readouterr()
    for args in (["regenerate"], ["regenerate", "--force", "prompts/a.prompt.md"]):
        assert project.lit(*args) == 1
        assert "code.lock/pkg is not a directory, so code.lock/pkg/c.py cannot be written" in capsys.readouterr().err
    assert fake_llm.count() == 1, "no call is paid for an answer that could not be written"


def test_an_output_name_longer_than_any_file_system_allows_is_refused_at_load(
    project: LitProjectDir, fake_llm: FakeLLM, capsys
) -> None:
    project.prompt("ok", ["ok.py"], spec=["X = 1"])
    project.prompt("a", ["m" * 253 + ".py"], spec=["X = 1"])  # 256 bytes
    assert project.lit("regenerate") == 2
    assert "has a name longer than 255 bytes" in capsys.readouterr().err
    assert fake_llm.count() == 0
