"""What the release workflow (.github/workflows/release.yml) checks and prepares before it builds; docs/release.md.

    python tools/release.py check vX.Y.Z      the tag names lit's version, and CHANGELOG.md dates its section
    python tools/release.py readme BASE_URL   point README.md's relative links at BASE_URL (the package page)

The version has one source, `lit_tasks/version.py`, which setuptools reads for the package metadata. The
README's links to `docs/...` work on the repository's web page; on the package index a relative link would
lead nowhere, so the workflow makes them absolute, to the tagged revision, just before it builds.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VERSION_FILE = REPO / "lit_tasks" / "version.py"
CHANGELOG = REPO / "CHANGELOG.md"
README = REPO / "README.md"
RELATIVE_LINK = re.compile(r"\]\((?!https?://|mailto:|#)([^)\s]+)\)")


def version() -> str:
    found = re.search(r'^__version__ = "([^"]+)"$', VERSION_FILE.read_text(), re.M)
    if found is None:
        raise SystemExit(f"{VERSION_FILE.relative_to(REPO)}: no __version__ line")
    return found.group(1)


def check(tag: str, changelog: str, current: str) -> list[str]:
    """What stops a release of `tag`: each problem as a sentence saying what to do (none: go ahead)."""
    problems = []
    if tag != f"v{current}":
        problems.append(f"tag {tag} does not name the version {current} (lit_tasks/version.py): tag v{current}")
    heading = re.search(rf"^## \[{re.escape(current)}\] - (\S+)$", changelog, re.M)
    if heading is None:
        problems.append(f"CHANGELOG.md has no section `## [{current}] - YYYY-MM-DD`: add what this release changes")
    elif not re.fullmatch(r"\d{4}-\d{2}-\d{2}", heading.group(1)):
        problems.append(f"CHANGELOG.md's section for {current} is dated `{heading.group(1)}`: give the release date")
    return problems


def absolute_links(markdown: str, base_url: str) -> str:
    """`[text](docs/x.md)` -> `[text](BASE_URL/docs/x.md)`; absolute links and anchors stay."""
    base = base_url.rstrip("/") + "/"
    return RELATIVE_LINK.sub(lambda m: f"]({base}{m.group(1)})", markdown)


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "check":
        problems = check(argv[1], CHANGELOG.read_text(encoding="utf-8"), version())
        for problem in problems:
            print(f"release: {problem}", file=sys.stderr)
        return 1 if problems else 0
    if len(argv) == 2 and argv[0] == "readme":
        README.write_text(absolute_links(README.read_text(encoding="utf-8"), argv[1]), encoding="utf-8")
        return 0
    sys.stderr.write(__doc__ or "")
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
