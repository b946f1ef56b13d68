"""lit's doit DB backend: overlapping runs share `.lit/doit.sqlite` without "database is locked"."""

from __future__ import annotations

from pathlib import Path

from doit.dependency import JSONCodec

from lit_tasks.engine.doit_db import LitSqliteDB


def test_a_failed_task_in_one_run_does_not_lock_out_another_run(tmp_path: Path) -> None:
    db = str(tmp_path / "doit.sqlite")
    failing, finishing = LitSqliteDB(db, JSONCodec()), LitSqliteDB(db, JSONCodec())
    failing.remove("regenerate:bad")  # doit drops a failed task's record at once; its run goes on
    finishing.set("regenerate:good", "deps:", ["x"])
    finishing.dump()  # doit's own sqlite3 backend waits 5 s here, then fails: "database is locked"
    failing.set("regenerate:other", "deps:", ["y"])
    failing.dump()
    rows = LitSqliteDB(db, JSONCodec())
    assert rows.get("regenerate:good", "deps:") == ["x"] and rows.get("regenerate:other", "deps:") == ["y"]
