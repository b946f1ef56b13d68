"""lit's doit file checker, apart from `hashing` so that commands which never run doit never import it."""

from __future__ import annotations

import os

from doit.dependency import FileChangedChecker

from lit_tasks.io.hashing import STAT_HASHES


class XXH3Checker(FileChangedChecker):
    """doit file checker: stat first (mtime_ns), then size, then XXH3-128 of the content.

    The content hash is what gives early cutoff: a regenerated output with a new mtime but identical bytes
    leaves its dependents up to date. A timestamp checker would rebuild them.
    """

    def check_modified(self, file_path: str, file_stat: os.stat_result, state: list) -> bool:
        mtime_ns, size, digest = state
        if file_stat.st_mtime_ns == mtime_ns:
            return False
        if file_stat.st_size != size:
            return True
        return digest != STAT_HASHES.of(file_path, file_stat)

    def get_state(self, dep: str, current_state: list | None) -> tuple[int, int, str] | None:
        """The state doit saves of `dep` (a tuple: doit's DB holds one for every input of every task until the run
        ends, and saves it as the list it reads back)."""
        st = os.stat(dep)
        if current_state and current_state[0] == st.st_mtime_ns and current_state[1] == st.st_size:
            return None
        return (st.st_mtime_ns, st.st_size, STAT_HASHES.of(dep, st))
