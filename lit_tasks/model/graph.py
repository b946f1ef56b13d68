"""The prompt graph: checked before any call, ordered for the scheduler.

All checks report every offending prompt at once (a user fixing a large project wants the whole list), and
none recurses, so a 10,000-prompt chain or cycle is handled like a small one.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from lit_tasks.io.errors import GraphError, did_you_mean
from lit_tasks.model.paths import CODE_DIR, Sandbox, UnsafePathError
from lit_tasks.model.prompt import Prompt


@dataclass(frozen=True)
class PromptGraph:
    """Prompts keyed by path, with the edges and a schedule order (longest remaining chain first)."""

    prompts: dict[str, Prompt]
    order: tuple[str, ...]
    dependents: dict[str, tuple[str, ...]] = field(repr=False)
    owner: dict[str, str] = field(repr=False)

    def import_order(self, key: str) -> list[str]:
        """`key`'s imports in the project's one canonical order: the most imported first, then by path. Prompts
        that share imports then send the same first blocks, the longest prefix a provider's cache can reuse."""
        return sorted(self.prompts[key].imports, key=lambda imp: (-len(self.dependents[imp]), imp))

    def import_outputs(self, key: str) -> list[str]:
        """The outputs of `key`'s imports, imports in canonical order and paths sorted: the request's context order."""
        return [out for imp in self.import_order(key) for out in sorted(self.prompts[imp].outputs)]

    def sharing(self, key: str) -> list[int]:
        """For each of `key`'s imports in canonical order, how many prompts' requests start with the same imports
        up to it (itself included): where a prefix that another request can read from the cache ends."""
        order = self.import_order(key)
        return [self._prefix_counts[tuple(order[: i + 1])] for i in range(len(order))]

    @cached_property
    def _prefix_counts(self) -> Counter[tuple[str, ...]]:
        counts: Counter[tuple[str, ...]] = Counter()
        for key in self.prompts:
            order = self.import_order(key)
            counts.update(tuple(order[: i + 1]) for i in range(len(order)))
        return counts

    def closure(self, keys: Iterable[str]) -> set[str]:
        """`keys` and everything they import, transitively (what running them needs)."""
        seen: set[str] = set()
        stack = list(keys)
        while stack:
            key = stack.pop()
            if key in seen:
                continue
            seen.add(key)
            stack.extend(self.prompts[key].imports)
        return seen


def build_graph(
    prompts: dict[str, Prompt],
    code_dir: Path,
    static_paths: Iterable[str] = (),
    unplanned: Iterable[str] = (),
) -> PromptGraph:
    """Check imports, outputs and cycles; raise one GraphError listing every problem of the first failing kind.

    `unplanned` prompts (`inferred` mapping, no current plan) may have no outputs yet: their `plan:` task runs
    before any generation task is created."""
    _check_imports(prompts)
    owner = _check_outputs(prompts, code_dir, static_paths, frozenset(unplanned))
    dependents: dict[str, list[str]] = {key: [] for key in prompts}
    for key, prompt in prompts.items():
        for imp in prompt.imports:
            dependents[imp].append(key)
    order = _schedule(prompts, dependents)
    return PromptGraph(
        prompts=prompts,
        order=tuple(order),
        dependents={k: tuple(sorted(v)) for k, v in dependents.items()},
        owner=owner,
    )


def _check_imports(prompts: dict[str, Prompt]) -> None:
    problems = []
    for key in sorted(prompts):
        for imp in prompts[key].imports:
            if imp not in prompts:
                problems.append(f"  {key} imports {imp}, which does not exist{did_you_mean(imp, list(prompts))}")
    if problems:
        raise GraphError("missing imports:\n" + "\n".join(problems))


def _check_outputs(
    prompts: dict[str, Prompt], code_dir: Path, static_paths: Iterable[str], unplanned: frozenset[str]
) -> dict[str, str]:
    owner: dict[str, str] = {}
    claims: dict[str, list[str]] = {}
    unsafe = []
    sandbox = Sandbox(code_dir, bulk=True)
    for key in sorted(prompts):
        prompt = prompts[key]
        if not prompt.outputs and key not in unplanned:
            unsafe.append(f'  {key} declares no outputs; list them under `outputs:` (mapping = "manifest")')
        for out in prompt.outputs:
            try:
                sandbox.check(out)
            except UnsafePathError as err:
                unsafe.append(f"  {key}: output {err}")
                continue
            claims.setdefault(out, []).append(key)
    for path in static_paths:
        claims.setdefault(path, []).append("lit.toml [[static]]")
    if unsafe:
        raise GraphError(f"invalid outputs (paths are relative to {CODE_DIR}/):\n" + "\n".join(unsafe))
    conflicts = [
        f"  {CODE_DIR}/{out} is claimed by: {', '.join(who)}" for out, who in sorted(claims.items()) if len(who) > 1
    ]
    if conflicts:
        raise GraphError("output conflicts (each file must have exactly one prompt):\n" + "\n".join(conflicts))
    for out, who in claims.items():
        owner[out] = who[0]
    return owner


def _schedule(prompts: dict[str, Prompt], dependents: dict[str, list[str]]) -> list[str]:
    """Topological order that starts the longest remaining chain first.

    doit dispatches ready tasks in definition order, so defining the tasks in this order is what lets a
    parallel build approach the critical-path bound. Kahn's algorithm; a leftover node means a cycle.
    """
    indegree = {key: len(p.imports) for key, p in prompts.items()}
    topo: list[str] = []
    ready = sorted(k for k, d in indegree.items() if d == 0)
    while ready:
        key = ready.pop()
        topo.append(key)
        for dep in dependents[key]:
            indegree[dep] -= 1
            if indegree[dep] == 0:
                ready.append(dep)
    if len(topo) != len(prompts):
        raise GraphError("circular imports: " + " -> ".join(_find_cycle(prompts, set(prompts) - set(topo))))
    height: dict[str, int] = {}
    for key in reversed(topo):
        height[key] = 1 + max((height[d] for d in dependents[key]), default=0)
    indegree = {key: len(p.imports) for key, p in prompts.items()}
    heap = [(-height[k], k) for k, d in indegree.items() if d == 0]
    heapq.heapify(heap)
    order: list[str] = []
    while heap:
        _, key = heapq.heappop(heap)
        order.append(key)
        for dep in dependents[key]:
            indegree[dep] -= 1
            if indegree[dep] == 0:
                heapq.heappush(heap, (-height[dep], dep))
    return order


def _find_cycle(prompts: dict[str, Prompt], remaining: set[str]) -> list[str]:
    """One cycle among the nodes Kahn's algorithm could not order, as a path that returns to its start."""
    start = min(remaining)
    position: dict[str, int] = {}
    path: list[str] = []
    node = start
    while node not in position:
        position[node] = len(path)
        path.append(node)
        node = min(i for i in prompts[node].imports if i in remaining)
    return path[position[node] :] + [node]
