"""The ingest Lambda: game-events records → `ingest.ingest_game_odds`, one record (one transaction) at a time.

A short adapter: parse each SQS body into a `GameOddsEvent`, apply it, and name the records that failed in
`batchItemFailures` so only they are retried (and dead-lettered after the queue's maxReceiveCount). An outage (the
database down) fails the whole batch instead (`pickvs.batch`).
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import asyncpg

from contracts.events import parse_game_odds_event
from pickvs.batch import BatchOutage, process_sqs_batch
from pickvs.db import get_pool
from pickvs.lambda_runtime import run_in_container_loop
from services.grader.ingest import ingest_game_odds
from services.grader.settings import get_settings

log = logging.getLogger(__name__)

# Settings are read at import, so a misconfigured function fails its init with one line naming the variable.
get_settings()


async def process_records(event: dict[str, Any], *, pool: asyncpg.Pool, reference_bookmaker: str) -> dict[str, Any]:
    """Apply every record of an SQS batch; report the ones that failed."""
    try:
        response, results = await process_sqs_batch(
            event,
            lambda body: ingest_game_odds(pool, parse_game_odds_event(body), reference_bookmaker=reference_bookmaker),
            consumer="ingest",
        )
    except BatchOutage:
        # The pool's idle connections died with the server too: the next batch starts on fresh ones.
        await pool.expire_connections()
        raise
    actions = Counter[str](result.action for result in results)
    if response["batchItemFailures"]:
        actions["failed"] = len(response["batchItemFailures"])
    log.info(
        "ingest: %d records: %s",
        len(event.get("Records", [])),
        ", ".join(f"{n} {action}" for action, n in sorted(actions.items())),
    )
    return response


async def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Apply an SQS batch of game events with this container's pool."""
    settings = get_settings()
    return await process_records(
        event, pool=await get_pool(settings), reference_bookmaker=settings.consensus_reference_bookmaker
    )


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """AWS Lambda entry point."""
    return run_in_container_loop(handle(event, context))
