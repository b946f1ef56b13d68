"""`lit graph`: the prompt graph as Mermaid (renders on GitHub), Graphviz dot, or JSON; stale prompts marked."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from lit_tasks.commands.common import add_parser, load_lazy_here, select_prompts

if TYPE_CHECKING:
    from lit_tasks.state.index import LazyProject

EXAMPLES = """\
  lit graph                                  Mermaid flowchart of every prompt (paste into a .md on GitHub)
  lit graph --format dot | dot -Tsvg > g.svg Graphviz
  lit graph --format json prompts/api        the prompts under prompts/api and what they import, as JSON
Edges point from an import to the prompt that uses it; stale prompts are marked.
"""


def register(commands: argparse._SubParsersAction) -> None:
    p = add_parser(
        commands,
        "graph",
        "the prompt graph as mermaid, dot or json, stale prompts marked",
        "Print the import graph of the prompts.",
        EXAMPLES,
    )
    p.add_argument("prompts", nargs="*", metavar="PROMPT", help="prompt files or directories (default: all)")
    p.add_argument("--format", choices=["mermaid", "dot", "json"], default="mermaid")
    p.set_defaults(func=run)


def model(lazy: LazyProject, keys: list[str]) -> dict[str, Any]:
    from lit_tasks.state.status import project_status

    project = lazy.project
    chosen = project.graph.closure(keys) if keys else set(project.graph.prompts)
    order = [k for k in project.graph.order if k in chosen]
    stale = {s.prompt: s.reasons for s in project_status(lazy.workspace, lazy.index, order).stale}
    nodes = [
        {
            "id": k,
            "title": project.graph.prompts[k].title,
            "outputs": list(project.graph.prompts[k].outputs),
            "stale": k in stale,
            "reasons": stale.get(k, []),
        }
        for k in order
    ]
    edges = [{"from": imp, "to": k} for k in order for imp in project.graph.prompts[k].imports]
    return {"nodes": nodes, "edges": edges}


def mermaid(data: dict[str, Any]) -> str:
    ids = {n["id"]: f"p{i}" for i, n in enumerate(data["nodes"])}
    lines = ["flowchart LR"]
    for n in data["nodes"]:
        label = n["id"].removeprefix("prompts/").removesuffix(".prompt.md").replace('"', "'")
        lines.append(f'  {ids[n["id"]]}["{label}"]')
    lines += [f"  {ids[e['from']]} --> {ids[e['to']]}" for e in data["edges"]]
    stale = [ids[n["id"]] for n in data["nodes"] if n["stale"]]
    if stale:
        lines.append("  classDef stale fill:#fde2e2,stroke:#c0392b,stroke-width:2px")
        lines.append(f"  class {','.join(stale)} stale")
    return "\n".join(lines) + "\n"


def dot(data: dict[str, Any]) -> str:
    lines = ["digraph lit {", "  rankdir=LR;", "  node [shape=box, fontname=Helvetica];"]
    for n in data["nodes"]:
        style = ', style=filled, fillcolor="#fde2e2", color="#c0392b"' if n["stale"] else ""
        label = n["id"].removeprefix("prompts/").removesuffix(".prompt.md")
        lines.append(f"  {json.dumps(n['id'])} [label={json.dumps(label)}{style}];")
    lines += [f"  {json.dumps(e['from'])} -> {json.dumps(e['to'])};" for e in data["edges"]]
    return "\n".join(lines + ["}"]) + "\n"


def run(args: argparse.Namespace) -> int:
    lazy, cwd = load_lazy_here()
    data = model(lazy, select_prompts(lazy, args.prompts, cwd))
    if args.format == "json":
        print(json.dumps(data, indent=2))
    else:
        print((mermaid if args.format == "mermaid" else dot)(data), end="")
    return 0
