"""The generation step's guarantees: snapshots, atomic writes, clear failures, no secrets, mapping modes."""

from __future__ import annotations

import errno
import itertools
import os
import re
import threading

from lit_tasks.io import atomic
from tests.conftest import LitProjectDir, lit_toml
from tests.fake_llm import Call, FakeLLM, Fault, default_answer


def test_prompt_edited_during_the_call_fails_instead_of_recording_stale_code(
    project: LitProjectDir, fake_llm: FakeLLM, capsys
) -> None:
    path = project.prompt("base", ["base.py"], spec=["X = 1"])

    def edit_while_answering(call: Call) -> str:
        path.write_text(path.read_text().replace("X = 1", "X = 2"))
        return default_answer(call)

    fake_llm.answer_with(edit_while_answering)
    assert project.lit("regenerate") == 1
    assert "changed while prompts/base.prompt.md was being generated" in capsys.readouterr().err
    assert not (project.root / "code.lock/base.py").exists()
    fake_llm.answer_with(default_answer)
    assert project.lit("regenerate") == 0
    assert project.code("base.py") == "# base.py\nX = 2\n"


def test_a_prompt_edited_after_the_load_is_sent_in_neither_version(
    project: LitProjectDir, fake_llm: FakeLLM, capsys
) -> None:
    project.prompt("base", ["base.py"], spec=["X = 1"])
    app = project.prompt("app", ["app.py"], imports=["base"], spec=["A = 1"])

    def edit_app_while_base_is_answered(call: Call) -> str:
        app.write_text(app.read_text().replace("A = 1", "A = 2"))
        return default_answer(call)

    fake_llm.answer_with(edit_app_while_base_is_answered)
    assert project.lit("regenerate") == 1
    assert "prompts/app.prompt.md changed after lit loaded it" in capsys.readouterr().err
    assert fake_llm.count() == 1, "only base was asked for: app is neither the version loaded nor the one on disk"
    fake_llm.answer_with(default_answer)
    assert project.lit("regenerate") == 0
    assert project.code("app.py") == "# app.py\nA = 2\n"


def test_failed_prompt_stops_its_dependents_and_keeps_old_outputs(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.prompt("base", ["base.py"], spec=["X = 1"])
    project.prompt("app", ["app.py"], imports=["base"], spec=["A = 1"])
    assert project.lit("regenerate") == 0
    project.prompt("base", ["base.py"], spec=["X = 2"])
    project.prompt("app", ["app.py"], imports=["base"], spec=["A = 2"])
    fake_llm.fail_next(
        Fault(status=400, body={"type": "error", "error": {"type": "invalid_request_error", "message": "bad"}})
    )
    assert project.lit("regenerate") == 1
    assert project.code("base.py") == "# base.py\nX = 1\n"
    assert project.code("app.py") == "# app.py\nA = 1\n"
    assert fake_llm.count() == 3, "the dependent is not called after its import failed"


def test_outputs_are_written_atomically_and_keep_permissions(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.prompt("base", ["pkg/base.py"], spec=["X = 1"])
    project.lit("regenerate")
    target = project.root / "code.lock/pkg/base.py"
    os.chmod(target, 0o755)
    project.prompt("base", ["pkg/base.py"], spec=["X = 2"])
    project.lit("regenerate")
    assert oct(target.stat().st_mode & 0o777) == "0o755"
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".lit-tmp")]


def test_an_atomic_write_makes_its_directory_and_steps_over_a_stale_temp_name(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(atomic, "_temp_numbers", itertools.count())
    target = tmp_path / "new/dir/x.py"
    target.parent.mkdir(parents=True)
    stale = target.parent / f".x.py.{os.getpid()}-0.lit-tmp"  # the first name this process would pick
    stale.write_bytes(b"left by a killed run with the same pid")
    atomic.write_atomic(target, b"new")
    atomic.write_atomic(tmp_path / "other/y.py", b"y")
    assert target.read_bytes() == b"new" and (tmp_path / "other/y.py").read_bytes() == b"y"
    assert stale.read_bytes() == b"left by a killed run with the same pid", "never written through"
    assert sorted(p.name for p in target.parent.iterdir()) == [stale.name, "x.py"]
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~atomic._UMASK)


