"""A cloned repository is untrusted input: links it commits that lead out of the project are refused when the
project loads (exit 2), naming the link; no command reads, prints, serves or sends what they lead to."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from lit_tasks.web.app import create_app
from tests.conftest import LitProjectDir, lit_toml, prompt_text
from tests.fake_llm import FakeLLM

SECRET = "https://alice:ghp_SECRET_TOKEN_0123@github.com"
FOLDER_SECRET = "SECRET_PROMPT_IN_A_FOLDER_ELSEWHERE"


def git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "m", "GIT_AUTHOR_EMAIL": "m@x", "GIT_COMMITTER_NAME": "m"}
    subprocess.run(["git", *args], cwd=cwd, env=env | {"GIT_COMMITTER_EMAIL": "m@x"}, check=True, capture_output=True)


def elsewhere(tmp_path: Path) -> tuple[Path, Path]:
    """A credentials file and a folder holding a prompt, both outside any project."""
    secrets = tmp_path / "home"
    (secrets / "folder").mkdir(parents=True)
    (secrets / ".git-credentials").write_text(SECRET + "\n")
    (secrets / "folder/stolen.prompt.md").write_text(prompt_text(["stolen.py"], spec=[FOLDER_SECRET]))
    return secrets / ".git-credentials", secrets / "folder"


LinkMaker = Callable[[Path, Path, Path], str]  # (project root, credentials file, folder) -> the link as shown


def prompt_to_passwd(root: Path, creds: Path, folder: Path) -> str:
    os.symlink("/etc/passwd", root / "prompts/evil.prompt.md")
    return "prompts/evil.prompt.md"


def prompt_to_credentials(root: Path, creds: Path, folder: Path) -> str:
    os.symlink(creds, root / "prompts/creds.prompt.md")
    return "prompts/creds.prompt.md"


def folder_of_prompts(root: Path, creds: Path, folder: Path) -> str:
    os.symlink(folder, root / "prompts/ext")
    return "prompts/ext"


def guideline_file(root: Path, creds: Path, folder: Path) -> str:
    (root / "lit.toml").write_text((root / "lit.toml").read_text() + '\n[context]\nfiles = ["GUIDE.md"]\n')
    os.symlink(creds, root / "GUIDE.md")
    return "GUIDE.md"


def module_file(root: Path, creds: Path, folder: Path) -> str:
    os.symlink(creds, root / "prompts/module.lit.md")
    return "prompts/module.lit.md"


def saved_patch(root: Path, creds: Path, folder: Path) -> str:
    (root / ".lit/patches").mkdir(parents=True)
    os.symlink(creds, root / ".lit/patches/a.py.patch")
    return ".lit/patches/a.py.patch"


def replay_folder(root: Path, creds: Path, folder: Path) -> str:
    (root / "lit.toml").write_text(lit_toml("replay", extra='\n[model.replay]\ndir = "answers"\n'))
    os.symlink(folder, root / "answers")
    return "answers"


def settings_file(root: Path, creds: Path, folder: Path) -> str:
    moved = root.parent / "elsewhere.toml"
    (root / "lit.toml").rename(moved)
    os.symlink(moved, root / "lit.toml")
    return "lit.toml"


LINKS = [
    prompt_to_passwd,
    prompt_to_credentials,
    folder_of_prompts,
    guideline_file,
    module_file,
    saved_patch,
    replay_folder,
    settings_file,
]


def cloned(project: LitProjectDir, tmp_path: Path, make_link: LinkMaker) -> tuple[LitProjectDir, str]:
    """The project with the link committed, as `git clone` gives it to someone else."""
    creds, folder = elsewhere(tmp_path)
    project.prompt("a", ["a.py"], spec=["A = 1"])
    project.write("dodo.py", "from lit_tasks import DOIT_CONFIG, task_regenerate  # noqa: F401\n")
    shown = make_link(project.root, creds, folder)
    git(project.root, "init", "-q")
    git(project.root, "add", "-A", "--force")
    git(project.root, "commit", "-qm", "a project with a link")
    git(tmp_path, "clone", "-q", str(project.root), "clone")
    clone = LitProjectDir(tmp_path / "clone")
    assert os.path.islink(clone.root / shown), "git keeps the link"
    return clone, shown


def never_leaked(text: str) -> None:
    for secret in ("root:x:0:0", "ghp_SECRET", FOLDER_SECRET, "/home/", "etc/passwd", "elsewhere.toml"):
        assert secret not in text, f"{secret!r} leaked: {text}"


@pytest.mark.parametrize("make_link", LINKS, ids=[f.__name__ for f in LINKS])
def test_a_link_out_of_a_clone_is_refused_by_name_and_its_target_never_read(
    project: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path, make_link: LinkMaker
) -> None:
    clone, shown = cloned(project, tmp_path, make_link)
    for argv in (["lit", "check"], ["lit", "regenerate"], ["lit", "debug", "all"], ["doit", "regenerate"]):
        done = clone.run(*argv)
        out = done.stdout + done.stderr
        assert done.returncode in ((2,) if argv[0] == "lit" else (2, 3)), f"{argv}: {out}"
        assert f"{shown} leads outside the project" in out, f"{argv}: {out}"
        assert "Traceback" not in out
        never_leaked(out)
    assert fake_llm.count() == 0, "nothing was sent"


@pytest.mark.parametrize("make_link", [prompt_to_credentials, folder_of_prompts], ids=["file", "folder"])
async def test_the_dashboard_of_such_a_clone_shows_the_refusal_and_never_the_target(
    project: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path, make_link: LinkMaker, aiohttp_client
) -> None:
    clone, shown = cloned(project, tmp_path, make_link)
    client = await aiohttp_client(create_app(clone.root))
    for path in ("/", "/api/prompts", f"/prompt/{shown}", "/runs", "/api/runs"):
        response = await client.get(path)
        text = await response.text()
        assert response.status in (200, 404, 503), f"{path}: {response.status}"
        never_leaked(text)
    page = await (await client.get("/")).text()
    assert f"{shown} leads outside the project" in page


def test_an_imported_output_that_leads_out_is_never_sent(
    project: LitProjectDir, fake_llm: FakeLLM, tmp_path: Path
) -> None:
    """code.lock/ is committed too: an importer's request carries its imports' outputs, read unless they lead out."""
    creds, _ = elsewhere(tmp_path)
    project.prompt("base", ["base.py"], spec=["B = 1"])
    project.prompt("app", ["app.py"], imports=["base"], spec=["A = 1"])
    assert project.lit("regenerate", "prompts/base.prompt.md") == 0
    (project.root / "code.lock/base.py").unlink()
    os.symlink(creds, project.root / "code.lock/base.py")
    done = project.run("lit", "regenerate", "prompts/app.prompt.md", "--force")
    assert done.returncode != 0 and "`base.py` leads outside code.lock/" in done.stderr, done.stderr
    never_leaked(done.stdout + done.stderr)
    assert not any(SECRET in call.prompt_text for call in fake_llm.calls), "the secret never reached the service"


@pytest.mark.parametrize("toml", ['[model.replay]\ndir = "../answers"\n', '[model.replay]\ndir = "/tmp"\n'])
def test_a_path_out_of_the_project_in_lit_toml_is_refused(project: LitProjectDir, toml: str) -> None:
    project.write("lit.toml", lit_toml("replay", extra="\n" + toml))
    project.prompt("a", ["a.py"], spec=["A = 1"])
    done = project.run("lit", "check")
    assert done.returncode == 2 and "unsafe replay directory" in done.stderr, done.stderr
