"""web, between commands and build: `lit serve`, a read-only local dashboard of the build graph, its runs and its
money (`docs/dashboard.md`).

It reads what the other layers keep (the index and the lock through `state.status`, the generation records,
the events a build appends to `.lit/events.jsonl`) and never writes the project: no run registration, no
lock, no call. May import build, llm, state, model and io; only `commands.serve` imports it.
"""