def test_generated_files_are_synced_once_at_exit_and_user_files_at_once(tmp_path, monkeypatch) -> None:
    fsynced: list[int] = []
    at_exit: list[object] = []
    monkeypatch.setattr(atomic.os, "fsync", fsynced.append)
    monkeypatch.setattr(atomic.atexit, "register", at_exit.append)
    monkeypatch.setattr(atomic, "_sync_registered", False)
    derived = {tmp_path / "code.lock/a.py": b"A", tmp_path / ".lit/lock/a.json": b"{}"}
    atomic.write_all_atomic(derived, durable=atomic.Durability.AT_EXIT)
    atomic.write_all_atomic(derived, durable=atomic.Durability.AT_EXIT)
    assert fsynced == [] and at_exit == [os.sync], "one sync for the process, none per file"
    atomic.write_atomic(tmp_path / ".lit/patches/a.py.patch", b"mine")
    assert len(fsynced) == 1, "a user's file is fsynced before it replaces the old one"
    monkeypatch.delattr(atomic.os, "sync")
    atomic.write_all_atomic(derived, durable=atomic.Durability.AT_EXIT)
    assert len(fsynced) == 3, "without os.sync every derived file is fsynced"
    assert {p.read_bytes() for p in derived} == {b"A", b"{}"}


def test_a_run_fsyncs_its_record_not_each_generated_file(
    project: LitProjectDir, fake_llm: FakeLLM, monkeypatch
) -> None:
    for name in ("a", "b", "c"):
        project.prompt(name, [f"{name}.py", f"{name}_more.py"], spec=["X = 1"])
    assert project.lit("regenerate") == 0
    fsynced: list[int] = []
    monkeypatch.setattr(atomic.os, "fsync", fsynced.append)
    for name in ("a", "b", "c"):
        project.prompt(name, [f"{name}.py", f"{name}_more.py"], spec=["X = 2"])
    assert project.lit("regenerate") == 0
    assert fake_llm.count() == 6 and project.code("c_more.py") == "# c_more.py\nX = 2\n"
    assert len(fsynced) == 1, "6 outputs and 3 lock entries wait for the sync at exit; the run's record does not"


def test_disk_full_during_the_write_fails_cleanly_and_keeps_files(
    project: LitProjectDir, fake_llm: FakeLLM, monkeypatch, capsys
) -> None:
    project.prompt("base", ["base.py", "more.py"], spec=["X = 1"])
    project.lit("regenerate")
    project.prompt("base", ["base.py", "more.py"], spec=["X = 2"])
    real_write = atomic.os.write
    writes: list[int] = []

    def full_after_one(fd: int, data: bytes) -> int:
        if writes:
            raise OSError(errno.ENOSPC, "No space left on device")
        writes.append(fd)
        return real_write(fd, data)

    monkeypatch.setattr(atomic.os, "write", full_after_one)
    assert project.lit("regenerate") == 1
    assert re.search(
        r"cannot write code\.lock/(base|more)\.py: No space left on device; no output was changed",
        capsys.readouterr().err,
    )
    assert project.code("base.py") == "# base.py\nX = 1\n" and project.code("more.py") == "# more.py\nX = 1\n"
    assert writes and not list(project.root.rglob("*.lit-tmp")), "the staged temp file is removed"


def test_missing_api_key_is_exit_2_before_any_call_and_only_when_a_call_is_needed(
    project: LitProjectDir, fake_llm: FakeLLM, monkeypatch, capsys
) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", str(project.root)], check=True)
    project.prompt("base", ["base.py"], spec=["X = 1"])
    project.prompt("other", ["other.py"], spec=["O = 1"])
    assert project.lit("regenerate") == 0
    project.write("lit.toml", lit_toml("anthropic"))  # the public endpoint, and no key in the environment
    capsys.readouterr()
    assert project.lit("regenerate") == 0, "all up to date: no key needed (a fresh clone in CI)"
    project.prompt("base", ["base.py"], spec=["X = 2"])
    for argv in (["regenerate"], ["regenerate", "--dry-run"], ["commit", "-m", "x"]):
        assert project.lit(*argv) == 2, argv
        err = capsys.readouterr().err
        assert err.strip().splitlines()[-1] == (
            "lit: error: prompts/base.prompt.md (generate): no Anthropic API key: set `ANTHROPIC_API_KEY` or "
            "`LIT_API_KEY` in the environment"
        )
    assert fake_llm.count() == 2, "no call was made"


