"""The grader Lambda: score-events records → `settlement.apply_result`, one record at a time.

A short adapter (docs/decisions.md): parse each SQS body into a `GameResultEvent`, settle it, and name the records that
failed in `batchItemFailures` so their batch-mates are deleted and only they are retried (and dead-lettered after the
queue's maxReceiveCount). An outage (the database down) fails the whole batch instead (`pickvs.batch`).
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg

from contracts.events import parse_game_result_event
from pickvs.batch import BatchOutage, process_sqs_batch
from pickvs.db import get_pool
from pickvs.lambda_runtime import run_in_container_loop
from services.grader.settings import get_settings
from services.grader.settlement import apply_result

log = logging.getLogger(__name__)

# Settings are read at import, so a misconfigured function fails its init with one line naming the variable.
get_settings()


async def process_batch(event: dict[str, Any], *, pool: asyncpg.Pool) -> dict[str, Any]:
    """Settle every record of an SQS batch; report the ones that failed."""
    try:
        response, results = await process_sqs_batch(
            event, lambda body: apply_result(pool, parse_game_result_event(body)), consumer="grader"
        )
    except BatchOutage:
        # The pool's idle connections died with the server too: the next batch starts on fresh ones.
        await pool.expire_connections()
        raise
    for result in results:
        log.info(
            "grader: game %s %s (%d picks written, %d regraded)",
            result.game_id,
            result.action,
            result.picks_written,
            result.picks_regraded,
        )
    return response


async def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Settle an SQS batch of result events with this container's pool."""
    # get_pool keeps one pool per container (and loop): created on the first invocation, reused by the next.
    return await process_batch(event, pool=await get_pool(get_settings()))


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """AWS Lambda entry point."""
    return run_in_container_loop(handle(event, context))
