"""doit's sqlite3 backend, made safe for lit runs that overlap on one DB (`backend: "lit-sqlite3"`).

doit keeps a run's records in memory and writes them in one short transaction when the run ends, which
overlapping runs can share. But it deletes a failed task's record at once, inside a transaction that then stays
open until its own run ends; any other run that finishes meanwhile waits 5 s for the write lock and dies with
"database is locked", losing every record of its run (reproduced with two plain doit runs, one failing task).
Here a deletion is committed at once, and a write waits up to `BUSY_TIMEOUT_S` for the lock instead of 5 s.
The file and its rows are doit's own: a project can switch between this backend and `sqlite3` freely.
"""

from __future__ import annotations

import sqlite3

from doit.dependency import SqliteDB

NAME = "lit-sqlite3"
BUSY_TIMEOUT_S = 60


class LitSqliteDB(SqliteDB):
    desc = "doit's sqlite3 backend with short write transactions, for overlapping lit runs"

    def _sqlite3(self, name: str) -> sqlite3.Connection:
        conn = super()._sqlite3(name)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        return conn

    def remove(self, task_id: str) -> None:
        super().remove(task_id)
        self._conn.commit()

    def remove_all(self) -> None:
        super().remove_all()
        self._conn.commit()
