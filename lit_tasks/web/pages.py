"""The dashboard's HTML, rendered on the server: the graph, one prompt, the runs. Every string from a file, a
record or a model is escaped; the page loads only what `lit serve` itself serves (`/static/`)."""

from __future__ import annotations

from html import escape

from lit_tasks.io.progress import money, plural
from lit_tasks.web import graph_svg
from lit_tasks.web.board import Board
from lit_tasks.web.models import PromptDetail, PromptSummary, RunView, Timeline

CHART_W, CHART_H, CHART_PAD = 640, 180, 36


def page(title: str, body: str, name: str = "", error: str | None = None) -> str:
    banner = f'<div class="error" id="load-error">{escape(error)}</div>' if error else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)} · lit</title>"
        '<link rel="stylesheet" href="/static/dashboard.css"></head><body>'
        f'<header><a class="brand" href="/">lit</a> <span class="project">{escape(name)}</span>'
        '<nav><a href="/">graph</a> <a href="/timeline">timeline</a> <a href="/runs">runs</a></nav>'
        '<span id="live" class="live" title="live updates">●</span></header>'
        f"<main>{banner}{body}</main>"
        '<script src="/static/dashboard.js"></script></body></html>'
    )


def cost(usd: float | None) -> str:
    return money(usd) if usd is not None else "—"


def last_cost(summary: PromptSummary) -> str:
    """What a prompt's last generation cost, or, answered from the cache, what the cache saved."""
    if summary.cached:
        return f"cached ({money(summary.saved_usd)} saved)" if summary.saved_usd else "cached"
    return cost(summary.cost_usd)


def prompt_link(key: str) -> str:
    return f'<a href="{graph_svg.prompt_url(key)}">{escape(key)}</a>'


def index_page(board: Board, states: dict[str, str]) -> str:
    if board.index is None:
        return page("graph", "<p>The project does not load; fix it and this page follows.</p>", error=board.error)
    rows = "".join(
        f'<tr data-prompt="{escape(key, quote=True)}" data-state="{states[key]}"><td>{prompt_link(key)}</td>'
        f'<td class="state">{states[key]}</td><td class="cost">{last_cost(p)}</td>'
        f"<td>{escape(', '.join(p.outputs))}</td></tr>"
        for key, p in board.prompts.items()
    )
    body = (
        f'<h1>{len(board.prompts)} prompts</h1><div class="graph-box">'
        f"{graph_svg.render(board.index, board.prompts, states, last_cost)}</div>"
        f'<p class="total">spent on these prompts, all runs: <span class="spent">{money(board.spent_usd)}</span></p>'
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
        f'<span class="cost">{last_cost(detail)}</span> · all generations: {money(detail.total_cost_usd)}</p>'
        f"{f'<ul class=reasons>{reasons}</ul>' if reasons else ''}"
        f"{f'<p class=failure>the last build said: {escape(failure)}</p>' if failure else ''}"
        f"<p>imports: {links}<br>imported by: {importers}</p>"
        f"{_origin(detail)}"
        f"<h2>Frontmatter</h2><pre>{escape(detail.frontmatter)}</pre>"
        f"<h2>Outputs</h2>{_outputs(detail)}"
        f"<h2>Last generation</h2>{_steps(detail)}"
        f"<h2>History</h2>{_history(detail)}"
    )
    return page(detail.path, body, name)


def _origin(detail: PromptDetail) -> str:
    origin = detail.drafted_from
    if origin is None:
        return ""
    what = f"re-planned after {escape(origin.fix)} failed" if origin.fix else "drafted from this request"
    edited = " · edited by hand since" if origin.edited_since else ""
    return (
        f'<h2>Drafted</h2><p class="drafted">{what} by <code>lit draft</code> ({escape(origin.finished)}{edited}):</p>'
        f'<blockquote class="request">{escape(origin.request) if origin.request else "(no request: a re-plan)"}'
        "</blockquote>"
    )


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


