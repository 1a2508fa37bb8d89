"""Fetcher test helpers: the Odds API simulator on an injected clock, and the job dependencies wired to it, to the
test database and to the embedded SQS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import asyncpg
import pytest

from devstack.odds_simulator import OddsApiSimulator, Slate
from pickvs.runner import EventSourceRunner
from pickvs.sqs import queue_url
from services.fetcher.client import OddsApiClient
from services.fetcher.resources import FetcherDeps, odds_api_target, retry_policy
from services.fetcher.settings import FetcherSettings
from services.grader.ingest_handler import process_records

# A Sunday in November at 15:00 UTC: the odds schedule's hour, with the evening's NBA slate ahead.
START = datetime(2026, 11, 1, 15, 0, tzinfo=UTC)


class Clock:
    """A settable clock shared by the simulator and the jobs."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
async def simulator(clock: Clock) -> AsyncIterator[OddsApiSimulator]:
    """The simulator serving 40 days of NBA games from the first of November, on the test's clock."""
    sim = OddsApiSimulator(
        clock=clock, slate=Slate.nba_season(START.replace(hour=0), days=40, seed=7), timeout_hang_seconds=0.5
    )
    sim.base_url = await sim.start()  # type: ignore[attr-defined]
    yield sim
    await sim.stop()


def fetcher_settings(base_url: str, **overrides: Any) -> FetcherSettings:
    """Settings pointing at a simulator, with retries short enough for tests."""
    values: dict[str, Any] = {
        "odds_api_key": "sim-key",
        "odds_api_base_url": base_url,
        "odds_api_timeout_seconds": 0.2,
        "odds_api_retry_initial_seconds": 0.01,
        "odds_api_retry_max_seconds": 2.0,
        "publish_max_attempts": 3,
    }
    values.update(overrides)
    return FetcherSettings(**values)


@pytest.fixture
async def make_deps(db: asyncpg.Pool, sqs: Any, simulator: OddsApiSimulator, clock: Clock) -> AsyncIterator[Any]:
    """Build FetcherDeps against the simulator (settings overridable per call)."""
    session = aiohttp.ClientSession()

    def build(**overrides: Any) -> FetcherDeps:
        settings = fetcher_settings(simulator.base_url, **overrides)  # type: ignore[attr-defined]
        target = odds_api_target(settings)
        client = OddsApiClient(session, target.base_url, target.api_key, settings.odds_api_timeout_seconds)
        return FetcherDeps(settings, db, sqs, client, target, clock, retry_policy(settings))

    yield build
    await session.close()


async def ingest_runner(sqs: Any, db: asyncpg.Pool) -> EventSourceRunner:
    """The local event source feeding game-events to the ingest handler, as `make dev` runs it."""

    async def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return await process_records(event, pool=db, reference_bookmaker="draftkings")

    return EventSourceRunner(
        sqs, await queue_url(sqs, "game-events"), handler, function_name="ingest", wait_seconds=0, retry_delay_seconds=0
    )


async def table(db: asyncpg.Pool, sql: str) -> list[tuple]:
    """Return a query's rows as tuples (for comparing table contents)."""
    return [tuple(r) for r in await db.fetch(sql)]
