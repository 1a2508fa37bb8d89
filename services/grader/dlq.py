"""Dead-letter tools: show what sits in a queue's DLQ and why, and send it back once the cause is fixed.

SQS keeps no failure reason with a message, so `list` says why by checking each body again now: does it still parse,
and (for score events) would it settle — a dry run in a transaction that is rolled back. The handler logged the
original error when it reported the record as failed.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
from pydantic import ValidationError

from contracts.events import parse_game_odds_event, parse_game_result_event
from pickvs.queues import dlq_name
from pickvs.sqs import queue_url
from services.grader.settlement import apply_result_in

Checker = Callable[[str], Awaitable[str]]

_BATCH = 10  # SQS's maximum per receive / send / delete batch
# Long enough for one listing or redrive pass to finish before a message could be received twice by it.
_HIDE_SECONDS = 60


@dataclass(frozen=True)
class DeadLetter:
    """One dead-lettered message: its id, when it was sent, how often it was received, what it is and why it fails."""

    message_id: str
    receive_count: int
    sent_at: datetime | None
    first_received_at: datetime | None
    summary: str
    problem: str


def _ms(value: str | None) -> datetime | None:
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC) if value else None


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error.get("loc", ())) or "body"
    return f"{where}: {error['msg']}" + (f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else "")


def summarize(body: str) -> str:
    """Describe a message body in one line, whatever it holds."""
    try:
        data = json.loads(body)
    except ValueError:
        return f"not JSON: {body[:60]!r}"
    if not isinstance(data, dict):
        return f"JSON {type(data).__name__}: {body[:60]}"
    if "event_type" not in data:
        return f"not an event: {body[:60]}"
    game = data["game"] if isinstance(data.get("game"), dict) else {}
    parts = [str(data.get("event_type", "?")), str(game.get("external_id", "?"))]
    if data.get("event_type") == "game_result":
        parts.append(str(data.get("outcome", "?")))
        if data.get("outcome") == "final":
            parts.append(f"{data.get('home_score')}-{data.get('away_score')}")
    return " ".join(parts)


async def check_game_odds(body: str) -> str:
    """Say whether a game-events body parses now."""
    try:
        parse_game_odds_event(body)
    except ValidationError as exc:
        return f"does not parse: {_first_error(exc)}"
    return "parses now (the ingest consumer's error is in its logs); redrive to retry"


def result_checker(pool: asyncpg.Pool) -> Checker:
    """Check a score-events body: does it parse, and would it settle now (dry run, rolled back)?"""

    async def check(body: str) -> str:
        try:
            event = parse_game_result_event(body)
        except ValidationError as exc:
            return f"does not parse: {_first_error(exc)}"
        try:
            async with pool.acquire() as conn:
                tx = conn.transaction()
                await tx.start()
                try:
                    await apply_result_in(conn, event, now=datetime.now(UTC))
                finally:
                    await tx.rollback()
        except Exception as exc:  # noqa: BLE001 - any failure is the answer we were asked for
            return f"settling fails: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        return "settles now: safe to redrive"

    return check


async def _receive(client: Any, url: str) -> list[dict[str, Any]]:
    response = await client.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=_BATCH,
        WaitTimeSeconds=0,
        VisibilityTimeout=_HIDE_SECONDS,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    )
    messages: list[dict[str, Any]] = response.get("Messages", [])
    return messages


async def _depth(client: Any, url: str) -> int:
    attributes = await client.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


async def list_dead_letters(client: Any, queue_name: str, *, check: Checker | None = None) -> list[DeadLetter]:
    """List every message in a queue's DLQ with a summary and the reason it fails now; leave them all in place."""
    url = await queue_url(client, dlq_name(queue_name))
    received: list[dict[str, Any]] = []
    try:
        # Each message stays hidden while we page through, so every receive returns new ones until the queue is empty.
        while batch := await _receive(client, url):
            received.extend(batch)
    finally:
        for start in range(0, len(received), _BATCH):
            await client.change_message_visibility_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                    for i, m in enumerate(received[start : start + _BATCH])
                ],
            )
    letters = []
    for message in received:
        attributes = message.get("Attributes", {})
        letters.append(
            DeadLetter(
                message_id=message["MessageId"],
                # This listing's own receive is not one of the failures.
                receive_count=max(0, int(attributes.get("ApproximateReceiveCount", "1")) - 1),
                sent_at=_ms(attributes.get("SentTimestamp")),
                first_received_at=_ms(attributes.get("ApproximateFirstReceiveTimestamp")),
                summary=summarize(message["Body"]),
                problem=await check(message["Body"]) if check else "",
            )
        )
    return letters


async def redrive(client: Any, queue_name: str) -> int:
    """Move every message in a queue's DLQ back to the queue (send, then delete); return how many moved."""
    source = await queue_url(client, queue_name)
    dlq = await queue_url(client, dlq_name(queue_name))
    # Only what is there now: a message that fails again and returns meanwhile waits for the next redrive.
    remaining = await _depth(client, dlq)
    moved = 0
    while remaining > 0 and (batch := await _receive(client, dlq)):
        sent = await client.send_message_batch(
            QueueUrl=source,
            Entries=[
                {
                    "Id": str(i),
                    "MessageBody": m["Body"],
                    **({"MessageAttributes": m["MessageAttributes"]} if m.get("MessageAttributes") else {}),
                }
                for i, m in enumerate(batch)
            ],
        )
        ok = {entry["Id"] for entry in sent.get("Successful", [])}
        done = [m for i, m in enumerate(batch) if str(i) in ok]
        if done:
            await client.delete_message_batch(
                QueueUrl=dlq, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)]
            )
        if not done:
            failure = (sent.get("Failed") or [{}])[0]
            raise RuntimeError(f"could not send to {queue_name}: {failure.get('Message', 'unknown error')}")
        moved += len(done)
        remaining -= len(batch)
    return moved
