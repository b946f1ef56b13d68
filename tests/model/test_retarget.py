"""Rewriting a prompt's references with ruamel.yaml's round trip: only the lines naming the moved prompt change."""

from __future__ import annotations

from lit_tasks.model.retarget import retarget

OLD, NEW = "prompts/base.prompt.md", "prompts/core/base.prompt.md"


def rename_base(written: str) -> str | None:
    return {"prompts/base.prompt.md": NEW, "base.prompt.md": "core/base.prompt.md"}.get(written)


def test_only_the_lines_naming_the_prompt_change_bom_and_crlf_included() -> None:
    raw = (
        '\ufeff---\r\noutputs:\r\n- a.py\r\nimports:\r\n- base.prompt.md\r\n- "prompts/other.prompt.md"\r\n'
        "model:\r\n  temperature: 0.20   # tuned\r\nreview: yes\r\n---\r\n# A\r\n@import(prompts/base.prompt.md)\r\n"
    ).encode()
    done = retarget(raw, "prompts/a.prompt.md", rename_base)
    assert done is not None and not done.respaced
    expected = raw.replace(b"- base.prompt.md", b"- core/base.prompt.md").replace(OLD.encode(), NEW.encode())
    assert done.raw == expected


def test_a_comment_after_a_renamed_path_keeps_its_column() -> None:
    raw = b"---\nimports:\n  - prompts/base.prompt.md         # the model\n---\n"
    done = retarget(raw, "prompts/a.prompt.md", rename_base)
    assert done is not None and done.raw == b"---\nimports:\n  - prompts/core/base.prompt.md    # the model\n---\n"


def test_spacing_ruamel_cannot_keep_is_reported_and_the_values_are_kept() -> None:
    raw = b"---\noutputs: [ a.py ]\nimports: [prompts/base.prompt.md]\n---\n"
    done = retarget(raw, "prompts/a.prompt.md", rename_base)
    assert done is not None and done.respaced
    assert done.raw == b"---\noutputs: [a.py]\nimports: [prompts/core/base.prompt.md]\n---\n"


def test_a_file_that_names_no_moved_prompt_is_left_alone() -> None:
    raw = b"---\nimports: [prompts/other.prompt.md]\n---\n@import(prompts/other.prompt.md)\n"
    assert retarget(raw, "prompts/a.prompt.md", rename_base) is None


def test_a_new_path_yaml_cannot_write_plain_in_a_flow_list_is_quoted() -> None:
    raw = b"---\noutputs: [a.py]\nimports: [prompts/base.prompt.md]\n---\n"
    done = retarget(raw, "prompts/a.prompt.md", lambda written: "prompts/a:b.prompt.md" if written == OLD else None)
    assert done is not None and done.raw == b"---\noutputs: [a.py]\nimports: ['prompts/a:b.prompt.md']\n---\n"
