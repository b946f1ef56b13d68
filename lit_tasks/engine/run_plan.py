"""The plan of a run, before any call: which prompts will (or may) regenerate, why, and what it can cost.

The cost is an estimate (`budget`): input tokens bounded by the request's size, output tokens by the prompt's
last answer with a margin, or a typical file per declared output for a prompt never built. A prompt listed only because an import
is stale may cost nothing (early cutoff), but is counted.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import lit_providers
from lit_tasks.io.progress import money, plural
from lit_tasks.llm.budget import BYTES_PER_OUTPUT, cost_estimate, expected_output_bytes, output_token_estimate
from lit_tasks.llm.pricing import batch_multiplier, price_for
from lit_tasks.llm.request import declared_outputs, system_prompt
from lit_tasks.model.project import Project
from lit_tasks.state.index import LazyProject
from lit_tasks.state.status import ProjectStatus, project_status


@dataclass(frozen=True)
class PlanItem:
    prompt: str
    reasons: list[str]
    via_import: bool
    estimate: float | None


@dataclass(frozen=True)
class Plan:
    items: list[PlanItem]
    total_prompts: int

    @property
    def estimate(self) -> float:
        return sum(i.estimate or 0.0 for i in self.items)

    @property
    def unpriced(self) -> list[str]:
        return [i.prompt for i in self.items if i.estimate is None]

    def lines(self) -> list[str]:
        if not self.items:
            return [f"plan: {plural(self.total_prompts, 'prompt')}, all up to date with the lock; nothing to generate"]
        lines = [
            f"plan: {len(self.items)} of {self.total_prompts} prompts to generate, an estimated {money(self.estimate)}"
            + (f" (+ {len(self.unpriced)} with no known price)" if self.unpriced else "")
        ]
        for item in self.items:
            verb = "may regenerate" if item.via_import else "regenerate"
            lines.append(f"  {verb} {item.prompt}: {'; '.join(item.reasons)} (~{money(item.estimate)})")
        return lines


def make_plan(
    lazy: LazyProject,
    keys: list[str] | None = None,
    *,
    forced: frozenset[str] = frozenset(),
    status: ProjectStatus | None = None,
) -> Plan:
    """What a run of `keys` (default: all) would generate; `forced` prompts whether stale or not. `status`: the
    whole project's, when the caller has it already."""
    project = lazy.project
    selected = sorted(project.graph.closure(keys)) if keys else None
    if status is None or selected is not None:
        status = project_status(lazy.workspace, lazy.index, selected)
    items = []
    for s in status.prompts.values():
        force = s.prompt in forced
        if s.stale or force:
            reasons = s.reasons or ["--force"]
            items.append(PlanItem(s.prompt, reasons, s.via_import and not force, prompt_estimate(project, s.prompt)))
    return Plan(items, len(selected) if selected else len(project.graph.prompts))


def prompt_estimate(project: Project, key: str) -> float | None:
    prompt = project.graph.prompts[key]
    settings = project.settings(key)
    size = prompt.size + len(system_prompt(settings).encode()) + len(declared_outputs(prompt.outputs))
    for path in project.graph.import_outputs(key):
        try:
            size += (project.code_dir / path).stat().st_size
        except FileNotFoundError:
            size += BYTES_PER_OUTPUT  # not generated yet: a typical file
    is_local = bool(getattr(lit_providers.provider_class(settings.provider), "is_local", False))
    output = output_token_estimate(expected_output_bytes(project.code_dir, prompt.outputs), settings.max_tokens)
    return cost_estimate(size, output, price_for(settings.model, settings.pricing), is_local)


def at_batch_rates(plan: Plan) -> Plan:
    """The plan of a `--batch` run: every call priced at the batch rate (a local one costs 0 either way)."""
    rate = batch_multiplier()
    return replace(
        plan, items=[replace(i, estimate=None if i.estimate is None else i.estimate * rate) for i in plan.items]
    )
