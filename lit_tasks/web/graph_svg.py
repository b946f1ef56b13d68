"""The prompt DAG as an SVG drawn on the server: no layout library and no script needed to see it.

Prompts go in columns by depth (a prompt sits one column right of its deepest import), ordered within a column
by the mean row of their imports so edges cross less, one sweep left to right. An edge that skips columns runs
along the empty lane between two rows, so it never passes under a box. Each node carries `data-prompt` and
`data-state`, which the page's script updates as events arrive.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from lit_tasks.state.index import ProjectIndex
from lit_tasks.web.models import PromptSummary

NODE_W, NODE_H = 190, 50
COL_GAP, ROW_GAP = 70, 16
PAD = 12


def prompt_url(key: str) -> str:
    return escape(f"/prompt/{quote(key)}", quote=True)


def columns(index: ProjectIndex) -> list[list[str]]:
    """The prompts by depth, each column ordered to keep edges short."""
    depth: dict[str, int] = {}
    for key in index.order:  # schedule order: imports come first
        imports = [i for i in index.prompts[key].imports if i in depth]
        depth[key] = 1 + max((depth[i] for i in imports), default=-1)
    cols: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
    for key in index.order:
        cols[depth[key]].append(key)
    row: dict[str, float] = {}
    for col in cols:

        def mean_row(key: str) -> float:
            rows = [row[i] for i in index.prompts[key].imports if i in row]
            return sum(rows) / len(rows) if rows else 0.0

        col.sort(key=lambda k: (mean_row(k), k))
        row.update((key, float(i)) for i, key in enumerate(col))
    return cols


def positions(cols: list[list[str]]) -> dict[str, tuple[int, int]]:
    return {
        key: (PAD + c * (NODE_W + COL_GAP), PAD + r * (NODE_H + ROW_GAP))
        for c, col in enumerate(cols)
        for r, key in enumerate(col)
    }


def render(index: ProjectIndex, prompts: dict[str, PromptSummary], states: dict[str, str], money) -> str:  # noqa: ANN001
    """The SVG element; `money` says what a prompt's last generation cost (or saved)."""
    cols = columns(index)
    at = positions(cols)
    width = PAD * 2 + len(cols) * NODE_W + max(len(cols) - 1, 0) * COL_GAP
    height = PAD * 2 + max((len(c) for c in cols), default=0) * (NODE_H + ROW_GAP)
    parts = [f'<svg class="graph" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">']
    for key in index.order:
        for imp in index.prompts[key].imports:
            if imp in at:
                parts.append(_edge(at[imp], at[key]))
    for key in index.order:
        parts.append(_node(key, at[key], prompts[key], states[key], money))
    parts.append("</svg>")
    return "".join(parts)


def _edge(start: tuple[int, int], end: tuple[int, int]) -> str:
    x1, y1 = start[0] + NODE_W, start[1] + NODE_H / 2
    x2, y2 = end[0], end[1] + NODE_H / 2
    if x2 - x1 <= COL_GAP:  # neighbouring columns: one curve across the gap
        mid = (x1 + x2) / 2
        return f'<path class="edge" d="M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}"/>'
    lane = _lane((y1 + y2) / 2)
    a, b = x1 + COL_GAP, x2 - COL_GAP  # where the lane run starts and ends: the edges of the skipped columns
    return (
        f'<path class="edge" d="M{x1},{y1} C{x1 + COL_GAP / 2},{y1} {x1 + COL_GAP / 2},{lane} {a},{lane} '
        f'L{b},{lane} C{b + COL_GAP / 2},{lane} {b + COL_GAP / 2},{y2} {x2},{y2}"/>'
    )


def _lane(y: float) -> float:
    """The middle of the gap between two rows nearest to `y` (above the first row: the top padding)."""
    pitch = NODE_H + ROW_GAP
    row = max(0, round((y - PAD + ROW_GAP / 2) / pitch))
    return PAD + row * pitch - ROW_GAP / 2


def _node(key: str, at: tuple[int, int], prompt: PromptSummary, state: str, money) -> str:  # noqa: ANN001
    name = key.removeprefix("prompts/").removesuffix(".prompt.md")
    label = name if len(name) <= 26 else "…" + name[-25:]
    cost = "" if prompt.cost_usd is None and not prompt.cached else money(prompt)
    return (
        f'<a href="{prompt_url(key)}"><g class="node" data-prompt="{escape(key, quote=True)}" '
        f'data-state="{state}" transform="translate({at[0]},{at[1]})">'
        f"<title>{escape(key)}: {escape(prompt.title)}</title>"
        f'<rect width="{NODE_W}" height="{NODE_H}" rx="6"/>'
        f'<text class="name" x="10" y="20">{escape(label)}</text>'
        f'<text class="state" x="10" y="39">{state}</text>'
        f'<text class="cost" x="{NODE_W - 10}" y="39" text-anchor="end">{escape(cost)}</text></g></a>'
    )
