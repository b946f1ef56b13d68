"""Bad input through the real command: each gets a message naming the file (and line), never a traceback."""

from __future__ import annotations

import os

import pytest

from tests.conftest import LitProjectDir
from tests.fake_llm import FakeLLM

CASES = [
    (
        "malformed-yaml",
        "prompts/a.prompt.md",
        b"---\noutputs: [a.py\nimports: []\n---\n",
        "prompts/a.prompt.md:",
        "invalid YAML",
    ),
    (
        "non-utf8-prompt",
        "prompts/a.prompt.md",
        b"---\noutputs: [a.py]\n---\n\xff\xfe caf\xe9\n",
        "prompts/a.prompt.md:4",
        "not valid UTF-8",
    ),
    ("empty-prompt", "prompts/a.prompt.md", b"", "prompts/a.prompt.md:1", "must start with YAML frontmatter"),
    (
        "self-import",
        "prompts/a.prompt.md",
        b"---\noutputs: [a.py]\nimports: [prompts/a.prompt.md]\n---\n",
        "prompts/a.prompt.md -> prompts/a.prompt.md",
        "circular imports",
    ),
    ("malformed-toml", "lit.toml", b'[project]\nname = "x\n', "lit.toml", "line 2"),
    ("empty-toml", "lit.toml", b"", "lit.toml", "missing required key `project`"),
    ("non-utf8-toml", "lit.toml", b'[project]\nname = "\xff"\n', "lit.toml", "not valid UTF-8"),
    (
        "toml-nested-1000-deep",
        "lit.toml",
        b'[project]\nname = "x"\n\n[extra]\ndeep = ' + b"[" * 1000 + b"]" * 1000 + b"\n",
        "lit.toml:5",
        "nested too deeply",
    ),
    (
        "frontmatter-nested-1000-deep",
        "prompts/a.prompt.md",
        b"---\noutputs: " + b"[" * 1000 + b"]" * 1000 + b"\n---\n",
        "prompts/a.prompt.md:2",
        "frontmatter nested 1000 deep; lit reads at most 100 levels",
    ),
    (
        "frontmatter-nested-40000-deep",  # libyaml recurses on the C stack: this deep it would crash the process
        "prompts/a.prompt.md",
        b"---\noutputs: [a.py]\ndeep: " + b"[" * 40_000 + b"]" * 40_000 + b"\n---\n",
        "prompts/a.prompt.md:3",
        "frontmatter nested 40000 deep",
    ),
]


@pytest.mark.parametrize("name, path, data, where, what", CASES, ids=[c[0] for c in CASES])
def test_bad_files_get_a_message_naming_them(
    project: LitProjectDir, fake_llm: FakeLLM, capsys, name, path, data, where, what
) -> None:
    project.prompt("ok", ["ok.py"], spec=["X = 1"])
    (project.root / path).parent.mkdir(parents=True, exist_ok=True)
    (project.root / path).write_bytes(data)
    assert project.lit("regenerate") == 2
    err = capsys.readouterr().err
    assert where in err and what in err, err
    assert "Traceback" not in err
    assert fake_llm.count() == 0, "nothing is generated while the project is invalid"


def test_bom_and_crlf_prompts_generate_normally(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    (project.root / "prompts").mkdir()
    (project.root / "prompts/a.prompt.md").write_bytes(
        "\ufeff---\r\noutputs: [a.py]\r\n---\r\n# A\r\n> X = 1\r\n".encode()
    )
    assert project.lit("regenerate") == 0
    assert project.code("a.py").startswith("# a.py")


def test_symlink_loops_under_prompts_are_skipped(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.prompt("sub/a", ["a.py"], spec=["X = 1"])
    os.symlink(project.root / "prompts", project.root / "prompts/sub/loop")
    os.symlink(project.root / "prompts/sub", project.root / "prompts/sub/again")
    assert project.lit("regenerate") == 0
    assert fake_llm.count() == 1


def test_a_misspelt_provider_is_a_configuration_error_for_every_command(project: LitProjectDir) -> None:
    project.write("lit.toml", (project.root / "lit.toml").read_text().replace('"anthropic"', '"opnai"'))
    project.prompt("a", ["a.py"], spec=["A = 1"])
    for command in ("check", "regenerate", "status"):
        result = project.run("lit", command)
        assert result.returncode == 2, (command, result.stderr)
        assert "unknown provider `opnai` (did you mean `openai`?)" in result.stderr
