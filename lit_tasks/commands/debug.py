"""`lit debug`: what lit read from lit.toml and the prompts, and the graph it built. Never any part of a key."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from lit_tasks.commands.common import add_parser
from lit_tasks.io import progress
from lit_tasks.io.confined import read_inside
from lit_tasks.io.errors import LitError
from lit_tasks.model.paths import find_root
from lit_tasks.state.index import LazyProject

EXAMPLES = """\
  lit debug config      the effective configuration (the API key only as set / not set)
  lit debug prompts     every prompt: ok or its error, outputs, imports, overrides, @import references
  lit debug dag         generation order, roots, leaves, edges, and what each root's change regenerates
  lit debug all         all three
"""


def register(commands: argparse._SubParsersAction) -> None:
    p = add_parser(
        commands,
        "debug",
        "show the configuration, the parsed prompts and the graph",
        "Print what lit understood, for diagnosing a project.",
        EXAMPLES,
    )
    p.add_argument("what", choices=["config", "prompts", "dag", "all"])
    p.set_defaults(func=run)


def show_config(root: Path) -> None:
    from lit_providers.endpoints import resolve_base_url
    from lit_tasks.model.config import load_config

    config = load_config(root)
    print(f"project: {config.project.name} {config.project.version} (mapping = {config.project.mapping})")
    print(f"language: {config.language.default} {config.language.version}")
    if config.framework:
        print(f"framework: {config.framework.name} {config.framework.version}")
    m = config.model
    print(f"model: {m.provider}:{m.model}, max_tokens {m.max_tokens}, temperature {m.temperature}, seed {m.seed}")
    api = m.api
    default_vars = {
        "anthropic": ("ANTHROPIC_API_KEY",),
        "openai": ("OPENAI_API_KEY",),
        "gemini": ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    }
    names = [n for n in (api.key_env, *default_vars.get(m.provider, ()), "LIT_API_KEY") if n]
    if api.auth == "subscription":
        names = []  # the CLI runs on the user's login, with no key
    key_state = ", ".join(f"{n} [{'set' if os.environ.get(n) else 'not set'}]" for n in names) or "the login"
    url, source = resolve_base_url(m.provider, api.base_url)
    print(f"endpoint: {url} (from {source})" if url else f"endpoint: {source}")
    print(
        f"api: timeout {api.timeout_s:g}s, retries {api.max_retries}, max_concurrent {api.max_concurrent}; "
        f"key from {key_state}"
    )
    if m.pricing:
        print(f"pricing: ${m.pricing.input_per_million}/M in, ${m.pricing.output_per_million}/M out")
    if config.budget.max_usd_per_run is not None:
        print(f"budget: ${config.budget.max_usd_per_run} per run")
    for s in config.static:
        print(f"static: code.lock/{s.path} ({len(s.content)} characters)")


def show_prompts(root: Path) -> int:
    """Every prompt, ok or with its error; returns how many have one."""
    from lit_tasks.model.discovery import discover_prompts
    from lit_tasks.model.prompt import body_of, parse_prompt

    ok = errors = 0
    for rel in discover_prompts(root):
        try:
            raw = read_inside(root, rel)
            prompt = parse_prompt(rel, raw)
            body = body_of(raw, rel)
        except (LitError, OSError) as err:
            errors += 1
            print(f"ERROR {rel}: {err}")
            continue
        ok += 1
        print(f"ok {rel}: {prompt.title}")
        print(f"  outputs: {', '.join(prompt.outputs) or '(none)'}")
        print(f"  imports: {', '.join(prompt.imports) or '(none: a root)'}")
        if prompt.frontmatter.model:
            print(f"  model override: {prompt.frontmatter.model.model_dump(exclude_none=True)}")
        if prompt.frontmatter.language:
            print(f"  language: {prompt.frontmatter.language}")
        if prompt.body_refs:
            print(f"  @import references: {', '.join(prompt.body_refs)}")
        print(f"  body: {len(body)} characters, {len(body.splitlines())} lines")
    print(f"--- {ok} ok, {errors} with errors ---")
    return errors


def show_dag(root: Path) -> None:
    project = LazyProject.load(root).project
    graph = project.graph
    print("generation order (longest remaining chain first):")
    for i, key in enumerate(graph.order, 1):
        n = len(graph.prompts[key].imports)
        print(f"  {i}. {key} ({'root' if n == 0 else progress.plural(n, 'import')})")
    roots = [k for k in graph.order if not graph.prompts[k].imports]
    leaves = [k for k in graph.order if not graph.dependents[k]]
    print(f"roots: {', '.join(roots)}")
    print(f"leaves: {', '.join(leaves)}")
    print("edges (import -> prompt):")
    for key in graph.order:
        for imp in graph.prompts[key].imports:
            print(f"  {imp} -> {key}")
    print("if a root's output changes:")
    for r in roots:
        affected = dependents_closure(graph, r)
        print(f"  {r} -> up to {len(affected)} prompt(s) regenerate")


def dependents_closure(graph, key: str) -> set[str]:  # noqa: ANN001 - PromptGraph
    seen, stack = {key}, [key]
    while stack:
        for dep in graph.dependents[stack.pop()]:
            if dep not in seen:
                seen.add(dep)
                stack.append(dep)
    return seen


def run(args: argparse.Namespace) -> int:
    root = find_root(Path.cwd())
    sections = ["config", "prompts", "dag"] if args.what == "all" else [args.what]
    errors = 0
    for n, what in enumerate(sections):
        if n:
            print()
        errors += {"config": show_config, "prompts": show_prompts, "dag": show_dag}[what](root) or 0
    return 2 if errors else 0  # a prompt with an error is a broken project, as every command says
