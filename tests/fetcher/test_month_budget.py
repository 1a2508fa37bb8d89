"""A simulated 30-day NBA month: credits per game day, nothing on idle days, and the budget guard under failures."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import asyncpg

from pickvs.runner import EventSourceRunner
from pickvs.sqs import queue_url
from services.fetcher.jobs import fetch_odds, fetch_scores
from services.grader.handler import handle as grader_handle
from tests.fetcher.conftest import START, Clock, ingest_runner

MONTH = 30


async def _grader_runner(sqs: Any) -> EventSourceRunner:
    return EventSourceRunner(
        sqs,
        await queue_url(sqs, "score-events"),
        grader_handle,
        function_name="grader",
        wait_seconds=0,
        retry_delay_seconds=0,
    )


def _games_on(simulator: Any, day_start: Any) -> int:
    """Games of the US evening that fetch-odds at 15:00 UTC prices (tip-offs in the following 24 h)."""
    return sum(
        1
        for g in simulator.slate.games_for("basketball_nba")
        if day_start < g.commence_time <= day_start + timedelta(hours=24)
    )


async def _run_month(
    clock: Clock, simulator: Any, deps: Any, sqs: Any, db: asyncpg.Pool, before_job: Any = None
) -> tuple[list[tuple[int, int]], list[Any]]:
    ingest, grader = await ingest_runner(sqs, db), await _grader_runner(sqs)
    per_day, reports = [], []
    for day in range(MONTH):
        odds_at = START + timedelta(days=day)  # 15:00 UTC: the odds schedule
        spent_before = simulator.usage.used
        clock.set(odds_at)
        if before_job:
            before_job()
        reports.append(await fetch_odds(deps))
        await ingest.drain()
        clock.set(odds_at + timedelta(hours=19))  # 10:00 UTC next morning: the scores schedule
        if before_job:
            before_job()
        reports.append(await fetch_scores(deps))
        await grader.drain()
        per_day.append((_games_on(simulator, odds_at), simulator.usage.used - spent_before))
    return per_day, reports


async def test_a_30_day_nba_month_costs_at_most_5_credits_per_game_day_and_nothing_on_idle_days(
    db: asyncpg.Pool, sqs: Any, simulator: Any, make_deps: Any, clock: Clock
) -> None:
    # GIVEN a month of the simulator's NBA slate, with days that have no games
    deps = make_deps()
    # WHEN both jobs run on their schedules every day and results are graded
    per_day, reports = await _run_month(clock, simulator, deps, sqs, db)
    # THEN a game day costs odds (3) + scores (2) at most, an idle day nothing
    assert all(r.ok for r in reports), [r.lines() for r in reports if not r.ok]
    idle = [credits for games, credits in per_day if games == 0]
    busy = [credits for games, credits in per_day if games > 0]
    assert idle, "the slate must have days without games for this test to mean something"
    assert idle == [0] * len(idle)
    assert max(busy) <= 5 and all(c == 5 for c in busy), per_day
    # AND the ledger holds exactly what the API charged, far under the budget
    spent = await db.fetchval("SELECT sum(requests_last) FROM odds_api_call")
    assert spent == simulator.usage.used == 5 * len(busy) <= 475
    print(f"30-day month: {len(busy)} game days, {len(idle)} idle days, {spent} credits")  # shown with -s


async def test_with_30_percent_failures_the_ledger_never_crosses_the_budget_and_refused_runs_make_no_paid_call(
    db: asyncpg.Pool, sqs: Any, simulator: Any, make_deps: Any, clock: Clock
) -> None:
    # GIVEN a budget that runs out mid-month and an API that fails ~30 % of requests (5xx, 429, timeouts)
    # The client's timeout is generous and retries plentiful, so only the injected failures fail an attempt: on a
    # busy machine a 0.2 s timeout also cut healthy answers short, and the month then spent less than its budget.
    simulator.timeout_hang_seconds = 0.8
    deps = make_deps(
        odds_monthly_budget=50,
        odds_budget_reserve=5,
        odds_api_timeout_seconds=0.5,
        odds_api_max_attempts=8,
        odds_api_retry_max_seconds=10.0,
    )
    rng = random.Random(30)

    def inject() -> None:
        for _ in range(3):
            if rng.random() < 0.3:
                simulator.fail_next(1, rng.choice(["500", "503", "429", "timeout"]))

    # WHEN the month runs
    _per_day, reports = await _run_month(clock, simulator, deps, sqs, db, before_job=inject)
    # THEN failures happened and were retried, and what was charged never crossed budget - reserve
    failed = [c for c in simulator.calls if c.status >= 429]
    assert len(failed) >= 5
    spent = await db.fetchval("SELECT sum(requests_last) FROM odds_api_call")
    assert 43 <= spent == simulator.usage.used <= 45
    # AND the runs that would have crossed it say why and made no paid call
    refused = [r for rep in reports for r in rep.results if "would cost" in r.detail]
    assert refused
    assert all(r.credits == 0 for r in refused)
    last_paid = max(c.at for c in simulator.paid_calls)
    assert all(c.cost == 0 for c in simulator.calls if c.at > last_paid)
    # AND every attempt, failed or not, has a ledger row (a timed-out one without a status; the simulator logs those
    # only when its hang ends, so they are compared by what the client saw)
    answered = await db.fetchval("SELECT count(*) FROM odds_api_call WHERE status_code IS NOT NULL")
    assert answered == len([c for c in simulator.calls if c.status != 504])
    timed_out = await db.fetchval(
        "SELECT count(*) FROM odds_api_call WHERE status_code IS NULL AND error LIKE '%timed out after%'"
    )
    assert timed_out >= len([c for c in simulator.calls if c.status == 504])
