"""Partial-batch processing for SQS-triggered handlers: a bad record never blocks its batch-mates, and an outage never
dead-letters good records.

Two kinds of failure, two paths. An error about the record itself (it does not parse, breaks the contract or a
constraint) names the record in `batchItemFailures`: SQS retries only it and dead-letters it after the queue's
maxReceiveCount. An error about the environment (`is_outage`: the database refused, reset or shut the connection, a
pool or lock wait ran out, a deadlock outlived the grader's retries) fails the whole batch at once: the handler raises,
so SQS makes every record of the batch visible again after the visibility timeout, and no record is blamed for it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg

T = TypeVar("T")

log = logging.getLogger(__name__)

# SQLSTATE classes about the server, not the statement: 08 connection exception, 53 insufficient resources (too many
# connections, disk full), 57 operator intervention (admin or crash shutdown, cannot connect now), 58 system error.
_OUTAGE_CLASSES = frozenset({"08", "53", "57", "58"})
# Contention that another try later resolves: serialization failure, deadlock, lock_timeout.
_OUTAGE_STATES = frozenset({"40001", "40P01", "55P03"})


class BatchOutage(RuntimeError):
    """The environment failed while processing a batch; the whole batch must be retried later."""


def is_outage(exc: BaseException) -> bool:
    """Tell whether an error is about the environment (database, network) rather than about the record."""
    # Connection refused or reset, and asyncpg's connect and pool-acquire timeouts.
    if isinstance(exc, OSError | TimeoutError):
        return True
    # A connection closed under a running query, or a pool that is closing.
    if isinstance(exc, asyncpg.InterfaceError):
        return True
    sqlstate = getattr(exc, "sqlstate", None)
    return isinstance(sqlstate, str) and (sqlstate[:2] in _OUTAGE_CLASSES or sqlstate in _OUTAGE_STATES)


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def process_sqs_batch(
    event: dict[str, Any], process: Callable[[str], Awaitable[T]], *, consumer: str
) -> tuple[dict[str, Any], list[T]]:
    """Run `process(body)` on each record in order; return Lambda's batch response and the results that succeeded.

    A record that raises is named in `batchItemFailures`, and the reason is logged because the dead-letter queue keeps
    the message but not why it failed. An outage raises BatchOutage at once instead (see the module doc).
    """
    failures: list[dict[str, str]] = []
    results: list[T] = []
    records = event.get("Records", [])
    for record in records:
        try:
            results.append(await process(record["body"]))
        except Exception as exc:
            if is_outage(exc):
                raise BatchOutage(
                    f"{consumer}: {_first_line(exc)}; failing the whole batch of {len(records)} so SQS retries it later"
                ) from exc
            log.warning(
                "%s: record %s failed (receive %s): %s",
                consumer,
                record.get("messageId"),
                record.get("attributes", {}).get("ApproximateReceiveCount", "?"),
                _first_line(exc),
            )
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}, results
