"""The Odds API client and the credit ledger: bounded retries, no retry on a bad key or spent credits, ledger rows equal
to the API's headers, and a budget guard that refuses (and says why) before any paid call would cross the budget."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import aiohttp
import asyncpg
import pytest

from services.fetcher.calls import Tally, call_paid
from services.fetcher.client import (
    FatalApiError,
    OddsApiClient,
    RetryPolicy,
    TransientApiError,
    days_from_covering,
    odds_call,
)
from services.fetcher.jobs import fetch_odds, fetch_scores
from services.fetcher.ledger import budget_transaction
from services.fetcher.report import StageOutcome
from tests.fetcher.conftest import START, Clock, ingest_runner


def _odds(now: Any) -> Any:
    return odds_call(
        "basketball_nba",
        regions=["us"],
        markets=["h2h", "spreads", "totals"],
        commence_from=now,
        commence_to=now + timedelta(hours=24),
    )


async def _paid(deps: Any, call: Any) -> Any:
    async with budget_transaction(deps.pool) as budget_tx:
        return await call_paid(deps, budget_tx, call, job="fetch_odds", tally=Tally())


async def test_transient_failures_are_retried_at_most_max_attempts_times(
    db: asyncpg.Pool, simulator: Any, make_deps: Any, clock: Clock
) -> None:
    # GIVEN an API that answers 503 to the next 10 requests, and a policy of 4 attempts
    simulator.fail_next(10, "503")
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    deps = make_deps()
    deps.retry, deps.sleep = RetryPolicy(max_attempts=4, max_seconds=60, initial_wait=1, max_wait=8), no_sleep
    # WHEN a paid call is made
    with pytest.raises(TransientApiError, match="503"):
        await _paid(deps, _odds(clock()))
    # THEN it was tried 4 times, with growing jittered waits in between, and each failed attempt has its ledger row
    assert len(simulator.calls) == 4
    assert len(waits) == 3
    assert waits[0] < waits[2] <= 8 + 1
    assert await db.fetchval("SELECT count(*) FROM odds_api_call WHERE status_code = 503") == 4


async def test_retries_stop_when_their_total_time_is_spent(
    db: asyncpg.Pool, simulator: Any, make_deps: Any, clock: Clock
) -> None:
    # GIVEN an API that keeps answering 500 and a policy of 50 attempts but 0.3 s in total
    simulator.fail_next(50, "500")
    deps = make_deps()
    deps.retry = RetryPolicy(max_attempts=50, max_seconds=0.3, initial_wait=0.05, max_wait=0.1)
    started = time.monotonic()
    with pytest.raises(TransientApiError):
        await _paid(deps, _odds(clock()))
    elapsed = time.monotonic() - started
    # THEN it gave up within the time bound, long before 50 attempts
    assert elapsed < 0.3 + 0.2
    assert 2 <= len(simulator.calls) < 10


async def test_timeouts_and_429_are_retried_and_then_succeed(
    db: asyncpg.Pool, simulator: Any, make_deps: Any, clock: Clock
) -> None:
    simulator.fail_next(1, "timeout")
    simulator.fail_next(1, "429")
    deps = make_deps(odds_api_timeout_seconds=0.2)
    deps.retry = RetryPolicy(max_attempts=3, max_seconds=5, initial_wait=0.01)
    response = await _paid(deps, _odds(clock()))
    assert response.requests_last == 3
    assert len(simulator.calls) >= 2  # the timed-out request is logged by the simulator only when its hang ends
    errors = [r["error"] for r in await db.fetch("SELECT error FROM odds_api_call ORDER BY id")]
    assert len(errors) == 2 and errors[0].endswith("timed out after 0.2 s") and "429" in errors[1]


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda sim: None, "missing or invalid"),
        (lambda sim: sim.reset_usage(used=sim.monthly_quota), "credits are exhausted"),
    ],
)
async def test_a_bad_key_or_exhausted_credits_is_never_retried(
    simulator: Any, clock: Clock, setup: Any, message: str
) -> None:
    # GIVEN a wrong key, or a subscription with no credits left
    setup(simulator)
    key = "wrong-key" if "invalid" in message else "sim-key"
    async with aiohttp.ClientSession() as session:
        client = OddsApiClient(session, simulator.base_url, key)
        # WHEN an attempt is made THEN it fails with a clear message that is not worth retrying
        attempt = await client.get(_odds(clock()))
    assert isinstance(attempt.error, FatalApiError) and message in str(attempt.error)
    assert len(simulator.calls) == 1


async def test_a_run_with_a_bad_key_ends_with_a_clear_message_and_spends_nothing(
    db: asyncpg.Pool, simulator: Any, make_deps: Any
) -> None:
    report = await fetch_odds(make_deps(odds_api_key="not-the-key"))
    assert report.aborted and "PICKVS_ODDS_API_KEY" in report.aborted
    assert len(simulator.calls) == 1 and simulator.usage.used == 0
    assert await db.fetchval("SELECT status_code FROM odds_api_call") == 401


async def test_ledger_rows_equal_the_simulators_usage_headers(
    db: asyncpg.Pool, sqs: Any, simulator: Any, make_deps: Any, clock: Clock
) -> None:
    # GIVEN odds fetched and ingested, then scores the next morning, with one failed attempt in between
    deps = make_deps()
    await fetch_odds(deps)
    await (await ingest_runner(sqs, db)).drain()
    clock.advance(hours=19)
    simulator.fail_next(1, "500")
    await fetch_scores(deps)
    # THEN the ledger has one row per request, in order, with what the API charged and reported
    rows = await db.fetch(
        "SELECT job, endpoint, status_code, requests_last, requests_used, requests_remaining, "
        "params, base_url FROM odds_api_call ORDER BY id"
    )
    assert [(r["endpoint"], r["status_code"], r["requests_last"] or 0) for r in rows] == [
        (c.path.rsplit("/", 1)[1], c.status, c.cost) for c in simulator.calls
    ]
    assert [r["job"] for r in rows] == ["fetch_odds", "fetch_odds", "fetch_scores", "fetch_scores"]
    used = 0
    for row, call in zip(rows, simulator.calls, strict=True):
        used += call.cost
        if row["status_code"] == 200:
            assert (row["requests_used"], row["requests_remaining"]) == (used, simulator.monthly_quota - used)
    assert rows[-1]["params"] == {"daysFrom": "1", "dateFormat": "iso"}
    assert all("apiKey" not in r["params"] for r in rows)
    assert {r["base_url"] for r in rows} == {simulator.base_url}


async def test_a_call_that_would_cross_the_budget_is_not_made_and_the_run_says_why(
    db: asyncpg.Pool, simulator: Any, make_deps: Any
) -> None:
    # GIVEN a budget of 10 with a reserve of 2 and 6 credits already spent this month
    await db.execute(
        "INSERT INTO odds_api_call (called_at, job, endpoint, status_code, requests_last, base_url) "
        "VALUES ($1, 'fetch_odds', 'odds', 200, 6, $2)",
        START - timedelta(hours=1),
        simulator.base_url,
    )
    deps = make_deps(odds_monthly_budget=10, odds_budget_reserve=2)
    # WHEN fetch-odds runs (3 credits would leave -1)
    report = await fetch_odds(deps)
    # THEN no paid call reached the API, and the report says why
    assert simulator.paid_calls == []
    assert [c.path.rsplit("/", 1)[1] for c in simulator.calls] == ["events"]
    (result,) = report.results
    assert result.outcome is StageOutcome.SKIPPED
    assert "would cost 3 credits but only 2 of this month's 10 remain after the reserve of 2 (spent 6)" in result.detail


async def test_last_months_credits_do_not_count_against_this_month(
    db: asyncpg.Pool, simulator: Any, make_deps: Any
) -> None:
    await db.execute(
        "INSERT INTO odds_api_call (called_at, job, endpoint, status_code, requests_last, base_url) "
        "VALUES ($1, 'fetch_odds', 'odds', 200, 9, $2)",
        START - timedelta(days=2),
        simulator.base_url,
    )
    report = await fetch_odds(make_deps(odds_monthly_budget=10, odds_budget_reserve=0))
    assert report.results[0].outcome == "published" and simulator.usage.used == 3


async def test_two_runs_at_once_cannot_both_spend_the_last_credits(
    db: asyncpg.Pool, sqs: Any, simulator: Any, make_deps: Any
) -> None:
    # GIVEN room for exactly one odds call (5 spendable, 3 per call)
    deps = make_deps(odds_monthly_budget=5, odds_budget_reserve=0)
    # WHEN two fetch-odds runs start at the same moment
    reports = await asyncio.gather(fetch_odds(deps), fetch_odds(deps))
    # THEN one paid, the other was refused by the guard
    assert len(simulator.paid_calls) == 1
    assert sorted(r.results[0].outcome for r in reports) == ["published", "skipped"]
    assert await db.fetchval("SELECT sum(requests_last) FROM odds_api_call") == 3


async def test_scores_are_not_fetched_when_no_game_awaits_a_result(
    db: asyncpg.Pool, sqs: Any, simulator: Any, make_deps: Any
) -> None:
    report = await fetch_scores(make_deps())
    assert simulator.calls == []
    assert "no game past tip-off awaits a result" in report.results[0].detail


def test_days_from_is_the_smallest_look_back_covering_the_oldest_game() -> None:
    now = START
    assert days_from_covering(now - timedelta(hours=1), now) == 1
    assert days_from_covering(now - timedelta(hours=24), now) == 1
    assert days_from_covering(now - timedelta(hours=25), now) == 2
    assert days_from_covering(now - timedelta(hours=49), now) == 3
    assert days_from_covering(now - timedelta(days=9), now) == 3
