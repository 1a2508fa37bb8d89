"""The queue bootstrap and the local event-source runner behave like SQS + Lambda on AWS."""

from __future__ import annotations

import json
from typing import Any

from devstack.sqs import ensure_queues
from localstack import bootstrap
from pickvs import queues
from pickvs.queues import dlq_name
from pickvs.runner import EventSourceRunner
from pickvs.settings import BaseAppSettings
from pickvs.sqs import queue_url


def test_the_runtime_and_the_standalone_bootstrap_name_the_same_queues() -> None:
    # The bootstrap spells the names itself so it runs inside LocalStack with boto3 alone; they must not drift apart.
    assert queues.QUEUE_NAMES == bootstrap.QUEUE_NAMES == ("game-events", "score-events")
    assert [queues.dlq_name(q) for q in queues.QUEUE_NAMES] == [bootstrap.dlq_name(q) for q in bootstrap.QUEUE_NAMES]


async def test_bootstrap_run_twice_changes_nothing(sqs: Any) -> None:
    # GIVEN the queues were just bootstrapped by the fixture
    # WHEN the bootstrap runs again
    report = await ensure_queues(BaseAppSettings())
    # THEN every queue and DLQ is reported unchanged
    assert {name: r["change"] for name, r in report.items()} == {
        "game-events-dlq": "unchanged",
        "game-events": "unchanged",
        "score-events-dlq": "unchanged",
        "score-events": "unchanged",
    }


async def test_bootstrap_puts_a_drifted_attribute_back(sqs: Any) -> None:
    url = await queue_url(sqs, "score-events")
    await sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "5"})
    report = await ensure_queues(BaseAppSettings())
    assert report["score-events"]["change"] == "updated"
    attrs = (await sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]))["Attributes"]
    assert attrs["VisibilityTimeout"] == str(bootstrap.VISIBILITY_TIMEOUT_SECONDS) == "300"
    assert json.loads(attrs["RedrivePolicy"])["maxReceiveCount"] == 3


async def _depth(sqs: Any, name: str) -> int:
    attrs = await sqs.get_queue_attributes(
        QueueUrl=await queue_url(sqs, name),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )
    return sum(int(v) for v in attrs["Attributes"].values())


async def test_a_message_failing_three_times_is_dead_lettered_while_its_batch_mates_are_deleted(sqs: Any) -> None:
    # GIVEN three messages, one of which the handler always fails
    url = await queue_url(sqs, "score-events")
    for body in ("ok-1", "poison", "ok-2"):
        await sqs.send_message(QueueUrl=url, MessageBody=body)
    seen: list[dict[str, Any]] = []

    async def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.extend(event["Records"])
        return {
            "batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "poison"]
        }

    runner = EventSourceRunner(sqs, url, handler, wait_seconds=0, retry_delay_seconds=0)
    # WHEN the runner polls until the queue is empty
    for _ in range(10):
        await runner.poll_once()
    # THEN the good messages were handled once and deleted, the poison one was tried 3 times and dead-lettered
    bodies = [r["body"] for r in seen]
    assert bodies.count("ok-1") == 1 and bodies.count("ok-2") == 1
    assert bodies.count("poison") == 3
    assert await _depth(sqs, "score-events") == 0
    dead = await sqs.receive_message(QueueUrl=await queue_url(sqs, dlq_name("score-events")), MaxNumberOfMessages=10)
    assert [m["Body"] for m in dead["Messages"]] == ["poison"]


async def test_the_runner_hands_over_records_shaped_like_lambdas_sqs_event(sqs: Any) -> None:
    url = await queue_url(sqs, "game-events")
    await sqs.send_message(QueueUrl=url, MessageBody='{"hello": "world"}')
    events: list[dict[str, Any]] = []

    async def handler(event: dict[str, Any], context: Any) -> None:
        events.append(event)

    await EventSourceRunner(sqs, url, handler, wait_seconds=0).poll_once()
    (record,) = events[0]["Records"]
    assert record["body"] == '{"hello": "world"}'
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"].endswith(":game-events")
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"messageId", "receiptHandle", "md5OfBody", "awsRegion", "messageAttributes"} <= record.keys()
    assert await _depth(sqs, "game-events") == 0


async def test_a_handler_that_raises_leaves_its_whole_batch_for_retry(sqs: Any) -> None:
    url = await queue_url(sqs, "game-events")
    await sqs.send_message(QueueUrl=url, MessageBody="a")
    await sqs.send_message(QueueUrl=url, MessageBody="b")

    async def handler(event: dict[str, Any], context: Any) -> None:
        raise RuntimeError("database down")

    result = await EventSourceRunner(sqs, url, handler, wait_seconds=0, retry_delay_seconds=30).poll_once()
    assert (result.received, result.deleted, result.failed) == (2, 0, 2)
    assert await _depth(sqs, "game-events") == 2
