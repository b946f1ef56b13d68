"""Build lit's release files and install the wheel into a fresh virtual environment, as a user would get it.

    python tools/install_wheel.py VENV

The files are built as a release builds them (docs/release.md): `python -m build` makes the sdist, then the
wheel from the sdist (so a file the sdist leaves out breaks the wheel), and `twine check --strict` checks
their metadata and that the README renders as the package page. The editable install that development uses
finds every module in the source tree, so a package or data file left out of the wheel goes unnoticed there;
`tests/test_installed.py` runs lit from VENV to catch it. They are built from a copy of the files git knows
(tracked or new, not ignored), never from the work tree, so a stale build folder or an untracked scratch file
cannot slip in. Without build isolation: the build backend is this environment's pinned setuptools, and no
package index is asked.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]


def source_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (REPO / name).is_file()]


def build_release(into: Path) -> Path:
    """The sdist and the wheel built from it, checked; returns the wheel."""
    source = into / "src"
    for name in source_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, source / name)
    dist = into / "dist"
    quiet = {"stdout": subprocess.DEVNULL}
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)], check=True, **quiet
    )
    (sdist,), (wheel,) = dist.glob("*.tar.gz"), dist.glob("*.whl")
    subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(wheel)], check=True, **quiet)
    return wheel


def install(wheel: Path, target: Path) -> None:
    """A venv without pip of its own (this interpreter's pip installs into it: seconds saved, same result)."""
    shutil.rmtree(target, ignore_errors=True)
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    constraints = REPO / "constraints.txt"
    subprocess.run(
        [*PIP, "--python", str(python), "install", "--no-compile", "-c", str(constraints), str(wheel)], check=True
    )


def main() -> int:
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__ or "")
        return 2
    target = Path(sys.argv[1]).resolve()
    with tempfile.TemporaryDirectory(prefix="lit-wheel-") as scratch:
        wheel = build_release(Path(scratch))
        install(wheel, target)
    print(f"installed {wheel.name} into {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
