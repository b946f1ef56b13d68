"""The `taskbook` command: add, done, rm and ls."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from taskbook.report import render_table, summary
from taskbook.service import TaskNotFound, TaskService
from taskbook.store import JsonStore, StoreError

DEFAULT_FILE = Path.home() / ".taskbook.json"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="taskbook", description="A small task tracker.")
    parser.add_argument("--file", type=Path, default=Path(os.environ.get("TASKBOOK_FILE", DEFAULT_FILE)), help="task file")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add a task")
    add.add_argument("title", nargs="+")
    add.add_argument("-p", "--priority", default="normal", help="low, normal or high")
    add.add_argument("-d", "--due", help="today, tomorrow, +3d, friday or 2026-12-01")
    add.add_argument("-t", "--tag", action="append", default=[], help="a tag (repeatable)")
    done = commands.add_parser("done", help="mark a task done")
    done.add_argument("id", type=int)
    rm = commands.add_parser("rm", help="remove a task")
    rm.add_argument("id", type=int)
    ls = commands.add_parser("ls", help="list tasks")
    ls.add_argument("--status", choices=["open", "done", "all", "overdue"], default="open")
    ls.add_argument("-t", "--tag")
    return parser


def main(argv: list[str] | None = None, today: date | None = None) -> int:
    args = build_parser().parse_args(argv)
    service = TaskService(JsonStore(args.file), today=today)
    try:
        if args.command == "add":
            task = service.add(" ".join(args.title), args.priority, args.due, args.tag)
            print(f"added #{task.id}: {task.title}")
        elif args.command == "done":
            task = service.complete(args.id)
            print(f"done #{task.id}: {task.title}")
        elif args.command == "rm":
            task = service.remove(args.id)
            print(f"removed #{task.id}: {task.title}")
        else:
            tasks = service.list(args.status, args.tag)
            sys.stdout.write(render_table(tasks, service.today))
            print(summary(service.list("all"), service.today))
    except (TaskNotFound, StoreError, ValueError) as err:
        print(f"taskbook: {err}", file=sys.stderr)
        return 1
    return 0
