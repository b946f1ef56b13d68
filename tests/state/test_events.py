"""The events file is read as hostile input: whatever its lines hold, the reader returns only events whose every
field is in range, skips and counts the rest, and never raises."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lit_tasks.state.events import MAX_PID, EventReader
from lit_tasks.state.workspace import Workspace

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "t": JSON | st.floats() | st.integers(),
        "pid": st.integers() | JSON,
        "state": st.sampled_from(["generating", "done", "failed", "run-start", "run-end", "exploded"]) | JSON,
        "prompt": st.text(max_size=30) | JSON,
        "cost_usd": st.floats() | JSON,
        "message": st.text(max_size=30) | JSON,
    },
)
LINE = FIELDS.map(lambda d: json.dumps(d).encode()) | st.binary(max_size=60).map(lambda b: b.replace(b"\n", b" "))


@settings(max_examples=500, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(LINE, min_size=1, max_size=8))
def test_any_lines_give_only_events_in_range_and_count_the_rest(tmp_path: Path, lines: list[bytes]) -> None:
    workspace = Workspace(tmp_path)
    workspace.state_dir.mkdir(exist_ok=True)
    workspace.events_file.write_bytes(b"".join(line + b"\n" for line in lines))
    reader = EventReader(workspace)
    found = reader.read()
    assert len(found) + reader.skipped == sum(1 for line in lines if line.strip())
    for event in found:
        assert 1 <= event.pid <= MAX_PID and 0 <= event.t <= 1e11
        assert event.cost_usd is None or 0 <= event.cost_usd <= 1e9
    assert not reader.has_news()