def test_a_misspelt_model_is_exit_2_before_any_call_with_the_nearest_priced_name(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    proj = LitProjectDir(tmp_path / "p")
    proj.write("lit.toml", lit_toml("anthropic").replace("claude-sonnet-5", "claude-sonet-5"))
    proj.prompt("base", ["base.py"], spec=["X = 1"])
    assert proj.lit("regenerate") == 2
    err = capsys.readouterr().err
    assert "model `claude-sonet-5` is in no price entry (did you mean `claude-sonnet-5`?)" in err
    config = (proj.root / "lit.toml").read_text()
    proj.write("lit.toml", config + '\n[pricing."claude-sonet-5"]\ninput_per_million = 1.0\noutput_per_million = 2.0\n')
    assert proj.lit("regenerate", "--dry-run") == 0, "priced by the project: its name, its call"


def test_the_api_key_never_appears_in_files_or_messages(
    project: LitProjectDir, fake_llm: FakeLLM, monkeypatch, capsys
) -> None:
    secret = "sk-ant-SENTINEL-0123456789abcdef"
    monkeypatch.setenv("TEST_LLM_KEY", secret)
    project.prompt("base", ["base.py"], spec=["X = 1"])
    fake_llm.fail_next(
        Fault(
            status=401,
            body={"type": "error", "error": {"type": "authentication_error", "message": f"invalid x-api-key {secret}"}},
        )
    )
    assert project.lit("regenerate") == 1
    assert project.lit("regenerate") == 0
    out = capsys.readouterr()
    assert secret not in out.err + out.out and secret[:16] not in out.err
    assert any(secret in value for value in fake_llm.calls[0].headers.values()), "the key is sent, only sent"
    for path in project.root.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_sampling_parameters_are_sent_only_when_set(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.prompt("base", ["base.py"], spec=["X = 1"])
    project.lit("regenerate")
    assert "temperature" not in fake_llm.calls[0].body
    project.write(
        "lit.toml",
        lit_toml("anthropic", fake_llm.url).replace(
            'model = "claude-sonnet-5"', 'model = "claude-sonnet-5"\ntemperature = 0.0'
        ),
    )
    project.lit("regenerate")
    assert fake_llm.calls[1].body["temperature"] == 0.0, "a config change regenerates, and the new param is sent"


def blocks(call) -> list[dict]:  # noqa: ANN001 - a fake_llm Call
    return call.body["messages"][0]["content"]


def breakpoints(call) -> list[str]:  # noqa: ANN001
    """The first line of each cached block's first file: which prefixes the request asks to cache."""
    return [b["text"].split("### ", 1)[1].split("\n", 1)[0] for b in blocks(call) if "cache_control" in b]


def test_prompts_sharing_imports_share_a_prefix_cached_where_it_ends(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    big = "x" * 6000  # ~1,500 tokens: an import long enough to be worth caching
    project.prompt("a", ["a.py"], spec=[f"A = '{big}'"])
    project.prompt("b", ["b.py"], spec=[f"B = '{big}'"])
    project.prompt("p1", ["p1.py"], imports=["b", "a"], spec=["P1 = 1"])
    project.prompt("p2", ["p2.py"], imports=["a", "b"], spec=["P2 = 1"])
    project.prompt("p3", ["p3.py"], imports=["a"], spec=["P3 = 1"])
    assert project.lit("regenerate", "-j", "1") == 0
    calls = {c.declared[0]: c for c in fake_llm.calls}
    assert len({c.system for c in calls.values()}) == 1, "one system prompt for the whole project"
    assert "p1.py" not in calls["p1.py"].system, "a prompt's own outputs come last, not in the shared prefix"
    p1, p2 = blocks(calls["p1.py"]), blocks(calls["p2.py"])
    assert p1[:2] == p2[:2], "imported in one canonical order (the most imported first), whatever the frontmatter says"
    assert breakpoints(calls["p1.py"]) == ["a.py", "b.py"]  # a: shared by 3 requests; a then b: by 2
    assert breakpoints(calls["p3.py"]) == ["a.py"]
    assert "cache_control" not in blocks(calls["p1.py"])[-1], "the prompt's own body is never cached"
    assert blocks(calls["p1.py"])[-1]["text"].startswith("Declared output files:\n  - p1.py\n")


def test_no_breakpoint_where_no_prefix_is_shared_or_long_enough(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.prompt("base", ["base.py"], spec=["X = 1"])
    project.prompt("app", ["app.py"], imports=["base"], spec=["A = 1"])
    project.prompt("cli", ["cli.py"], imports=["base"], spec=["C = 1"])  # shared, but far below 1,024 tokens
    assert project.lit("regenerate") == 0
    for call in fake_llm.calls:
        assert "cache_control" not in call.body["system"][0] and not breakpoints(call)


def test_requests_are_byte_identical_across_runs(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.prompt("a", ["a.py"], spec=["A = 1"])
    project.prompt("b", ["b.py"], spec=["B = 1"])
    project.prompt("app", ["app.py"], imports=["b", "a"], spec=["C = 1"])
    project.lit("regenerate", "--no-cache")
    first = fake_llm.calls[-1].body
    project.lit("regenerate", "--force", "--no-cache")
    assert fake_llm.calls[-1].body == first


def test_direct_mapping_derives_output_paths(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.write("lit.toml", lit_toml("anthropic", fake_llm.url, mapping="direct"))
    project.write("prompts/models/user.prompt.md", "---\n---\n# User\n> class User: ...\n")
    assert project.lit("regenerate") == 0
    assert project.code("models/user.py") == "# models/user.py\nclass User: ...\n"


def test_static_files_are_written(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    project.write(
        "lit.toml",
        lit_toml("anthropic", fake_llm.url) + '\n[[static]]\npath = "pkg/__init__.py"\ncontent = "# package\\n"\n',
    )
    project.prompt("base", ["pkg/base.py"], spec=["X = 1"])
    assert project.lit("regenerate") == 0
    assert project.code("pkg/__init__.py") == "# package\n"


def test_undeclared_import_reference_warns_once(project: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    project.prompt("base", ["base.py"], spec=["X = 1"])
    project.write(
        "prompts/app.prompt.md", "---\noutputs: [app.py]\n---\n# App\nUses @import(prompts/base.prompt.md).\n"
    )
    assert project.lit("regenerate") == 0
    err = capsys.readouterr().err
    assert err.count("body references @import(prompts/base.prompt.md) but `imports:` does not list it") == 1


def test_graph_errors_stop_before_any_call(project: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    project.prompt("a", ["a.py"], imports=["b"])
    project.prompt("b", ["b.py"], imports=["a"])
    assert project.lit("regenerate") == 2
    assert "circular imports" in capsys.readouterr().err
    assert fake_llm.count() == 0


def test_regenerate_a_directory_selects_its_prompts_and_their_imports(
    project: LitProjectDir, fake_llm: FakeLLM
) -> None:
    project.prompt("core/base", ["base.py"], spec=["X = 1"])
    project.prompt("api/users", ["users.py"], imports=["core/base"], spec=["U = 1"])
    project.prompt("cli/main", ["main.py"], spec=["M = 1"])
    assert project.lit("regenerate", "prompts/api") == 0
    assert sorted(c.declared[0] for c in fake_llm.calls) == ["base.py", "users.py"]
    assert project.lit("regenerate", "prompts/nope.prompt.md") == 2


def test_parallel_failures_do_not_lose_finished_work(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    lock = threading.Lock()
    seen: list[str] = []

    def fail_one(call: Call) -> str:
        with lock:
            seen.append(call.declared[0])
        if call.declared[0] == "p3.py":
            return "no files here"
        return default_answer(call)

    fake_llm.answer_with(fail_one)
    for i in range(6):
        project.prompt(f"p{i}", [f"p{i}.py"], spec=[f"X = {i}"])
    assert project.lit("regenerate", "-j", "3") == 1
    fake_llm.answer_with(default_answer)
    before = fake_llm.count()
    assert project.lit("regenerate", "-j", "3") == 0
    finished_before = {f"p{i}.py" for i in range(6)} & set(seen) - {"p3.py"}
    again = {c.declared[0] for c in fake_llm.calls[before:]}
    assert not (again & finished_before), "prompts that finished are not paid for again"


def test_keep_going_builds_every_prompt_that_does_not_depend_on_a_failed_one(
    project: LitProjectDir, fake_llm: FakeLLM, capsys
) -> None:
    from tests.fake_llm import default_answer

    project.prompt("a", ["a.py"], spec=["A = 1"])
    project.prompt("b", ["b.py"], imports=["a"], spec=["B = 1"])
    project.prompt("c", ["c.py"], spec=["C = 1"])
    project.prompt("d", ["d.py"], imports=["b"], spec=["D = 1"])
    fake_llm.answer_with(lambda call: "no files here" if "a.py" in call.declared else default_answer(call))
    assert project.lit("regenerate", "-k", "-j", "1") == 1
    err = capsys.readouterr().err
    assert project.code("c.py") == "# c.py\nC = 1\n", "independent of the failure: built"
    assert not (project.root / "code.lock/b.py").exists() and not (project.root / "code.lock/d.py").exists()
    assert "skipped prompts/b.prompt.md: it depends on a prompt that failed" in err
    assert "skipped prompts/d.prompt.md: it depends on a prompt that failed" in err
    assert "4 prompts: 1 generated (2 calls, 0 from cache), 0 up to date, 1 failed, 2 skipped" in err
    assert "UnmetDependency" not in err and "Traceback" not in err


def test_an_unsaved_edit_of_an_imported_file_is_named_before_its_importers_are_paid_for(
    project: LitProjectDir, fake_llm: FakeLLM, capsys
) -> None:
    project.prompt("base", ["base.py"], spec=["B = 1"])
    project.prompt("app", ["app.py"], imports=["base"], spec=["A = 1"])
    assert project.lit("regenerate") == 0
    (project.root / "code.lock/base.py").write_text("# base.py\nB = 'edited'\n")
    project.prompt("app", ["app.py"], imports=["base"], spec=["A = 2"])
    capsys.readouterr()
    assert project.lit("regenerate", "prompts/app.prompt.md") == 0
    err = capsys.readouterr().err
    said = (
        "warning: code.lock/base.py (prompts/base.prompt.md) is edited by hand and not saved, and "
        "prompts/app.prompt.md imports it as it is now; `lit patch save code.lock/base.py` keeps the edit"
    )
    assert said in err and err.index(said) < err.index("generating prompts/app.prompt.md")


def test_the_lock_not_doits_db_decides_what_is_stale_after_git_moved_files(
    project: LitProjectDir, fake_llm: FakeLLM
) -> None:
    """git (a rebase, a merge) can bring back an older lock entry and its code while the prompt stays as this
    clone last built it: doit's local DB calls the prompt up to date, the lock calls it stale; the lock wins."""
    project.prompt("a", ["a.py"], spec=["A = 1"])
    assert project.lit("regenerate") == 0
    old = {rel: (project.root / rel).read_bytes() for rel in ("code.lock/a.py", ".lit/lock/prompts/a.prompt.md.json")}
    project.prompt("a", ["a.py"], spec=["A = 2"])
    assert project.lit("regenerate") == 0
    for rel, data in old.items():  # as a checkout of the older generation would leave them
        (project.root / rel).write_bytes(data)
    assert project.lit("check") == 1
    assert project.lit("regenerate") == 0
    assert project.code("a.py") == "# a.py\nA = 2\n" and project.lit("check") == 0
