"""What every benchmark section shares: the interpreter and commands measured, timing a process, the machine."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PY = sys.executable
DOIT = str(Path(sys.executable).parent / "doit")
RUN_LIT = str(HERE / "run_lit.py")

# Measured as installed: with bytecode caches (pip compiles them at install; some machines, this one among
# them, set PYTHONDONTWRITEBYTECODE, which would add compiling lit's modules to every run).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"NO_COLOR": "1"}


PEAK_MB: list[float] = []  # the peak resident memory of every command run, in order (`peak_of`)


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`cmd` to completion; a failure stops the benchmark with what the command printed. Its peak resident
    memory (the kernel's count for that process alone, from `wait4`) is appended to PEAK_MB."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=cwd, env={**ENV, **(env or {})}, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        result = subprocess.CompletedProcess(cmd, proc.returncode, out.read(), err.read())
    PEAK_MB.append(usage.ru_maxrss / 1024)  # kilobytes on Linux
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd}:\n{result.stdout[-1000:]}{result.stderr[-2000:]}")
    return result


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, str]:
    """Wall seconds of `cmd`, and what it printed on stderr."""
    start = time.perf_counter()
    result = run(cmd, cwd, env)
    return time.perf_counter() - start, result.stderr


def peak_of(runs: int) -> float:
    """The highest peak memory, in MB, of the last `runs` commands run."""
    return max(PEAK_MB[-runs:])


def settle() -> None:
    """Flush what the previous step wrote (the synthetic project, its copies) before a timed build, so the
    disk's writeback of someone else's files is not billed to the build being measured."""
    os.sync()
    time.sleep(1)


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "os": platform.platform(),
        "date": date.today().isoformat(),
    }
