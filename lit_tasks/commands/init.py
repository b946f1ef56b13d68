"""`lit init`: create a lit project in the current directory and make its first commit."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lit_tasks.commands.common import add_parser
from lit_tasks.io import progress
from lit_tasks.io.atomic import write_atomic
from lit_tasks.io.errors import ConfigError, UsageError
from lit_tasks.model.paths import CONFIG_FILE
from lit_tasks.state.workspace import Workspace

EXAMPLES = """\
  lit init                  ask for the project's name, language, framework, provider and model
  lit init --defaults       take the defaults (python 3.11, anthropic, claude-sonnet-5) without asking
  lit init --new-repo       make a git repository here, even inside another repository
It refuses to run inside an existing lit project, never overwrites a file, and commits only what it created.
Inside another git repository it commits there, and says so.
"""

TWO_LINE_DODO = '"""lit project: `doit regenerate` builds code.lock/ from prompts/."""\nfrom lit_tasks import DOIT_CONFIG, task_regenerate  # noqa: F401\n'
GITIGNORE_LINES = ["# lit: generated-code caches", "__pycache__/", "*.py[cod]", ".lit/cache/", ".lit/doit.sqlite*"]
QUESTIONS = [
    ("name", "project name"),
    ("language", "language"),
    ("language_version", "language version"),
    ("framework", "framework (empty for none)"),
    ("framework_version", "framework version"),
    ("provider", "provider (anthropic, openai, claude-code, replay)"),
    ("model", "model"),
]
# The model offered once a provider is chosen (replay answers from files and takes any name).
DEFAULT_MODELS = {"anthropic": "claude-sonnet-5", "openai": "gpt-5", "claude-code": "claude-sonnet-5"}


def register(commands: argparse._SubParsersAction) -> None:
    p = add_parser(
        commands,
        "init",
        "create a lit project here (lit.toml, dodo.py, prompts/, code.lock/, .lit/)",
        "Create a lit project in the current directory, `git init` if needed, and commit the new files.",
        EXAMPLES,
    )
    p.add_argument("--defaults", action="store_true", help="do not ask; use the defaults")
    p.add_argument(
        "--new-repo",
        action="store_true",
        help="make a git repository here even inside another one (default: commit into the enclosing one)",
    )
    p.set_defaults(func=run)


def defaults(here: Path) -> dict[str, str]:
    return {
        "name": here.name or "my-project",
        "language": "python",
        "language_version": "3.11",
        "framework": "",
        "framework_version": "",
        "provider": "anthropic",
        "model": "claude-sonnet-5",
    }


def ask(answers: dict[str, str]) -> dict[str, str]:
    for key, question in QUESTIONS:
        if key == "framework_version" and not answers["framework"]:
            continue
        sys.stderr.write(f"{question} [{answers[key]}]: ")
        sys.stderr.flush()
        line = sys.stdin.readline()
        if not line:
            break
        if line.strip():
            answers[key] = line.strip()
        if key == "provider":
            answers["model"] = DEFAULT_MODELS.get(answers["provider"], answers["model"])
    return answers


def config_text(a: dict[str, str]) -> str:
    import tomlkit

    doc = tomlkit.document()
    doc.add(tomlkit.comment("lit project configuration: `lit regenerate` turns prompts/ into code.lock/."))
    project = tomlkit.table()
    project.add("name", a["name"])
    project.add("version", "0.1.0")
    project.add("mapping", "manifest")
    project["mapping"].comment('each prompt lists its `outputs:`; or "direct": derived from the prompt\'s path')
    doc.add("project", project)
    language = tomlkit.table()
    language.add("default", a["language"])
    language.add("version", a["language_version"])
    doc.add("language", language)
    if a["framework"]:
        framework = tomlkit.table()
        framework.add("name", a["framework"])
        framework.add("version", a["framework_version"])
        doc.add("framework", framework)
    model = tomlkit.table()
    model.add("provider", a["provider"])
    model.add("model", a["model"])
    model.add("max_tokens", 16384)
    model.add(tomlkit.comment("temperature = 0.0   # sent only when set; newer models reject sampling parameters"))
    doc.add("model", model)
    api = tomlkit.table()
    api.add(tomlkit.comment('key_env = "MY_KEY"   # default: ANTHROPIC_API_KEY / OPENAI_API_KEY, then LIT_API_KEY'))
    api.add(tomlkit.comment('base_url = "http://localhost:11434"   # a proxy or a local server'))
    api.add("max_concurrent", 8)
    model.add("api", api)
    budget = tomlkit.table()
    budget.add(tomlkit.comment("max_usd_per_run = 5.0   # refuse runs that could cost more"))
    doc.add("budget", budget)
    return tomlkit.dumps(doc)


def run(args: argparse.Namespace) -> int:
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / CONFIG_FILE).is_file():
            raise UsageError(
                f"already inside a lit project ({candidate / CONFIG_FILE}); `lit status` shows where it stands"
            )
    answers = defaults(here)
    if not args.defaults:
        if sys.stdin.isatty():
            answers = ask(answers)
        else:
            progress.emit("note", "standard input is not a terminal: using the defaults (see lit init --defaults)")
    created = write_project(here, answers)
    commit, new = commit_project(here, created, args.new_repo)
    progress.emit("done", f"initialised lit project `{answers['name']}` in {here}")
    print(f"created: {', '.join(created)}")
    print(f"commit:  {commit[:7]} lit init{' (new git repository)' if new else ''}")
    print(
        "next:    write prompts/<name>.prompt.md (frontmatter `outputs:`), then `lit regenerate` and `lit commit -m ...`"
    )
    return 0


def write_project(here: Path, answers: dict[str, str]) -> list[str]:
    """The project's files, never over an existing one; returns what was created."""
    created: list[str] = []

    def create(rel: str, text: str) -> None:
        path = here / rel
        if path.exists():
            if rel == "dodo.py" and "task_regenerate" not in path.read_text(errors="replace"):
                progress.emit(
                    "warn",
                    "kept your dodo.py; for `doit regenerate`, add `from lit_tasks import DOIT_CONFIG, task_regenerate`",
                )
            return
        write_atomic(path, text.encode())
        created.append(rel)

    create(CONFIG_FILE, config_text(answers))
    create("dodo.py", TWO_LINE_DODO)
    create("prompts/.gitkeep", "")
    create("code.lock/.gitkeep", "")
    Workspace(here).ensure_state_dir()
    created.append(".lit/.gitignore")
    gitignore = here / ".gitignore"
    existing = gitignore.read_text(encoding="utf-8") if gitignore.exists() else ""
    missing = [line for line in GITIGNORE_LINES if line not in existing.splitlines()]
    if missing:
        prefix = "" if not existing or existing.endswith("\n") else "\n"
        write_atomic(gitignore, (existing + prefix + "\n".join(missing) + "\n").encode())
        created.append(".gitignore")
    from lit_tasks.io.git_driver import attributes_text  # generated files go through lit's merge driver

    attributes = here / ".gitattributes"
    text = attributes_text(attributes.read_text(encoding="utf-8") if attributes.exists() else "")
    if text is not None:
        write_atomic(attributes, text.encode())
        created.append(".gitattributes")
    return created


def commit_project(here: Path, created: list[str], new_repo: bool) -> tuple[str, bool]:
    """Commit what was created: in the enclosing repository (saying so), or a new one here; returns the commit
    and whether the repository is new."""
    import pygit2

    from lit_tasks.io.git import commit_files, init_repository

    found = None if new_repo else pygit2.discover_repository(str(here))
    repo = pygit2.Repository(found) if found else init_repository(here)
    if repo.workdir is None:
        raise ConfigError("this directory is inside a bare git repository; `lit init --new-repo` makes one here")
    if Path(repo.workdir).resolve() != here:
        progress.emit(
            "note",
            f"{here} is inside the git repository at {Path(repo.workdir).resolve()}: the new files are committed "
            "there (`lit init --new-repo` makes a repository of this folder instead)",
        )
    from lit_tasks.io.git_driver import register

    register(repo)  # the driver the .gitattributes lines name, in this clone's config (`lit git-setup` in others)
    prefix = here.relative_to(Path(repo.workdir).resolve()).as_posix()
    paths = [rel if prefix == "." else f"{prefix}/{rel}" for rel in created]
    return commit_files(repo, paths, "lit init"), not found
