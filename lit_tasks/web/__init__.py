"""web, between commands and engine: `lit serve`, a read-only local dashboard of the build graph, its runs and its
money (`docs/dashboard.md`).

It reads what the other layers keep (the index and the lock through `state.status`, the generation records,
the events a build appends to `.lit/events.jsonl`) and never changes the project: no run registration, no
lock, no call (loading the project may refresh lit's own index cache, as every command does). It may import
engine, llm, state, model and io; only `commands.serve` imports it.
"""
