"""The dashboard's HTML, rendered on the server: the graph, one prompt, the runs. Every string from a file, a
record or a model is escaped; the page loads only what `lit serve` itself serves (`/static/`)."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from lit_tasks.io.progress import money
from lit_tasks.web import graph_svg
from lit_tasks.web.board import Board
from lit_tasks.web.models import PromptDetail, RunView

CHART_W, CHART_H, CHART_PAD = 640, 180, 36


def page(title: str, body: str, name: str = "", error: str | None = None) -> str:
    banner = f'<div class="error" id="load-error">{escape(error)}</div>' if error else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)} · lit</title>"
        '<link rel="stylesheet" href="/static/dashboard.css"></head><body>'
        f'<header><a class="brand" href="/">lit</a> <span class="project">{escape(name)}</span>'
        '<nav><a href="/">graph</a> <a href="/runs">runs</a></nav>'
        '<span id="live" class="live" title="live updates">●</span></header>'
        f"<main>{banner}{body}</main>"
        '<script src="/static/dashboard.js"></script></body></html>'
    )


def cost(usd: float | None) -> str:
    return money(usd) if usd is not None else "—"


def prompt_link(key: str) -> str:
    return f'<a href="/prompt/{escape(quote(key), quote=True)}">{escape(key)}</a>'


def index_page(board: Board, states: dict[str, str]) -> str:
    if board.index is None:
        return page("graph", "<p>The project does not load; fix it and this page follows.</p>", error=board.error)
    rows = "".join(
        f'<tr data-prompt="{escape(key, quote=True)}" data-state="{states[key]}"><td>{prompt_link(key)}</td>'
        f'<td class="state">{states[key]}</td><td class="cost">{cost(p.cost_usd)}</td>'
        f"<td>{escape(', '.join(p.outputs))}</td></tr>"
        for key, p in board.prompts.items()
    )
    total = sum(p.total_cost_usd for p in board.prompts.values())
    body = (
        f'<h1>{len(board.prompts)} prompts</h1><div class="graph-box">'
        f"{graph_svg.render(board.index, board.prompts, states, cost)}</div>"
        f'<p class="total">spent on these prompts, all runs: {money(total)}</p>'
        '<table class="prompts"><thead><tr><th>prompt</th><th>state</th><th>last generation</th><th>outputs</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )
    return page("graph", body, board.index.name)


def prompt_page(detail: PromptDetail, state: str, name: str, failure: str | None = None) -> str:
    key = escape(detail.path, quote=True)
    reasons = "".join(f"<li>{escape(r)}</li>" for r in detail.reasons)
    links = ", ".join(prompt_link(k) for k in detail.imports) or "none"
    importers = ", ".join(prompt_link(k) for k in detail.importers) or "none"
    body = (
        f'<h1>{escape(detail.title)}</h1><p class="path">{escape(detail.path)}</p>'
        f'<p data-prompt="{key}" data-state="{state}">state: <span class="state">{state}</span> · last generation: '
        f'<span class="cost">{cost(detail.cost_usd)}</span> · all generations: {money(detail.total_cost_usd)}</p>'
        f"{f'<ul class=reasons>{reasons}</ul>' if reasons else ''}"
        f"{f'<p class=failure>the last build said: {escape(failure)}</p>' if failure else ''}"
        f"<p>imports: {links}<br>imported by: {importers}</p>"
        f"<h2>Frontmatter</h2><pre>{escape(detail.frontmatter)}</pre>"
        f"<h2>Outputs</h2>{_outputs(detail)}"
        f"<h2>Last generation</h2>{_steps(detail)}"
        f"<h2>History</h2>{_history(detail)}"
    )
    return page(detail.path, body, name)


def _outputs(detail: PromptDetail) -> str:
    items = []
    for out in detail.output_views:
        where = "" if out.exists else " (missing)"
        if out.diff:
            items.append(
                f"<details><summary>code.lock/{escape(out.path)}{where} · last change: {escape(out.diff_of or '')}"
                f'</summary><pre class="diff">{escape(out.diff)}</pre></details>'
            )
        else:
            items.append(f"<p>code.lock/{escape(out.path)}{where} · no change on record in git</p>")
    return "".join(items)


def _steps(detail: PromptDetail) -> str:
    if not detail.steps:
        return "<p>never generated</p>"
    rows = "".join(
        f"<tr><td>{escape(s.role)}{f' {s.attempt}' if s.attempt else ''}</td><td>{escape(s.model)}</td>"
        f"<td>{'cache' if s.cached else ''}</td><td>{s.input_tokens:,} / {s.output_tokens:,}</td>"
        f"<td>{cost(s.cost_usd)}</td><td>{s.seconds:.1f}s</td><td>{escape(s.verdict or '')}</td></tr>"
        for s in detail.steps
    )
    return (
        '<table class="steps"><thead><tr><th>step</th><th>model</th><th></th><th>tokens in / out</th><th>cost</th>'
        f"<th>time</th><th>verdict</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _history(detail: PromptDetail) -> str:
    if not detail.history:
        return "<p>no generation on record</p>"
    rows = "".join(
        f"<tr><td>{escape(h.finished or 'unfinished')}</td><td>{escape(h.record)}</td><td>{h.calls}</td>"
        f"<td>{money(h.cost_usd)}</td><td>{escape(h.commit or 'not committed')}</td></tr>"
        for h in detail.history
    )
    return (
        '<table class="history"><thead><tr><th>finished</th><th>run</th><th>calls</th><th>cost</th><th>commit</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def runs_page(runs: list[RunView], name: str) -> str:
    rows = "".join(
        f"<tr><td>{escape(r.started)}</td><td>{escape(r.id)}{'' if r.complete else ' (killed)'}</td>"
        f"<td>{len(r.prompts)}</td><td>{r.calls}</td><td>{r.cache_hits}</td><td>{money(r.cost_usd)}</td>"
        f"<td>{r.wall_seconds:.1f}s</td></tr>"
        for r in runs
    )
    body = (
        f"<h1>{len(runs)} runs</h1><h2>Cost over time</h2>{cost_chart(runs)}"
        '<table class="runs"><thead><tr><th>started</th><th>run</th><th>prompts</th><th>calls</th>'
        f"<th>cache hits</th><th>cost</th><th>wall time</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    return page("runs", body, name)


def cost_chart(runs: list[RunView]) -> str:
    """Cumulative dollars by run, oldest first, as an SVG polyline (a step per run)."""
    ordered = list(reversed(runs))
    if not ordered:
        return "<p>no runs on record</p>"
    totals, total = [], 0.0
    for run in ordered:
        total += run.cost_usd
        totals.append(total)
    top = max(totals) or 1.0
    step = (CHART_W - 2 * CHART_PAD) / max(len(ordered) - 1, 1)
    points = " ".join(
        f"{CHART_PAD + i * step:.1f},{CHART_H - CHART_PAD - t / top * (CHART_H - 2 * CHART_PAD):.1f}"
        for i, t in enumerate(totals)
    )
    return (
        f'<svg class="chart" viewBox="0 0 {CHART_W} {CHART_H}" width="{CHART_W}" height="{CHART_H}" role="img">'
        f'<line class="axis" x1="{CHART_PAD}" y1="{CHART_H - CHART_PAD}" x2="{CHART_W - CHART_PAD}" '
        f'y2="{CHART_H - CHART_PAD}"/><polyline class="spend" points="{points}"/>'
        f'<text x="{CHART_PAD}" y="20">{money(total)} over {len(ordered)} runs</text>'
        f'<text x="{CHART_PAD}" y="{CHART_H - 10}">{escape(ordered[0].started[:10])}</text>'
        f'<text x="{CHART_W - CHART_PAD}" y="{CHART_H - 10}" text-anchor="end">'
        f"{escape(ordered[-1].started[:10])}</text></svg>"
    )
