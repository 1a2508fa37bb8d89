"""What a fetch run needs, built in one place for the Lambda handler, the CLI and `make dev`'s scheduler: the settings,
the Odds API target (URL, key, budget), a database pool, an SQS client, the HTTP client, the retry policy and a clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import asyncpg

from pickvs.db import create_pool, database_url
from pickvs.sqs import open_sqs_client
from services.fetcher.client import OddsApiClient, RetryPolicy
from services.fetcher.ledger import Budget
from services.fetcher.settings import FetcherSettings


class OddsApiNotConfigured(RuntimeError):
    """No key is set and no `make dev` stack is running."""


@dataclass(frozen=True)
class OddsApiTarget:
    """Where the fetcher sends its calls, with which key, under which budget."""

    base_url: str
    api_key: str
    budget: Budget


def odds_api_target(settings: FetcherSettings) -> OddsApiTarget:
    """Return the configured Odds API (in dev, a running `make dev` stack's counts as configured)."""
    if not settings.odds_api_key:
        raise OddsApiNotConfigured(
            "no Odds API: set PICKVS_ODDS_API_KEY for the real API, or start `make dev` to use its simulator"
        )
    return OddsApiTarget(settings.odds_api_base_url, settings.odds_api_key, budget(settings))


def budget(settings: FetcherSettings) -> Budget:
    """Return the month's credit budget from settings."""
    return Budget(settings.odds_monthly_budget, min(settings.odds_budget_reserve, settings.odds_monthly_budget))


def retry_policy(settings: FetcherSettings) -> RetryPolicy:
    """Build the Odds API retry policy from settings."""
    initial = settings.odds_api_retry_initial_seconds
    return RetryPolicy(
        max_attempts=settings.odds_api_max_attempts,
        max_seconds=settings.odds_api_retry_max_seconds,
        initial_wait=initial,
        max_wait=initial * 8,
    )


def utc_now() -> datetime:
    """Return the current time in UTC (the jobs' default clock)."""
    return datetime.now(UTC)


@dataclass
class FetcherDeps:
    """Everything a job touches: settings, the database, SQS, the API client and target, and a clock."""

    settings: FetcherSettings
    pool: asyncpg.Pool
    sqs: Any
    client: OddsApiClient
    target: OddsApiTarget
    clock: Callable[[], datetime] = utc_now
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # Tests replace the sleep so backoff is measured without waiting it out.
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


@asynccontextmanager
async def open_fetcher(
    settings: FetcherSettings, *, clock: Callable[[], datetime] = utc_now
) -> AsyncIterator[FetcherDeps]:
    """Open the pool, the SQS client and the HTTP session a run needs, and close them when the block ends."""
    target = odds_api_target(settings)
    pool = await create_pool(database_url(settings), min_size=1, max_size=4)
    try:
        async with open_sqs_client(settings) as sqs, aiohttp.ClientSession() as session:
            client = OddsApiClient(session, target.base_url, target.api_key, settings.odds_api_timeout_seconds)
            yield FetcherDeps(settings, pool, sqs, client, target, clock, retry_policy(settings))
    finally:
        await pool.close()
