"""Partial-batch processing for SQS-triggered handlers: one record's failure never blocks its batch-mates."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)


async def process_sqs_batch(
    event: dict[str, Any], process: Callable[[str], Awaitable[T]], *, consumer: str
) -> tuple[dict[str, Any], list[T]]:
    """Run `process(body)` on each record in order; return Lambda's batch response and the results that succeeded.

    A record that raises is named in `batchItemFailures`, so SQS retries only it and dead-letters it after the queue's
    maxReceiveCount; the reason is logged because the dead-letter queue keeps the message but not why it failed.
    """
    failures: list[dict[str, str]] = []
    results: list[T] = []
    for record in event.get("Records", []):
        try:
            results.append(await process(record["body"]))
        except Exception as exc:  # noqa: BLE001 - any failure of one record is reported, not raised
            reason = str(exc).splitlines()[0] if str(exc) else ""
            log.warning(
                "%s: record %s failed (receive %s): %s: %s",
                consumer,
                record.get("messageId"),
                record.get("attributes", {}).get("ApproximateReceiveCount", "?"),
                type(exc).__name__,
                reason,
            )
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}, results
