"""Create PickVs's SQS queues and dead-letter queues, idempotently.

The one bootstrap: LocalStack's init hook (`hook.py`) loads this file by its path, `make dev` and the tests import it
(`devstack.sqs.ensure_queues`), and the deployment template (infra/template.yaml) creates the same queues with the same
attributes (tests/infra proves it).
Running it again changes nothing; a drifted attribute is put back. Plain boto3 and the standard library only, so it
also runs inside the LocalStack container: the queue names are spelled here as in `pickvs/queues.py`, and a test proves
the two agree.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

MAX_RECEIVE_COUNT = 3
# Six times the consumers' Lambda timeout (50 s, infra/template.yaml), as AWS advises for SQS event sources. A batch
# that an outage fails whole comes back after this long, so three receives outlast about ten minutes of database
# outage (an RDS Multi-AZ failover, a reboot) before a good event reaches the DLQ (docs/ingestion.md).
CONSUMER_TIMEOUT_SECONDS = 50
VISIBILITY_TIMEOUT_SECONDS = 6 * CONSUMER_TIMEOUT_SECONDS
RETENTION_SECONDS = 4 * 24 * 3600
DLQ_RETENTION_SECONDS = 14 * 24 * 3600
QUEUE_NAMES = ("game-events", "score-events")


def dlq_name(queue_name: str) -> str:
    """Return the name of a queue's dead-letter queue."""
    return f"{queue_name}-dlq"


def _ensure_queue(client: Any, name: str, attributes: dict[str, str]) -> tuple[str, str]:
    """Return (url, what happened) for one queue: created, updated or unchanged."""
    try:
        url = client.get_queue_url(QueueName=name)["QueueUrl"]
    except client.exceptions.QueueDoesNotExist:
        return client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"], "created"
    current = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    drifted = {k: v for k, v in attributes.items() if _normalized(k, current.get(k)) != _normalized(k, v)}
    if drifted:
        client.set_queue_attributes(QueueUrl=url, Attributes=drifted)
        return url, "updated"
    return url, "unchanged"


def _normalized(key: str, value: str | None) -> Any:
    if key == "RedrivePolicy" and value:
        policy = json.loads(value)
        return policy.get("deadLetterTargetArn"), int(policy.get("maxReceiveCount", 0))
    return value


def bootstrap(client: Any, queue_names: tuple[str, ...] = QUEUE_NAMES) -> dict[str, dict[str, str]]:
    """Ensure every queue and its DLQ exist with the right attributes; return {name: {url, change}}."""
    report: dict[str, dict[str, str]] = {}
    for name in queue_names:
        dlq_url, dlq_change = _ensure_queue(
            client, dlq_name(name), {"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)}
        )
        dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url, change = _ensure_queue(
            client,
            name,
            {
                "VisibilityTimeout": str(VISIBILITY_TIMEOUT_SECONDS),
                "MessageRetentionPeriod": str(RETENTION_SECONDS),
                "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}),
            },
        )
        report[dlq_name(name)] = {"url": dlq_url, "change": dlq_change}
        report[name] = {"url": url, "change": change}
    return report


def main(argv: list[str] | None = None) -> int:
    """Bootstrap the queues at an endpoint (LocalStack's by default) and print what changed."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL", "http://localhost:4566"))
    parser.add_argument("--region", default=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    args = parser.parse_args(argv)

    import boto3

    client = boto3.client(
        "sqs",
        endpoint_url=args.endpoint_url,
        region_name=args.region,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
    )
    for name, result in bootstrap(client).items():
        print(f"{result['change']:>9}  {name}  {result['url']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
