"""`make dev`'s workers: the consumers' Lambda handlers fed from their queues by the local event-source runner, as
Lambda's SQS trigger feeds them on AWS.

- `grader_worker`: score-events → the grader handler (picks graded, totals, leaderboard).
- `ingest_worker`: game-events → the ingest handler (games, odds, consensus lines).

A failed record becomes visible again after `RETRY_DELAY_SECONDS`; the queue's redrive policy dead-letters it after its
maxReceiveCount, as on AWS.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from devstack.tasks import background
from pickvs.runner import EventSourceRunner

if TYPE_CHECKING:
    from devstack.dev import DevStack

# Short, so a failing record is retried and dead-lettered within seconds while developing.
RETRY_DELAY_SECONDS = 2
# A batch failed whole by an outage (the database restarting) waits longer, so it outlasts a restart.
OUTAGE_DELAY_SECONDS = 15


@asynccontextmanager
async def grader_worker(stack: DevStack) -> AsyncIterator[None]:
    """Run the grader handler on the score-events queue, as Lambda's SQS trigger would."""
    from pickvs.db import get_pool
    from pickvs.sqs import get_sqs_client, queue_url
    from services.grader.handler import process_batch
    from services.grader.settings import GraderSettings

    settings = stack.settings(GraderSettings)
    pool = await get_pool(settings)
    client = await get_sqs_client(settings)

    async def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return await process_batch(event, pool=pool)

    runner = EventSourceRunner(
        client,
        await queue_url(client, settings.score_events_queue),
        handle,
        function_name="grader",
        region=settings.aws_region,
        retry_delay_seconds=RETRY_DELAY_SECONDS,
        outage_delay_seconds=OUTAGE_DELAY_SECONDS,
    )
    stack.banner.append(
        f"Grader       {settings.score_events_queue} → picks graded, totals, leaderboard "
        "(`pickvs dlq list score-events` shows failures)"
    )
    async with background(runner.run(stack.stop), name="grader-worker"):
        yield


@asynccontextmanager
async def ingest_worker(stack: DevStack) -> AsyncIterator[None]:
    """Run the ingest handler on the game-events queue, as Lambda's SQS trigger would."""
    from pickvs.db import get_pool
    from pickvs.sqs import get_sqs_client, queue_url
    from services.grader.ingest_handler import process_records
    from services.grader.settings import GraderSettings

    settings = stack.settings(GraderSettings)
    pool = await get_pool(settings)
    client = await get_sqs_client(settings)

    async def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return await process_records(event, pool=pool, reference_bookmaker=settings.consensus_reference_bookmaker)

    runner = EventSourceRunner(
        client,
        await queue_url(client, settings.game_events_queue),
        handle,
        function_name="ingest",
        region=settings.aws_region,
        retry_delay_seconds=RETRY_DELAY_SECONDS,
        outage_delay_seconds=OUTAGE_DELAY_SECONDS,
    )
    stack.banner.append(f"Ingest       {settings.game_events_queue} → game, odds, market_line")
    async with background(runner.run(stack.stop), name="ingest-worker"):
        yield
