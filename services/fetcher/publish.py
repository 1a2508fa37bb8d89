"""Publishing to SQS with SendMessageBatch: 10 entries per call (and under the 256 KiB batch limit), entries that SQS
reports as Failed retried a few times, and what still failed returned with its reason (the outbox keeps it for the next
drain) — publishing never loses a message by raising halfway.

Consumers are idempotent on `event_id`, so retrying an entry that actually arrived costs nothing but a duplicate.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

MAX_BATCH_ENTRIES = 10  # SQS's limit per SendMessageBatch
MAX_BATCH_BYTES = 256 * 1024  # SQS's limit on the sum of a batch's bodies, and on one message


@dataclass(frozen=True)
class Message:
    """One event to send: `id` is unique among the messages of one publish (the outbox row id)."""

    id: str
    event_id: str
    event_type: str
    body: str


@dataclass
class PublishResult:
    """Which messages SQS accepted, which it did not (with why), and how many SendMessageBatch calls it took."""

    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    calls: int = 0


def _entry(message: Message) -> dict[str, Any]:
    return {
        "Id": message.id,
        "MessageBody": message.body,
        "MessageAttributes": {
            "event_type": {"DataType": "String", "StringValue": message.event_type},
            "event_id": {"DataType": "String", "StringValue": message.event_id},
        },
    }


def batches(entries: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Split entries into batches of at most 10 whose bodies together stay under 256 KiB."""
    out: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = 0
    for entry in entries:
        body = len(entry["MessageBody"].encode())
        if current and (len(current) == MAX_BATCH_ENTRIES or size + body > MAX_BATCH_BYTES):
            out.append(current)
            current, size = [], 0
        current.append(entry)
        size += body
    if current:
        out.append(current)
    return out


async def publish(
    sqs: Any,
    queue_url: str,
    messages: Sequence[Message],
    *,
    max_attempts: int = 3,
    retry_wait: float = 0.2,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> PublishResult:
    """Send every message, retrying the entries SQS reports as Failed; return what was sent and what was not."""
    result = PublishResult()
    pending = []
    for message in messages:
        size = len(message.body.encode())
        if size > MAX_BATCH_BYTES:
            result.failed[message.id] = f"{size} bytes, over SQS's 256 KiB message limit"
        else:
            pending.append(_entry(message))
    for attempt in range(1, max_attempts + 1):
        retry: list[dict[str, Any]] = []
        for batch in batches(pending):
            by_id = {entry["Id"]: entry for entry in batch}
            result.calls += 1
            try:
                response = await sqs.send_message_batch(QueueUrl=queue_url, Entries=batch)
            except Exception as exc:  # noqa: BLE001 - the whole call failed (network, throttling): every entry waits
                log.warning("SendMessageBatch to %s failed (attempt %d): %s", queue_url, attempt, exc)
                retry.extend(batch)
                result.failed.update({entry["Id"]: f"{type(exc).__name__}: {exc}" for entry in batch})
                continue
            for success in response.get("Successful", []):
                result.sent.append(success["Id"])
                result.failed.pop(success["Id"], None)
            for failure in response.get("Failed", []):
                result.failed[failure["Id"]] = f"{failure.get('Code')}: {failure.get('Message')}"
                # An entry SQS blames on the sender gets the same answer however often it is sent.
                if not failure.get("SenderFault"):
                    retry.append(by_id[failure["Id"]])
        if not retry:
            break
        pending = retry
        if attempt < max_attempts:
            await sleep(retry_wait * 2 ** (attempt - 1))
    return result
