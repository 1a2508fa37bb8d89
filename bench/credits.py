"""A simulated NBA season of Odds API credits: the real fetch jobs, ingest and grading against the simulator, daily.

The simulator serves a season's NBA slate (and the NFL's, which the NBA schedules never ask for) on a clock the bench
moves: each day the odds job runs at 15:00 UTC and the scores job at 10:00 the next morning, as their schedules do;
ingest and grading drain the embedded SQS in between, so "games awaiting results" is what the database says. The
simulator's quota restarts each calendar month, as the real subscription's does. A second season injects a failure
(5xx, 429 or a hang) before about 30 % of the requests and holds the jobs to a small monthly budget: the ledger must
never cross it, and a run it refuses must make no paid call.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import asyncpg

from devstack.odds_simulator import OddsApiSimulator, Slate
from pickvs.runner import EventSourceRunner
from pickvs.sqs import queue_url
from services.fetcher.client import OddsApiClient
from services.fetcher.jobs import fetch_odds, fetch_scores
from services.fetcher.resources import FetcherDeps, odds_api_target, retry_policy
from services.fetcher.settings import FetcherSettings

SEASON_START = datetime(2026, 10, 20, 15, 0, tzinfo=UTC)
SEASON_DAYS = 177  # to mid-April, the regular season
FAULT_BUDGET = 60  # credits a month in the faulted season: it runs out mid-month


class Clock:
    """The simulated time shared by the simulator and the jobs."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class SeasonCredits:
    """Credits per day (with the games the day's odds run priced) and per month, and what the ledger holds."""

    days: int
    game_days: int
    idle_days: int
    max_per_game_day: int
    max_per_idle_day: int
    per_month: dict[str, int]
    ledger: int
    charged: int
    failures_injected: int
    refused_runs: int
    paid_after_refusal: int
    over_budget_months: list[str]
    seconds: float


def _games_on(simulator: OddsApiSimulator, day_start: datetime) -> int:
    return sum(
        1
        for g in simulator.slate.games_for("basketball_nba")
        if day_start < g.commence_time <= day_start + timedelta(hours=24)
    )


async def run_season(
    pool: asyncpg.Pool, sqs: Any, *, days: int = SEASON_DAYS, faults: float = 0.0, budget: int = 500, seed: int = 30
) -> SeasonCredits:
    """Run the odds and scores jobs every day of a season against the simulator; return the credits they spent."""
    started = time.perf_counter()
    clock = Clock(SEASON_START)
    simulator = OddsApiSimulator(
        clock=clock,
        slate=Slate.nba_season(SEASON_START.replace(hour=0), days=days + 2, seed=7),
        timeout_hang_seconds=0.3,
    )
    base_url = await simulator.start()
    settings = FetcherSettings(
        odds_api_key="sim-key",
        odds_api_base_url=base_url,
        odds_monthly_budget=budget,
        odds_budget_reserve=min(25, budget // 10),
        odds_api_timeout_seconds=0.25 if faults else 5.0,
        odds_api_retry_initial_seconds=0.01,
        odds_api_retry_max_seconds=5.0,
        odds_api_max_attempts=8,
        publish_max_attempts=3,
    )

    async def ingest(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return await process_records(event, pool=pool, reference_bookmaker="draftkings")

    # The handler modules read the Lambda's settings at import, once the bench has set them.
    from services.grader.handler import process_batch
    from services.grader.ingest_handler import process_records

    async def grade(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return await process_batch(event, pool=pool)

    ingest_runner = EventSourceRunner(
        sqs, await queue_url(sqs, "game-events"), ingest, function_name="ingest", wait_seconds=0, retry_delay_seconds=0
    )
    grader_runner = EventSourceRunner(
        sqs, await queue_url(sqs, "score-events"), grade, function_name="grader", wait_seconds=0, retry_delay_seconds=0
    )
    rng = random.Random(seed)
    injected = 0
    per_day: list[tuple[int, int]] = []
    reports = []
    month = SEASON_START.strftime("%Y-%m")
    try:
        async with aiohttp.ClientSession() as session:
            target = odds_api_target(settings)
            client = OddsApiClient(session, target.base_url, target.api_key, settings.odds_api_timeout_seconds)
            deps = FetcherDeps(settings, pool, sqs, client, target, clock, retry_policy(settings))

            def inject() -> int:
                count = 0
                for _ in range(3):
                    if rng.random() < faults:
                        simulator.fail_next(1, rng.choice(["500", "503", "429", "timeout"]))
                        count += 1
                return count

            for day in range(days):
                odds_at = SEASON_START + timedelta(days=day)
                for at, job in ((odds_at, fetch_odds), (odds_at + timedelta(hours=19), fetch_scores)):
                    clock.now = at
                    if at.strftime("%Y-%m") != month:
                        month = at.strftime("%Y-%m")
                        simulator.reset_usage()  # a new month of the subscription
                    injected += inject()
                    reports.append(await job(deps))
                    await (ingest_runner if job is fetch_odds else grader_runner).drain()
    finally:
        await simulator.stop()
    months: dict[str, int] = defaultdict(int)
    for row in await pool.fetch(
        "SELECT to_char(called_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, sum(requests_last) AS credits "
        "FROM odds_api_call GROUP BY 1 ORDER BY 1"
    ):
        months[row["month"]] = int(row["credits"] or 0)
    # A day's credits: the calls from its odds run to (not including) the next day's.
    for day in range(days):
        odds_at = SEASON_START + timedelta(days=day)
        spent = sum(c.cost for c in simulator.calls if odds_at <= c.at < odds_at + timedelta(days=1))
        per_day.append((_games_on(simulator, odds_at), spent))
    # A run the budget refused must make no paid call (its calls happen at the run's own clock time).
    refused_at = {rep.started_at for rep in reports for r in rep.results if "would cost" in r.detail}
    paid_after = sum(1 for c in simulator.calls if c.cost > 0 and c.at in refused_at)
    game_days = [c for g, c in per_day if g > 0]
    idle_days = [c for g, c in per_day if g == 0]
    return SeasonCredits(
        days=days,
        game_days=len(game_days),
        idle_days=len(idle_days),
        max_per_game_day=max(game_days, default=0),
        max_per_idle_day=max(idle_days, default=0),
        per_month=dict(months),
        ledger=sum(months.values()),
        charged=sum(c.cost for c in simulator.calls),
        failures_injected=injected,
        refused_runs=len(refused_at),
        paid_after_refusal=paid_after,
        over_budget_months=[m for m, credits in months.items() if credits > budget - settings.odds_budget_reserve],
        seconds=time.perf_counter() - started,
    )
