"""Probe PostgreSQL and the queues, each bounded in time so a dead dependency cannot hang the probe."""

from __future__ import annotations

import asyncio

from pickvs.db import get_pool
from pickvs.queues import dlq_name
from pickvs.sqs import get_sqs_client, queue_url
from services.web.health.schemas import DatabaseHealth, HealthPublic, QueueHealth
from services.web.settings import WebSettings

PROBE_TIMEOUT_SECONDS = 3


async def _database(settings: WebSettings) -> DatabaseHealth:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
            pool = await get_pool(settings)
            version = await pool.fetchval("SELECT max(version) FROM schema_migration")
        return DatabaseHealth(
            ok=version is not None,
            schema_version=version,
            error=None if version else "no migrations applied (run `pickvs db migrate`)",
        )
    except Exception as exc:  # noqa: BLE001 - any failure is the answer here
        return DatabaseHealth(ok=False, error=f"{type(exc).__name__}: {exc}")


async def _queue(settings: WebSettings, name: str) -> QueueHealth:
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
            client = await get_sqs_client(settings)
            attrs = (
                await client.get_queue_attributes(
                    QueueUrl=await queue_url(client, name),
                    AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
                )
            )["Attributes"]
            dlq_attrs = (
                await client.get_queue_attributes(
                    QueueUrl=await queue_url(client, dlq_name(name)), AttributeNames=["ApproximateNumberOfMessages"]
                )
            )["Attributes"]
        return QueueHealth(
            ok=True,
            messages=int(attrs["ApproximateNumberOfMessages"]),
            in_flight=int(attrs["ApproximateNumberOfMessagesNotVisible"]),
            dead_lettered=int(dlq_attrs["ApproximateNumberOfMessages"]),
        )
    except Exception as exc:  # noqa: BLE001
        return QueueHealth(ok=False, error=f"{type(exc).__name__}: {exc}")


async def check_health(*, settings: WebSettings) -> HealthPublic:
    """Report the database and every queue; healthy only when all answer."""
    names = [settings.game_events_queue, settings.score_events_queue]
    database, queues = await asyncio.gather(_database(settings), asyncio.gather(*(_queue(settings, n) for n in names)))
    by_name = dict(zip(names, queues, strict=True))
    healthy = database.ok and all(q.ok for q in by_name.values())
    return HealthPublic(status="ok" if healthy else "degraded", database=database, queues=by_name)
