"""A batch's failures take one of two paths: a bad record is named alone, an outage fails the whole batch."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from pickvs.batch import BatchOutage, is_outage, process_sqs_batch


def _event(*bodies: str) -> dict[str, Any]:
    return {"Records": [{"messageId": f"m{i}", "body": body, "attributes": {}} for i, body in enumerate(bodies)]}


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        ConnectionResetError(104, "Connection reset by peer"),
        TimeoutError(),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.DeadlockDetectedError("deadlock detected"),
        asyncpg.LockNotAvailableError("canceling statement due to lock timeout"),
    ],
)
def test_errors_about_the_environment_are_outages(error: Exception) -> None:
    assert is_outage(error)


@pytest.mark.parametrize(
    "error",
    [
        ValueError("a final result needs home_score and away_score"),
        asyncpg.NumericValueOutOfRangeError("integer out of range"),
        asyncpg.CheckViolationError("new row violates check constraint"),
        asyncpg.UniqueViolationError("duplicate key value"),
    ],
)
def test_errors_about_the_record_are_not(error: Exception) -> None:
    assert not is_outage(error)


async def test_a_bad_record_is_named_alone_and_its_batch_mates_are_processed() -> None:
    seen: list[str] = []

    async def process(body: str) -> str:
        if body == "bad":
            raise asyncpg.NumericValueOutOfRangeError("integer out of range")
        seen.append(body)
        return body

    response, results = await process_sqs_batch(_event("a", "bad", "b"), process, consumer="test")
    assert response == {"batchItemFailures": [{"itemIdentifier": "m1"}]} and results == seen == ["a", "b"]


async def test_an_outage_fails_the_whole_batch_at_once_blaming_no_record() -> None:
    seen: list[str] = []

    async def process(body: str) -> None:
        seen.append(body)
        raise ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")

    with pytest.raises(BatchOutage, match=r"test: ConnectionRefusedError: .*failing the whole batch of 3"):
        await process_sqs_batch(_event("a", "b", "c"), process, consumer="test")
    assert seen == ["a"]
