"""Calls paced by what the service says: its rate limits hold calls back instead of failing them, and a
request whose cached prefix another request is writing waits for it instead of writing it again."""

from __future__ import annotations

from tests.conftest import LitProjectDir
from tests.fake_llm import FakeLLM, RequestLimit


def test_a_wide_build_stays_under_the_requests_limit_without_a_429(project: LitProjectDir, fake_llm: FakeLLM) -> None:
    fake_llm.limit = RequestLimit(requests=2, window_s=1.0)
    for i in range(6):
        project.prompt(f"p{i}", [f"p{i}.py"], spec=[f"X = {i}"])
    assert project.lit("regenerate", "-j", "6") == 0
    assert fake_llm.count() == 6 and fake_llm.limit.refused == 0, "no call was refused"
    starts = sorted(c.started for c in fake_llm.calls)
    assert starts[-1] - starts[0] >= 2 * 0.9, "six calls at two a second take three windows"


def test_without_limits_reported_the_first_call_goes_alone_then_the_rest_together(
    project: LitProjectDir, fake_llm: FakeLLM
) -> None:
    fake_llm.latency = 0.3
    for i in range(4):
        project.prompt(f"p{i}", [f"p{i}.py"], spec=[f"X = {i}"])
    assert project.lit("regenerate", "-j", "4") == 0
    first, *rest = sorted(fake_llm.calls, key=lambda c: c.started)
    assert all(c.started >= first.finished for c in rest), "the first call finds the limits out"
    assert fake_llm.max_in_flight == 3, "then the service said nothing: the others go at once"


def test_requests_sharing_a_cached_prefix_wait_for_the_one_writing_it(
    project: LitProjectDir, fake_llm: FakeLLM
) -> None:
    big = "x" * 6000  # long enough to be cached (about 1,500 tokens)
    project.prompt("base", ["base.py"], spec=[f"B = '{big}'"])
    for name in ("a", "b", "c"):
        project.prompt(name, [f"{name}.py"], imports=["base"], spec=[f"{name.upper()} = 1"])
    project.prompt("solo", ["solo.py"], spec=["S = 1"])  # no shared prefix: it never waits
    assert project.lit("regenerate", "-j", "4") == 0  # base and solo first; a, b and c become ready together
    fake_llm.latency = 0.4
    project.prompt("base", ["base.py"], spec=[f"B = '{big}!'"])  # a new base: its importers regenerate together
    fake_llm.calls.clear()
    assert project.lit("regenerate", "-j", "4") == 0
    importers = sorted(
        (c for c in fake_llm.calls if c.declared[0] in ("a.py", "b.py", "c.py")), key=lambda c: c.started
    )
    writer, *readers = importers
    assert len(readers) == 2 and all(r.started >= writer.finished for r in readers), "they read what it wrote"
    assert readers[1].started - readers[0].started < 0.2, "and then go together, not one after another"


def test_a_call_gives_back_exactly_what_it_reserved_when_the_limits_change_in_flight() -> None:
    import math

    from lit_providers.base import RateLimits, Window
    from lit_tasks.llm.rate_limits import Need, RateLimiter

    limiter = RateLimiter(told=True, windows={"requests": Window(remaining=10, reset_at=math.inf, limit=10)})
    need = Need(input_tokens=100, output_tokens=50)
    first, third = limiter.acquire(need), limiter.acquire(need)  # reserved against the requests limit only
    tokens = Window(remaining=1000, reset_at=math.inf, limit=1000)
    limiter.release(third, RateLimits(windows={"input_tokens": tokens}))  # its answer tells a new limit
    second = limiter.acquire(need)
    limiter.release(first, None)
    assert limiter.reserved == {"requests": 1, "input_tokens": 100}, "the second call's reservation is intact"
    limiter.release(second, None)
    assert limiter.reserved == {"requests": 0, "input_tokens": 0}


def test_an_answer_that_arrives_late_does_not_undo_what_a_newer_one_reported() -> None:
    from lit_providers.base import RateLimits, Window
    from lit_tasks.llm.rate_limits import Need, RateLimiter

    limiter = RateLimiter(told=True, windows={"requests": Window(remaining=2, reset_at=1e12, limit=2)})
    need = Need(input_tokens=1, output_tokens=1)
    first, second = limiter.acquire(need), limiter.acquire(need)
    limiter.release(second, RateLimits(windows={"requests": Window(remaining=0, reset_at=1e12, limit=2)}))
    limiter.release(first, RateLimits(windows={"requests": Window(remaining=1, reset_at=1e12, limit=2)}))
    assert limiter.windows["requests"].remaining == 0, "the first call's answer describes the account before the second"


def test_a_call_that_reached_the_service_second_is_believed_though_it_started_first() -> None:
    from lit_providers.base import RateLimits, Window
    from lit_tasks.llm.rate_limits import Need, RateLimiter

    limiter = RateLimiter(told=True, windows={"requests": Window(remaining=2, reset_at=1e12, limit=2)})
    need = Need(input_tokens=1, output_tokens=1)
    first, second = limiter.acquire(need), limiter.acquire(need)  # the second overtakes the first on the way
    limiter.release(second, RateLimits(windows={"requests": Window(remaining=1, reset_at=1e12, limit=2)}))
    limiter.release(first, RateLimits(windows={"requests": Window(remaining=0, reset_at=1e12, limit=2)}))
    assert limiter.windows["requests"].remaining == 0, "the window is used up, whichever call it counted last"


def test_an_answer_about_a_window_that_has_ended_does_not_replenish_the_next_one_twice() -> None:
    from lit_providers.base import RateLimits, Window
    from lit_tasks.llm.rate_limits import Need, RateLimiter

    now = [100.0]
    limiter = RateLimiter(
        clock=lambda: now[0], told=True, windows={"requests": Window(remaining=1, reset_at=101.0, limit=2)}
    )
    need = Need(input_tokens=1, output_tokens=1)
    late = limiter.acquire(need)  # the last call of the first window; its answer is slow
    now[0] = 101.5
    early = limiter.acquire(need)  # the window has ended: the first call of the next one
    limiter.release(early, RateLimits(windows={"requests": Window(remaining=1, reset_at=102.5, limit=2)}))
    limiter.release(late, RateLimits(windows={"requests": Window(remaining=0, reset_at=101.0, limit=2)}))
    assert limiter.windows["requests"] == Window(remaining=1, reset_at=102.5, limit=2), "the ended window is past"
