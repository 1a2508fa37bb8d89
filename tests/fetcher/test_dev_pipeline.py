"""`make dev`'s ingestion components: in demo mode the simulator starts, odds are fetched at once and the ingest worker
stores the demo games; without demo mode the scheduler waits for the cron expressions."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import asyncpg

from devstack.dev import DevStack
from devstack.pipeline import SIM_KEY, fetch_scheduler, odds_api
from devstack.workers import ingest_worker


async def _wait_for(predicate: Any, seconds: float = 15) -> bool:
    for _ in range(int(seconds * 10)):
        if await predicate():
            return True
        await asyncio.sleep(0.1)
    return False


async def test_demo_mode_fetches_odds_at_once_and_the_worker_stores_the_demo_slate(
    db: asyncpg.Pool, sqs: Any, tmp_path: Path
) -> None:
    # GIVEN a dev stack in demo mode with no Odds API key
    stack = DevStack(host="127.0.0.1", port=0, data_dir=tmp_path, demo=True)
    async with AsyncExitStack() as components:
        for component in (odds_api, ingest_worker, fetch_scheduler):
            await components.enter_async_context(component(stack))
        # WHEN it has run for a moment
        stored = await _wait_for(lambda: _count(db, "SELECT count(*) FROM game WHERE odds_fetched_at IS NOT NULL", 6))
        stack.stop.set()
    # THEN the simulator was recorded for other terminals, with the demo budget, and the six demo games are stored
    assert stored
    assert stack.values["odds_api_key"] == SIM_KEY
    assert stack.values["odds_monthly_budget"] == 10000
    assert await db.fetchval("SELECT count(*) FROM market_line WHERE snapshot_kind = 'current'") == 6 * 3 * 2
    assert {r["base_url"] for r in await db.fetch("SELECT base_url FROM odds_api_call")} == {
        stack.values["odds_api_base_url"]
    }
    assert any("demo: fetch-odds now" in line for line in stack.banner)


async def test_without_demo_mode_the_scheduler_waits_for_the_cron_schedules(
    db: asyncpg.Pool, sqs: Any, tmp_path: Path
) -> None:
    stack = DevStack(host="127.0.0.1", port=0, data_dir=tmp_path, demo=False)
    async with AsyncExitStack() as components:
        for component in (odds_api, fetch_scheduler):
            await components.enter_async_context(component(stack))
        await asyncio.sleep(0.3)
        stack.stop.set()
    assert any("fetch_odds cron(0 15 * * ? *), fetch_scores cron(0 10 * * ? *)" in line for line in stack.banner)
    assert await db.fetchval("SELECT count(*) FROM odds_api_call") == 0


async def _count(db: asyncpg.Pool, sql: str, expected: int) -> bool:
    return await db.fetchval(sql) == expected
