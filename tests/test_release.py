"""A release is a tag: what the workflow checks before it builds, and the README it puts on the package page."""

from __future__ import annotations

import re

from tests.conftest import REPO
from tools.release import absolute_links, check, version

DATED = "# Changelog\n\n## [Unreleased]\n\n## [1.2.0] - 2026-12-04\n- a change\n"


def test_a_tag_of_the_version_with_a_dated_changelog_section_may_be_released() -> None:
    assert check("v1.2.0", DATED, "1.2.0") == []


def test_a_tag_that_is_not_the_version_is_refused_saying_which_tag_to_push() -> None:
    (problem,) = check("v1.2.1", DATED, "1.2.0")
    assert "tag v1.2.1 does not name the version 1.2.0" in problem and "tag v1.2.0" in problem


def test_a_version_the_changelog_does_not_describe_or_date_is_refused() -> None:
    (missing,) = check("v1.3.0", DATED, "1.3.0")
    assert "no section `## [1.3.0] - YYYY-MM-DD`" in missing
    (undated,) = check("v1.2.0", DATED.replace("2026-12-04", "unreleased"), "1.2.0")
    assert "dated `unreleased`" in undated


def test_the_changelog_is_released_by_the_steps_docs_release_md_gives() -> None:
    """Step 2: `## [Unreleased]` becomes `## [X.Y.Z] - YYYY-MM-DD` for the version in lit_tasks/version.py."""
    changelog = (REPO / "CHANGELOG.md").read_text()
    assert changelog.count("## [Unreleased]") == 1
    released = changelog.replace("## [Unreleased]", f"## [{version()}] - 2026-12-31")
    assert check(f"v{version()}", released, version()) == []


def test_the_package_page_readme_has_no_relative_link_left() -> None:
    base = "https://example.org/lit/blob/v1.2.0"
    page = absolute_links((REPO / "README.md").read_text(), base)
    links = re.findall(r"\]\(([^)\s]+)\)", page)
    assert links and all(link.startswith(("https://", "http://", "#")) for link in links)
    assert f"]({base}/docs/architecture.md)" in page
    assert "](https://pydoit.org)" in page, "absolute links stay as they were"


def test_the_release_workflow_checks_before_it_builds_and_only_its_publish_job_may_publish() -> None:
    from ruamel.yaml import YAML

    workflow = YAML(typ="safe").load((REPO / ".github/workflows/release.yml").read_text())
    assert workflow["on"] == {"push": {"tags": ["v*"]}}  # a tag push, nothing else
    runs = [step.get("run", "") for step in workflow["jobs"]["build"]["steps"]]
    order = [
        next(i for i, run in enumerate(runs) if what in run)
        for what in ("release.py check", "make test", "-m build", "twine check")
    ]
    assert order == sorted(order), "check the tag, test, build, then check the files"
    assert workflow["permissions"] == {"contents": "read"}
    publish = workflow["jobs"]["publish"]
    assert publish["permissions"] == {"id-token": "write"} and publish["needs"] == "build"
    assert publish["steps"][-1]["uses"].startswith("pypa/gh-action-pypi-publish@")
