"""`lit push`, `lit pull`, `lit clone`: git remotes, through the git command (its credentials and config).

User input is passed after `--`, so a value starting with `-` is never read as a git option (lit v1's
`clone` let `--upload-pack=...` through).
"""

from __future__ import annotations

import argparse
import os
import subprocess
from pathlib import Path

from lit_tasks.commands.check import run as check_run
from lit_tasks.commands.common import add_parser
from lit_tasks.io import progress
from lit_tasks.io.errors import LitError, UsageError
from lit_tasks.model.paths import CONFIG_FILE, find_root

EXAMPLES_PUSH = """\
  lit push                  git push (the current branch to its upstream)
  lit push origin main      with a remote and a refspec
"""
EXAMPLES_PULL = """\
  lit pull                  git pull; then `lit check` tells whether the pulled code.lock/ matches its prompts
"""
EXAMPLES_CLONE = """\
  lit clone https://example.com/team/app.git
  lit clone ../app my-copy  into a directory of your choice
It checks that the result is a lit project and runs `lit check` in it.
"""


def register(commands: argparse._SubParsersAction) -> None:
    push = add_parser(commands, "push", "git push", "Push commits to the remote.", EXAMPLES_PUSH)
    push.add_argument("args", nargs="*", metavar="ARG", help="remote and refspecs, passed to git after `--`")
    push.set_defaults(func=lambda a: git_in_project("push", a.args))
    pull = add_parser(commands, "pull", "git pull", "Pull commits from the remote.", EXAMPLES_PULL)
    pull.add_argument("args", nargs="*", metavar="ARG", help="remote and refspecs, passed to git after `--`")
    pull.set_defaults(func=lambda a: git_in_project("pull", a.args))
    clone = add_parser(
        commands, "clone", "git clone a lit project and check it", "Clone a lit project.", EXAMPLES_CLONE
    )
    clone.add_argument("url", metavar="URL")
    clone.add_argument("directory", nargs="?", metavar="DIR")
    clone.set_defaults(func=run_clone)


def git(args: list[str], cwd: Path) -> int:
    try:
        return subprocess.run(["git", *args], cwd=cwd).returncode
    except FileNotFoundError:
        raise LitError("the git command is not installed; lit uses it for remotes") from None


def git_in_project(verb: str, extra: list[str]) -> int:
    root = find_root(Path.cwd())
    rc = git([verb, "--", *extra] if extra else [verb], root)
    if rc != 0:
        raise LitError(f"git {verb} failed (exit {rc})")
    return 0


def run_clone(args: argparse.Namespace) -> int:
    url = args.url
    name = args.directory or url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
    if not name or name in (".", ".."):
        raise UsageError(f"cannot derive a directory name from {url}; give one: lit clone URL DIR")
    target = Path.cwd() / name
    rc = git(["clone", "--", url, str(target)], Path.cwd())
    if rc != 0:
        raise LitError(f"git clone failed (exit {rc})")
    if not (target / CONFIG_FILE).is_file():
        progress.emit("warn", f"{name} is not a lit project (no {CONFIG_FILE} at its top level)")
        return 1
    old = os.getcwd()
    os.chdir(target)
    try:
        rc = check_run(argparse.Namespace(json=False))
    finally:
        os.chdir(old)
    print(f"cloned lit project into {name}: " + ("lit check passes" if rc == 0 else "lit check fails (see above)"))
    return 0
