"""Graph checks before any call, and the schedule order."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lit_tasks.io.errors import GraphError
from lit_tasks.model.graph import build_graph
from lit_tasks.model.prompt import parse_prompt


def prompts(spec: dict[str, tuple[list[str], list[str]]]) -> dict:
    result = {}
    for name, (outputs, imports) in spec.items():
        key = f"prompts/{name}.prompt.md"
        imps = ", ".join(f"prompts/{i}.prompt.md" for i in imports)
        raw = f"---\noutputs: [{', '.join(outputs)}]\nimports: [{imps}]\n---\n".encode()
        result[key] = parse_prompt(key, raw)
    return result


def test_diamond_orders_every_import_first(tmp_path: Path) -> None:
    graph = build_graph(
        prompts({"a": (["a.py"], []), "b": (["b.py"], ["a"]), "c": (["c.py"], ["a"]), "d": (["d.py"], ["b", "c"])}),
        tmp_path,
    )
    order = [k.split("/")[1][0] for k in graph.order]
    assert order[0] == "a" and order[-1] == "d"


def test_longest_chain_is_scheduled_first(tmp_path: Path) -> None:
    spec = {"solo": (["s.py"], []), "r": (["r.py"], []), "m": (["m.py"], ["r"]), "z": (["z.py"], ["m"])}
    graph = build_graph(prompts(spec), tmp_path)
    assert graph.order[0] == "prompts/r.prompt.md", "the root of the 3-long chain starts before the lone prompt"


def test_missing_import_names_both_prompts(tmp_path: Path) -> None:
    with pytest.raises(GraphError, match="prompts/b.prompt.md imports prompts/nope.prompt.md, which does not exist"):
        build_graph(prompts({"b": (["b.py"], ["nope"])}), tmp_path)


def test_cycle_prints_its_path(tmp_path: Path) -> None:
    spec = {"a": (["a.py"], ["c"]), "b": (["b.py"], ["a"]), "c": (["c.py"], ["b"]), "x": (["x.py"], [])}
    with pytest.raises(GraphError) as err:
        build_graph(prompts(spec), tmp_path)
    message = str(err.value)
    assert message.startswith("circular imports: ")
    path = message.removeprefix("circular imports: ").split(" -> ")
    assert path[0] == path[-1] and set(path) == {f"prompts/{n}.prompt.md" for n in "abc"}


def test_self_import_is_a_cycle(tmp_path: Path) -> None:
    with pytest.raises(GraphError, match=r"prompts/a.prompt.md -> prompts/a.prompt.md"):
        build_graph(prompts({"a": (["a.py"], ["a"])}), tmp_path)


def test_two_prompts_claiming_one_output_after_normalisation(tmp_path: Path) -> None:
    with pytest.raises(GraphError, match=r"code.lock/src/x.py is claimed by: prompts/a.prompt.md, prompts/b.prompt.md"):
        build_graph(prompts({"a": (["src/x.py"], []), "b": (["./src//x.py"], [])}), tmp_path)


def test_output_claimed_by_a_static_file(tmp_path: Path) -> None:
    with pytest.raises(GraphError, match=r"lit.toml \[\[static\]\]"):
        build_graph(prompts({"a": (["README.md"], [])}), tmp_path, ["README.md"])


def test_a_ten_thousand_prompt_cycle_is_reported_without_recursion(tmp_path: Path) -> None:
    n = 10_000
    spec = {f"p{i}": ([f"o{i}.py"], [f"p{(i + 1) % n}"]) for i in range(n)}
    with pytest.raises(GraphError, match="circular imports"):
        build_graph(prompts(spec), tmp_path)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(min_value=0, max_value=11), max_size=3), min_size=1, max_size=12))
def test_any_acyclic_graph_orders_imports_before_importers(edges: list[list[int]]) -> None:
    spec = {f"p{i}": ([f"o{i}.py"], [f"p{j}" for j in set(deps) if j < i]) for i, deps in enumerate(edges)}
    graph = build_graph(prompts(spec), Path("/nonexistent-code-dir"))
    position = {key: i for i, key in enumerate(graph.order)}
    for key, prompt in graph.prompts.items():
        assert all(position[imp] < position[key] for imp in prompt.imports)
