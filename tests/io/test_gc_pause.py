"""The collector pause around what lives until the process ends: nothing collected inside, what was built frozen
after, collection back on for the rest of the run."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from lit_tasks.io.gc_pause import long_lived


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_nothing_is_collected_inside_and_what_was_built_is_frozen_after() -> None:
    gc.enable()
    frozen = gc.get_freeze_count()
    with long_lived():
        assert not gc.isenabled()
        built = [[f"prompt {i}"] for i in range(1000)]  # lists: always tracked by the collector
    assert gc.isenabled(), "collection resumes for the run itself"
    assert gc.get_freeze_count() >= frozen + len(built), "the structures built are left out of later collections"


def test_only_the_outermost_pause_resumes_collection() -> None:
    gc.enable()
    with long_lived():
        with long_lived():
            pass
        assert not gc.isenabled(), "an inner pause must not resume collection inside the outer one"
    assert gc.isenabled()


def test_a_collector_the_process_disabled_stays_disabled() -> None:
    gc.disable()
    frozen = gc.get_freeze_count()
    with long_lived():
        pass
    assert not gc.isenabled() and gc.get_freeze_count() == frozen


def test_an_error_inside_still_resumes_collection() -> None:
    gc.enable()
    with pytest.raises(ValueError), long_lived():
        raise ValueError("a bad prompt")
    assert gc.isenabled()
