"""The local event-source runner: what AWS Lambda's SQS trigger does, for `make dev` and the tests.

It long-polls a queue, hands the messages to a handler in exactly the event shape Lambda sends, deletes the records
that succeeded and leaves the ones named in `batchItemFailures` (or all of them, if the handler raised) to become
visible again, so the queue's redrive policy dead-letters a message after its maxReceiveCount. A batch the handler
failed whole (an outage, `pickvs.batch.BatchOutage`) comes back after `outage_delay_seconds`, longer than a record's
retry, so an outage spends few of a message's receives.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pickvs.batch import BatchOutage

log = logging.getLogger(__name__)

SqsHandler = Callable[[dict[str, Any], Any], Awaitable[dict[str, Any] | None]]


@dataclass
class LambdaContext:
    """The parts of Lambda's context object our handlers may read."""

    function_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    timeout_ms: int = 60_000

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_ms


@dataclass(frozen=True)
class PollResult:
    received: int
    deleted: int
    failed: int


def queue_arn(queue_url: str, region: str) -> str:
    """Build the ARN Lambda puts in eventSourceARN (local stand-ins use the default account)."""
    parts = queue_url.rstrip("/").split("/")
    account = parts[-2] if len(parts) >= 2 and parts[-2].isdigit() else "000000000000"
    return f"arn:aws:sqs:{region}:{account}:{parts[-1]}"


def to_lambda_event(messages: list[dict[str, Any]], *, arn: str, region: str) -> dict[str, Any]:
    """Shape received SQS messages exactly like Lambda's SQS event."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": dict(m.get("Attributes", {})),
                "messageAttributes": {
                    name: {
                        "stringValue": value.get("StringValue"),
                        "binaryValue": value.get("BinaryValue"),
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": value.get("DataType"),
                    }
                    for name, value in m.get("MessageAttributes", {}).items()
                },
                "md5OfBody": m.get("MD5OfBody"),
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


def failed_message_ids(response: dict[str, Any] | None) -> set[str]:
    """Read a handler's partial-batch response; None or no failures means every record succeeded."""
    if not response:
        return set()
    return {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}


@dataclass
class EventSourceRunner:
    """Feed one queue to one handler, like an SQS event source mapping with ReportBatchItemFailures."""

    client: Any
    queue_url: str
    handler: SqsHandler
    function_name: str = "local"
    region: str = "us-east-1"
    batch_size: int = 10
    wait_seconds: int = 1
    # None leaves a failed message invisible for the queue's visibility timeout, as on AWS;
    # dev and tests set a short delay so retries and dead-lettering happen in seconds.
    retry_delay_seconds: int | None = None
    # The same for a batch the handler failed whole; None: the queue's visibility timeout, as on AWS.
    outage_delay_seconds: int | None = None

    async def poll_once(self) -> PollResult:
        """Receive one batch, run the handler on it, delete what succeeded."""
        response = await self.client.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=self.wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if not messages:
            return PollResult(0, 0, 0)
        event = to_lambda_event(messages, arn=queue_arn(self.queue_url, self.region), region=self.region)
        delay = self.retry_delay_seconds
        try:
            failed = failed_message_ids(await self.handler(event, LambdaContext(self.function_name)))
        except BatchOutage as exc:
            log.warning("%s", exc)
            failed, delay = {m["MessageId"] for m in messages}, self.outage_delay_seconds
        except Exception:
            log.exception(
                "%s: handler raised; the whole batch of %d will be retried", self.function_name, len(messages)
            )
            failed = {m["MessageId"] for m in messages}
        succeeded = [m for m in messages if m["MessageId"] not in failed]
        if succeeded:
            result = await self.client.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(succeeded)],
            )
            for failure in result.get("Failed", []):
                log.warning("%s: could not delete a processed message: %s", self.function_name, failure)
        if failed and delay is not None:
            await self.client.change_message_visibility_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": delay}
                    for i, m in enumerate(messages)
                    if m["MessageId"] in failed
                ],
            )
        return PollResult(len(messages), len(succeeded), len(failed))

    async def drain(self, *, max_polls: int = 100) -> list[PollResult]:
        """Poll until a receive comes back empty (tests and one-shot CLI runs)."""
        results = []
        for _ in range(max_polls):
            result = await self.poll_once()
            if not result.received:
                break
            results.append(result)
        return results

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; a failing poll is logged and retried after a pause."""
        while not stop.is_set():
            try:
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s: polling %s failed; retrying", self.function_name, self.queue_url)
                await asyncio.sleep(2)
