"""`make dev`'s grading parts: the grader worker and the demo history.

- `grader_worker` feeds the score-events queue to the grader Lambda handler through the local event-source runner
  (failed records come back after `RETRY_DELAY_SECONDS`; the third failure dead-letters them, as on AWS).
- `demo_history` runs `pickvs demo seed` once, when the database has no players yet, so a first look at the app shows
  a leaderboard and profiles with weeks of graded picks.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from devstack.tasks import background
from pickvs.runner import EventSourceRunner

if TYPE_CHECKING:
    from devstack.dev import DevStack

log = logging.getLogger("pickvs.dev.grading")

# Short, so a failing record is retried and dead-lettered within seconds while developing.
RETRY_DELAY_SECONDS = 2


@asynccontextmanager
async def grader_worker(stack: DevStack) -> AsyncIterator[None]:
    """Run the grader handler on the score-events queue, as Lambda's SQS trigger would."""
    from pickvs.sqs import get_sqs_client, queue_url
    from services.grader.handler import handle
    from services.grader.settings import get_settings

    get_settings.cache_clear()  # the handler must see the endpoints exported by the components before this one
    settings = get_settings()
    client = await get_sqs_client(settings)
    runner = EventSourceRunner(
        client,
        await queue_url(client, settings.score_events_queue),
        handle,
        function_name="grader",
        region=settings.aws_region,
        retry_delay_seconds=RETRY_DELAY_SECONDS,
    )
    stack.banner.append(
        f"Grader       {settings.score_events_queue} → picks graded, totals, leaderboard "
        "(`pickvs dlq list score-events` shows failures)"
    )
    async with background(runner.run(stack.stop), name="grader-worker"):
        yield


@asynccontextmanager
async def demo_history(stack: DevStack) -> AsyncIterator[None]:
    """Seed demo players and graded history into an empty dev database (skipped with --no-demo)."""
    if not stack.demo:
        yield
        return
    from devstack.demo_seed import DEMO_PASSWORD, DemoRefused, seed_demo
    from pickvs.db import create_pool, database_url

    settings = stack.settings()
    pool = await create_pool(database_url(settings), min_size=1, max_size=2)
    try:
        if await pool.fetchval('SELECT EXISTS (SELECT 1 FROM "user")'):
            log.info("demo seed skipped: the database already has players")
        else:
            try:
                summary = await seed_demo(pool, env=settings.env)
            except DemoRefused as exc:
                log.warning("demo seed skipped: %s", exc)
            else:
                stack.banner.append(
                    f"Demo         {summary.players} players, {summary.games} past games, "
                    f"{summary.picks} graded picks (any demo player's password: {DEMO_PASSWORD})"
                )
    finally:
        await pool.close()
    yield
