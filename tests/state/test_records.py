"""Generation records, `lit cost`, cache hits that cost nothing, and spending limits."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from lit_providers.base import Usage
from lit_tasks.state.records import PromptRecord, Recorder, RunRecord, Summary, load_records
from lit_tasks.state.workspace import Workspace
from tests.conftest import LitProjectDir, lit_toml
from tests.fake_llm import FakeLLM

PRICED = "\n[model.pricing]\ninput_per_million = 3.0\noutput_per_million = 15.0\ncache_write_per_million = 3.75\ncache_read_per_million = 0.30\n"


@pytest.fixture
def priced(project: LitProjectDir, fake_llm: FakeLLM) -> LitProjectDir:
    project.write("lit.toml", lit_toml("anthropic", fake_llm.url) + PRICED)
    project.prompt("base", ["base.py"], spec=["B = 1"])
    project.prompt("app", ["app.py"], imports=["base"], spec=["A = 1"])
    return project


def test_one_record_per_run_with_every_field(priced: LitProjectDir, fake_llm: FakeLLM) -> None:
    assert priced.lit("regenerate") == 0
    assert priced.lit("regenerate") == 0, "a no-op run writes no record"
    files = sorted((priced.root / ".lit/generations").iterdir())
    assert [f.suffix for f in files] == [".json"]
    record = json.loads(files[0].read_text())
    assert record["lit_version"] and record["started"].endswith("Z") and record["complete"]
    entry = record["prompts"][0]
    assert entry["provider"] == "anthropic" and entry["model"] == "claude-sonnet-5"
    assert entry["endpoint"] == "127.0.0.1" and entry["request_id"].startswith("req_")
    assert set(entry["usage"]) == {"input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens"}
    assert entry["usage"]["input_tokens"] > 0 and entry["stop_reason"] == "end_turn" and not entry["cached"]
    assert entry["cost_usd"] == pytest.approx(
        (entry["usage"]["input_tokens"] * 3.0 + entry["usage"]["output_tokens"] * 15.0) / 1e6
    )
    assert entry["input_hash"] and entry["outputs"] == ["base.py"]
    assert record["summary"]["calls"] == 2
    assert record["summary"]["cost_usd"] == pytest.approx(sum(p["cost_usd"] for p in record["prompts"]))
    assert "sk-test-not-a-real-key" not in files[0].read_text()


def test_records_never_collide(priced: LitProjectDir, fake_llm: FakeLLM) -> None:
    for spec in ("B = 2", "B = 3", "B = 4"):
        priced.prompt("base", ["base.py"], spec=[spec])
        assert priced.lit("regenerate") == 0
    assert len(load_records(priced.workspace)) == 3


def test_cache_hits_cost_nothing_and_report_savings(priced: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    assert priced.lit("regenerate") == 0
    priced.prompt("base", ["base.py"], spec=["B = 2"])
    assert priced.lit("regenerate") == 0
    priced.prompt("base", ["base.py"], spec=["B = 1"])
    assert priced.lit("regenerate") == 0
    last = load_records(priced.workspace)[-1]
    assert all(p.cached and p.cost_usd == 0 and p.saved_usd > 0 for p in last.prompts)
    assert last.summary.cost_usd == 0 and last.summary.calls == 0
    capsys.readouterr()
    assert priced.lit("cost", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    first_two = load_records(priced.workspace)[:2]
    assert data["total"]["cost_usd"] == pytest.approx(sum(r.summary.cost_usd for r in first_two))
    assert data["total"]["cache_hits"] == 2 and data["total"]["saved_usd"] > 0


def test_cost_totals_equal_the_breakdowns(priced: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    priced.lit("regenerate")
    priced.prompt("app", ["app.py"], imports=["base"], spec=["A = 2"])
    priced.lit("regenerate")
    capsys.readouterr()
    priced.lit("cost", "--breakdown", "--json")
    runs = json.loads(capsys.readouterr().out)
    assert runs["total"]["cost_usd"] == pytest.approx(sum(r["cost_usd"] for r in runs["breakdown"]))
    for by in ("prompt", "model", "day"):
        priced.lit("cost", "--by", by, "--json")
        grouped = json.loads(capsys.readouterr().out)
        assert grouped["total"]["cost_usd"] == pytest.approx(
            sum(g["cost_usd"] for g in grouped["by"]["groups"].values())
        )
    priced.lit("cost", "--last", "--breakdown", "--json")
    last = json.loads(capsys.readouterr().out)
    assert [b["prompt"] for b in last["breakdown"]] == ["prompts/app.prompt.md"]
    assert last["total"]["cost_usd"] == pytest.approx(sum(b["cost_usd"] for b in last["breakdown"]))
    assert priced.lit("cost") == 0
    assert "2 runs: 2 prompts generated (3 calls, 0 from cache)" in capsys.readouterr().out


def test_cost_counts_prompts_once_and_speaks_in_singular(priced: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    priced.prompt("app", ["app.py"], spec=["A = 1"])  # no import: one prompt regenerated alone below
    priced.lit("regenerate", "prompts/app.prompt.md")
    capsys.readouterr()
    priced.lit("cost")
    assert "1 run: 1 prompt generated (1 call, 0 from cache)" in capsys.readouterr().out
    priced.prompt("app", ["app.py"], spec=["A = 2"])
    priced.lit("regenerate", "prompts/app.prompt.md")
    capsys.readouterr()
    priced.lit("cost", "--by", "prompt")
    assert "  prompts/app.prompt.md: 1 prompt, 2 calls," in capsys.readouterr().out


def test_a_record_spans_the_whole_run(priced: LitProjectDir, fake_llm: FakeLLM) -> None:
    fake_llm.latency = 0.5
    priced.prompt("app", ["app.py"], spec=["A = 1"])  # two independent prompts, generated side by side
    assert priced.lit("regenerate", "-j", "2") == 0
    record = load_records(priced.workspace)[-1]
    first_finished = min(datetime.fromisoformat(p.finished) for p in record.prompts)
    assert datetime.fromisoformat(record.started) <= first_finished - timedelta(seconds=0.5)
    wall = (datetime.fromisoformat(record.finished) - datetime.fromisoformat(record.started)).total_seconds()
    assert record.summary.seconds == pytest.approx(wall, abs=0.002), "the run's wall time, not a sum of prompts"


def test_budget_refuses_before_any_call(priced: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    assert priced.lit("regenerate", "--max-cost", "0.01") == 2, "caught before any call"
    err = capsys.readouterr().err
    assert "plan: 2 of 2 prompts to generate, an estimated $" in err and "over the limit of $0.01" in err
    assert fake_llm.count() == 0


def test_a_small_budget_admits_calls_by_their_worst_case_and_shows_the_expected_cost(
    priced: LitProjectDir, fake_llm: FakeLLM, capsys
) -> None:
    priced.prompt("more", ["more.py"], spec=["M = 1"])
    assert priced.lit("regenerate", "--max-cost", "0.01") == 2, "never built: the plan is over the limit"
    assert fake_llm.count() == 0
    config = (
        (priced.root / "lit.toml")
        .read_text()
        .replace('model = "claude-sonnet-5"', 'model = "claude-sonnet-5"\nmax_tokens = 100')
    )
    priced.write("lit.toml", config)
    capsys.readouterr()
    assert priced.lit("regenerate", "--max-cost", "0.02") == 0, "three calls of at most 100 tokens fit in 2 cents"
    assert "plan: 3 of 3 prompts to generate, an estimated $0.01" in capsys.readouterr().err
    assert priced.lit("cost", "--last", "--breakdown") == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if "prompts/" in line]
    assert len(lines) == 3 and all("(estimated $0.00" in line for line in lines)


def test_budget_from_lit_toml_and_a_generous_limit(priced: LitProjectDir, fake_llm: FakeLLM) -> None:
    priced.write("lit.toml", lit_toml("anthropic", fake_llm.url) + PRICED + "\n[budget]\nmax_usd_per_run = 0.01\n")
    assert priced.lit("regenerate") == 2 and fake_llm.count() == 0
    assert priced.lit("regenerate", "--max-cost", "5") == 0 and fake_llm.count() == 2


def test_dry_run_prints_the_plan_and_calls_nothing(priced: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    assert priced.lit("regenerate", "--dry-run") == 0
    out = capsys.readouterr().out
    assert "regenerate prompts/base.prompt.md: never generated" in out
    assert fake_llm.count() == 0 and not (priced.root / "code.lock").exists()
    priced.lit("regenerate")
    priced.prompt("base", ["base.py"], spec=["B = 9"])
    capsys.readouterr()
    priced.lit("regenerate", "--dry-run")
    out = capsys.readouterr().out
    assert "regenerate prompts/base.prompt.md: prompt changed" in out
    assert "may regenerate prompts/app.prompt.md: import prompts/base.prompt.md is stale" in out


def test_unknown_model_price_is_unknown_not_guessed(project: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    project.write("lit.toml", lit_toml("anthropic", fake_llm.url).replace("claude-sonnet-5", "some-local-model"))
    project.prompt("base", ["base.py"], spec=["B = 1"])
    assert project.lit("regenerate") == 0
    assert "cost unknown" in capsys.readouterr().err
    assert load_records(project.workspace)[0].prompts[0].cost_usd is None
    assert project.lit("regenerate", "--max-cost", "1", "--force") == 2


def test_cost_shows_what_prompt_caching_saved_or_lost(priced: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    priced.prompt("base", ["base.py"], spec=["B = 1", "#" * 20_000])  # requests long enough to hold the usage below
    fake_llm.cache_usage = {"cache_read_input_tokens": 10_000}  # every call read 10k tokens from the cache
    assert priced.lit("regenerate") == 0
    record = load_records(priced.workspace)[-1]
    # read at $0.30/M instead of $3/M: $0.027 a call, for the two calls
    assert record.prompts[0].cache_saved_usd == pytest.approx(10_000 * (3.0 - 0.30) / 1e6)
    capsys.readouterr()
    assert priced.lit("cost") == 0
    assert "saved by prompt caching: $0.05" in capsys.readouterr().out

    fake_llm.cache_usage = {"cache_creation_input_tokens": 10_000}  # written, never read: 1.25x the input price
    priced.prompt("app", ["app.py"], imports=["base"], spec=["A = 2"])  # one call: nothing imports app
    assert priced.lit("regenerate") == 0
    capsys.readouterr()
    assert priced.lit("cost", "--last") == 0
    assert "prompt caching cost $0.0075 more than no caching" in capsys.readouterr().out


def test_a_negative_spending_limit_is_a_usage_error(priced: LitProjectDir, fake_llm: FakeLLM, capsys) -> None:
    assert priced.lit("regenerate", "--max-cost", "-1") == 2
    assert "--max-cost -1: a spending limit is a number of dollars, 0 or more" in capsys.readouterr().err
    assert fake_llm.count() == 0


def test_cost_during_a_build_reads_the_new_runs_empty_journal_as_nothing_yet(
    priced: LitProjectDir, fake_llm: FakeLLM, capsys
) -> None:
    """A run opens its journal before it writes the first line: `lit cost` (and the dashboard) read in between."""
    priced.prompt("a", ["a.py"], spec=["A = 1"])
    assert priced.lit("regenerate") == 0
    (priced.root / ".lit/generations/20990101T000000Z-000000.jsonl").touch()
    capsys.readouterr()
    assert priced.lit("cost") == 0
    assert capsys.readouterr().out.startswith("1 run: "), "the finished run, and nothing of the new one"


def test_a_record_written_entry_by_entry_is_the_whole_record_pretty_printed(tmp_path) -> None:
    """The record is assembled from the journal one entry at a time, and reads exactly as one model dump."""
    recorder = Recorder(Workspace(tmp_path), started=1_700_000_000.0)

    def entry(prompt: str, role: str, cost: float | None, **extra) -> PromptRecord:
        return PromptRecord(
            prompt=prompt, provider="anthropic", model="m", usage=Usage(input_tokens=7, output_tokens=3),
            stop_reason="end_turn", seconds=0.25, cost_usd=cost, cached=False, input_hash="h", request_key="k",
            outputs=["a.py"], written=["a.py"], finished="2026-01-01T00:00:00.000Z", role=role, **extra,
        )  # fmt: skip

    entries = [
        entry("prompts/a.prompt.md", "generate", 1e-05),
        entry("prompts/a.prompt.md", "fix", None, attempt=1, verification={"output": "naïve ✓\n", "code": 1}),
        entry("prompts/b.prompt.md", "generate", 0.5),
    ]
    for one in entries:
        recorder.append(one)
    head = recorder.finish()
    assert head is not None
    written = (tmp_path / ".lit/generations" / f"{head.id}.json").read_text()
    whole = head.model_copy(update={"prompts": entries, "summary": Summary.of(entries, head.summary.seconds)})
    assert written == whole.model_dump_json(indent=2) + "\n"
    assert RunRecord.model_validate_json(written).summary.model_dump() == {
        **whole.summary.model_dump(), "prompts": 2, "calls": 3, "cost_complete": False, "files_written": 3,
    }  # fmt: skip
    assert not list((tmp_path / ".lit/generations").glob("*.jsonl")), "the journal is gone once the record is in"
