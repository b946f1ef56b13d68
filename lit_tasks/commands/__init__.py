"""One module per `lit` command; each registers its parser (with examples) and implements `run(args)`."""

from __future__ import annotations

import argparse

from . import check, checkout, commit, cost, debug, diff, graph, init, log, patch, regenerate, remote, status

MODULES = (init, status, diff, regenerate, commit, log, checkout, check, cost, patch, graph, debug, remote)


def register_all(commands: argparse._SubParsersAction) -> None:
    for module in MODULES:
        module.register(commands)
