"""Publishing events to SQS with SendMessageBatch: 10 entries per call (and under the 256 KiB batch limit), entries
that SQS reports as Failed retried, and a clear error for what still failed after the last attempt.

Consumers are idempotent on `event_id`, so retrying an entry that actually arrived costs nothing but a duplicate.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from contracts.events import GameOddsEvent, GameResultEvent

log = logging.getLogger(__name__)

MAX_BATCH_ENTRIES = 10  # SQS's limit per SendMessageBatch
MAX_BATCH_BYTES = 256 * 1024  # SQS's limit on the sum of a batch's bodies

Event = GameOddsEvent | GameResultEvent


class PublishError(RuntimeError):
    """Some events could not be sent after every attempt."""


@dataclass(frozen=True)
class PublishResult:
    """How publishing went: events sent, SendMessageBatch calls made."""

    sent: int
    calls: int


def _entry(index: int, event: Event) -> dict[str, Any]:
    return {
        "Id": str(index),
        "MessageBody": event.model_dump_json(),
        "MessageAttributes": {
            "event_type": {"DataType": "String", "StringValue": event.event_type},
            "event_id": {"DataType": "String", "StringValue": event.event_id},
        },
    }


def batches(entries: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Split entries into batches of at most 10 whose bodies together stay under 256 KiB."""
    out: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = 0
    for entry in entries:
        body = len(entry["MessageBody"].encode())
        if body > MAX_BATCH_BYTES:
            raise PublishError(f"event {entry['Id']} is {body} bytes, over SQS's 256 KiB message limit")
        if current and (len(current) == MAX_BATCH_ENTRIES or size + body > MAX_BATCH_BYTES):
            out.append(current)
            current, size = [], 0
        current.append(entry)
        size += body
    if current:
        out.append(current)
    return out


async def publish_events(
    sqs: Any,
    queue_url: str,
    events: Sequence[Event],
    *,
    max_attempts: int = 3,
    retry_wait: float = 0.2,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> PublishResult:
    """Send every event, retrying the entries a batch reports as Failed; raise PublishError if any remain."""
    pending = [_entry(i, event) for i, event in enumerate(events)]
    calls = 0
    sent = 0
    for attempt in range(1, max_attempts + 1):
        failed: list[dict[str, Any]] = []
        reasons: list[str] = []
        for batch in batches(pending):
            by_id = {entry["Id"]: entry for entry in batch}
            calls += 1
            try:
                response = await sqs.send_message_batch(QueueUrl=queue_url, Entries=batch)
            except Exception as exc:  # noqa: BLE001 - the whole call failed (network, throttling): every entry is retried
                log.warning("SendMessageBatch to %s failed (attempt %d): %s", queue_url, attempt, exc)
                failed.extend(batch)
                reasons.append(str(exc))
                continue
            sent += len(response.get("Successful", []))
            for failure in response.get("Failed", []):
                reasons.append(f"{failure.get('Code')}: {failure.get('Message')}")
                if failure.get("SenderFault"):
                    # The entry itself is wrong; sending it again gives the same answer.
                    raise PublishError(
                        f"SQS refused event {failure['Id']}: {failure.get('Code')} {failure.get('Message')}"
                    )
                failed.append(by_id[failure["Id"]])
        if not failed:
            return PublishResult(sent=sent, calls=calls)
        pending = failed
        if attempt < max_attempts:
            await sleep(retry_wait * 2 ** (attempt - 1))
    raise PublishError(
        f"{len(pending)} of {len(events)} events not accepted by {queue_url} after {max_attempts} attempts: "
        + "; ".join(dict.fromkeys(reasons))
    )
