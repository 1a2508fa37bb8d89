"""The transactional outbox: a paid call's events are stored in the same transaction as its ledger row, then published
from here and marked sent, so an event the API was paid for is never lost between the call and SQS.

`add` runs inside the caller's transaction; `drain` publishes everything not yet sent, oldest first — every fetch run
drains before it pays for anything new, and `pickvs outbox drain` does it on demand. Rows are locked while they are
sent (`FOR UPDATE SKIP LOCKED`), so two drains at once never send a row twice; a row that fails keeps its error and
waits for the next drain. Sent rows are kept a week for diagnosis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

import asyncpg

from contracts.events import GameOddsEvent, GameResultEvent
from pickvs.db import Connection, transaction
from pickvs.sqs import queue_url
from services.fetcher.publish import Message, publish

Event = GameOddsEvent | GameResultEvent

# Rows sent (and locked) per transaction of a drain.
DRAIN_BATCH = 100

_ADD_SQL = """
INSERT INTO outbox (queue, event_id, event_type, body, odds_api_call_id)
SELECT $1, e.event_id, e.event_type, e.body, $5
FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS e(event_id, event_type, body, n)
ORDER BY e.n
"""

_UNSENT_SQL = """
SELECT id, queue, event_id, event_type, body
FROM outbox
WHERE sent_at IS NULL AND id > $1
ORDER BY id
LIMIT $2
FOR UPDATE SKIP LOCKED
"""

_MARK_SENT_SQL = "UPDATE outbox SET sent_at = now(), attempts = attempts + 1 WHERE id = ANY($1::bigint[])"

_MARK_FAILED_SQL = """
UPDATE outbox o SET attempts = o.attempts + 1, last_error = f.error
FROM unnest($1::bigint[], $2::text[]) AS f(id, error)
WHERE o.id = f.id
"""

_WAITING_SQL = "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
_WAITING_FOR_CALL_SQL = "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND odds_api_call_id = $1"
_PRUNE_SQL = "DELETE FROM outbox WHERE sent_at < now() - interval '7 days'"


async def add(conn: Connection, queue: str, events: Sequence[Event], *, call_id: int | None) -> int:
    """Store events to publish to `queue`, in the caller's transaction; return how many."""
    await conn.execute(
        _ADD_SQL,
        queue,
        [event.event_id for event in events],
        [event.event_type for event in events],
        [event.model_dump_json() for event in events],
        call_id,
    )
    return len(events)


@dataclass
class DrainResult:
    """What a drain sent, what still waits, and why the last failures failed."""

    sent: int = 0
    waiting: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        """Describe the drain in one line."""
        text = f"outbox: {self.sent} events sent, {self.waiting} waiting"
        return text + (f" ({self.errors[-1]})" if self.waiting and self.errors else "")


async def _send(
    sqs: Any, queue: str, rows: list[asyncpg.Record], *, max_attempts: int
) -> tuple[list[int], dict[int, str]]:
    messages = [Message(str(r["id"]), r["event_id"], r["event_type"], r["body"]) for r in rows]
    try:
        url = await queue_url(sqs, queue)
    except Exception as exc:  # noqa: BLE001 - whatever keeps us from SQS, the rows wait for the next drain
        return [], {int(m.id): f"{queue}: {type(exc).__name__}: {exc}" for m in messages}
    result = await publish(sqs, url, messages, max_attempts=max_attempts)
    return [int(i) for i in result.sent], {int(i): f"{queue}: {why}" for i, why in result.failed.items()}


async def drain(pool: asyncpg.Pool, sqs: Any, *, max_attempts: int = 3) -> DrainResult:
    """Publish every event not yet sent, oldest first; mark what SQS accepted as sent and the rest with its error."""
    result = DrainResult()
    after = 0
    while True:
        async with transaction(pool) as conn:
            rows = await conn.fetch(_UNSENT_SQL, after, DRAIN_BATCH)
            if not rows:
                break
            after = rows[-1]["id"]
            sent: list[int] = []
            failed: dict[int, str] = {}
            for queue, group in groupby(rows, key=lambda row: str(row["queue"])):
                ok, bad = await _send(sqs, queue, list(group), max_attempts=max_attempts)
                sent += ok
                failed.update(bad)
            await conn.execute(_MARK_SENT_SQL, sent)
            if failed:
                await conn.execute(_MARK_FAILED_SQL, list(failed), list(failed.values()))
                result.errors.append(next(iter(failed.values())).splitlines()[0])
            result.sent += len(sent)
    result.waiting = int(await pool.fetchval(_WAITING_SQL))
    await pool.execute(_PRUNE_SQL)
    return result


async def waiting_for_call(pool: asyncpg.Pool, call_id: int) -> int:
    """Count one call's events that are still waiting to be sent."""
    return int(await pool.fetchval(_WAITING_FOR_CALL_SQL, call_id))