def table(cls: str, headers: list[str], rows: list[list[str]]) -> str:
    """An HTML table; the cells are HTML already (escaped by the caller)."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _steps(detail: PromptDetail) -> str:
    if not detail.steps:
        return "<p>never generated</p>"
    rows = [
        [
            escape(s.role) + (f" {s.attempt}" if s.attempt else ""),
            escape(s.model),
            "cache" if s.cached else "",
            f"{s.input_tokens:,} / {s.output_tokens:,}",
            cost(s.cost_usd),
            f"{s.seconds:.1f}s",
            escape(s.verdict or ""),
        ]
        for s in detail.steps
    ]
    return table("steps", ["step", "model", "", "tokens in / out", "cost", "time", "verdict"], rows)


def _history(detail: PromptDetail) -> str:
    if not detail.history:
        return "<p>no generation on record</p>"
    rows = [
        [
            escape(h.finished or "unfinished"),
            escape(h.record),
            str(h.calls),
            money(h.cost_usd),
            escape(h.commit or "not committed"),
        ]
        for h in detail.history
    ]
    return table("history", ["finished", "run", "calls", "cost", "commit"], rows)


def runs_page(runs: list[RunView], name: str) -> str:
    rows = [
        [
            escape(r.started),
            escape(r.id) + ("" if r.complete else " (killed)") + (f" (broken: {escape(r.broken)})" if r.broken else ""),
            str(len(r.prompts)),
            str(r.calls),
            str(r.cache_hits),
            money(r.cost_usd),
            f"{r.wall_seconds:.1f}s",
        ]
        for r in runs
    ]
    headers = ["started", "run", "prompts", "calls", "cache hits", "cost", "wall time"]
    body = f"<h1>{len(runs)} runs</h1><h2>Cost over time</h2>{cost_chart(runs)}{table('runs', headers, rows)}"
    return page("runs", body, name)


def cost_chart(runs: list[RunView]) -> str:
    """Cumulative dollars by run, oldest first, as an SVG polyline (a step per run), with a labelled y axis (from
    $0 to the total) and the first and last runs' start times on the x axis (to the minute: runs of one day
    differ)."""
    ordered = list(reversed(runs))
    if not ordered:
        return "<p>no runs on record</p>"
    totals, total = [], 0.0
    for run in ordered:
        total += run.cost_usd
        totals.append(total)
    top = max(totals) or 1.0
    left, bottom = CHART_PAD * 2, CHART_H - CHART_PAD
    step = (CHART_W - left - CHART_PAD) / max(len(ordered) - 1, 1)
    points = " ".join(
        f"{left + i * step:.1f},{bottom - t / top * (CHART_H - 2 * CHART_PAD):.1f}" for i, t in enumerate(totals)
    )
    first, last = _minute(ordered[0].started), _minute(ordered[-1].started)
    x_labels = f'<text class="x" x="{left}" y="{CHART_H - 10}">{escape(first)}</text>'
    if last != first:
        x_labels += (
            f'<text class="x" x="{CHART_W - CHART_PAD}" y="{CHART_H - 10}" text-anchor="end">{escape(last)}</text>'
        )
    return (
        f'<svg class="chart" viewBox="0 0 {CHART_W} {CHART_H}" width="{CHART_W}" height="{CHART_H}" role="img" '
        f'aria-label="cumulative spend over {len(ordered)} runs">'
        f'<line class="axis" x1="{left}" y1="{bottom}" x2="{CHART_W - CHART_PAD}" y2="{bottom}"/>'
        f'<line class="axis" x1="{left}" y1="{CHART_PAD}" x2="{left}" y2="{bottom}"/>'
        f'<text class="y" x="{left - 6}" y="{bottom}" text-anchor="end">$0</text>'
        f'<text class="y" x="{left - 6}" y="{CHART_PAD + 4}" text-anchor="end">{money(top)}</text>'
        f'<text class="y-title" x="12" y="{CHART_H / 2:.0f}" transform="rotate(-90 12 {CHART_H / 2:.0f})" '
        f'text-anchor="middle">spent, cumulative</text>'
        f'<polyline class="spend" points="{points}"/>'
        f'<text x="{left + 8}" y="20">{money(total)} over {plural(len(ordered), "run")}</text>{x_labels}</svg>'
    )


def _minute(started: str) -> str:
    """`2026-12-04T09:15:24.123Z` as `2026-12-04 09:15`."""
    return started[:16].replace("T", " ")


def timeline_page(timeline: Timeline | None, name: str) -> str:
    return page(
        "timeline", f'<h1>Timeline of the last run</h1><div id="timeline">{timeline_fragment(timeline)}</div>', name
    )


def timeline_fragment(timeline: Timeline | None) -> str:
    """The last run, one row per prompt, each step a bar placed in time; the page swaps it in while a run goes."""
    if timeline is None:
        return '<p class="timeline-empty">no run on file yet: run <code>lit draft</code> or <code>lit regenerate</code></p>'
    span = max(timeline.seconds, 0.001)
    rows = []
    for row in timeline.rows:
        bars = "".join(
            f'<span class="bar step-{escape(s.step)}{" live" if s.live else ""}" data-step="{escape(s.step)}" '
            f'style="left:{s.start_s / span * 100:.2f}%;width:{max(s.seconds / span * 100, 0.6):.2f}%" '
            f'title="{escape(s.step)}: {s.seconds:.1f}s"></span>'
            for s in row.segments
        )
        last = row.segments[-1] if row.segments else None
        said = _step_said(last) if last else ""
        rows.append(
            f'<tr data-timeline="{escape(row.prompt, quote=True)}" data-state="{escape(row.state)}">'
            f'<td>{escape(row.prompt)}</td><td class="tstate">{escape(row.state)}</td>'
            f'<td class="track">{bars}</td><td class="elapsed">{said}</td></tr>'
        )
    status = "going on" if timeline.live else "ended"
    head = (
        f'<p class="timeline-head" data-live="{int(timeline.live)}">run of process {timeline.pid}, started '
        f"{escape(timeline.started)}: {status}, {timeline.seconds:.1f}s</p>"
    )
    legend = "".join(
        f'<span class="bar-key step-{s}">{s}</span>' for s in ("draft", "generate", "fix", "verify", "review")
    )
    headers = "<thead><tr><th>prompt</th><th>step</th><th>time</th><th>elapsed (usual)</th></tr></thead>"
    return (
        f'{head}<p class="legend">{legend}</p><table class="timeline">{headers}<tbody>{"".join(rows)}</tbody></table>'
    )


def _step_said(segment) -> str:  # noqa: ANN001 - models.Segment
    usual = f" (usually {segment.usual_s:.1f}s)" if segment.usual_s is not None else ""
    return f"{escape(segment.step)} {segment.seconds:.1f}s{usual}"
