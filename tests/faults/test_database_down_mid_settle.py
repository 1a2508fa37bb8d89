"""The database dies while a result is being settled: nothing of the settlement is left half done, the whole batch is
retried later instead of the record being blamed, and once the database is back the event settles — nothing is
dead-lettered. Runs on a throwaway cluster of its own, so the session's database is never disturbed."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from devstack.postgres import EmbeddedPostgres
from pickvs.db import create_pool
from pickvs.queues import dlq_name
from pickvs.runner import EventSourceRunner
from pickvs.sqs import queue_url
from schema.migrate import migrate
from services.grader.handler import process_batch
from tests.builders import PickRow, final, game_info, insert_game, insert_picks, insert_users

# Longer than the restart below takes, so the batch comes back only once the database is up again.
OUTAGE_DELAY_SECONDS = 6


def _root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="pickvs-fault-"))
    root.chmod(0o755)  # reachable by the unprivileged user the cluster runs as under root
    return root


@pytest.fixture
async def cluster() -> AsyncIterator[EmbeddedPostgres]:
    # Durable: a killed server must come back with everything committed before the kill.
    pg = EmbeddedPostgres(await asyncio.to_thread(_root), durable=True)
    url = await asyncio.to_thread(pg.start)
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    yield pg
    await asyncio.to_thread(pg.stop)


async def _wait_for(predicate: Any, seconds: float) -> bool:
    for _ in range(int(seconds * 20)):
        if await predicate():
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_database_killed_mid_settle_leaves_nothing_half_done_and_the_event_settles_after_recovery(
    cluster: EmbeddedPostgres, sqs: Any
) -> None:
    # GIVEN two players with a pick each on a game, and a result waiting on score-events
    assert cluster.url is not None
    pool = await create_pool(cluster.url, min_size=1, max_size=3)
    users = await insert_users(pool, 2)
    game = game_info("killed")
    game_id = await insert_game(pool, game)
    await insert_picks(pool, [PickRow(u, game_id, "h2h", "home", None, 100, Decimal("2")) for u in users])
    url = await queue_url(sqs, "score-events")
    await sqs.send_message(QueueUrl=url, MessageBody=final(game, 101, 99).model_dump_json())
    # AND a player row held locked, so the settlement stops halfway through its statement
    blocker = await asyncpg.connect(cluster.url)
    blocking = blocker.transaction()
    await blocking.start()
    await blocker.execute('SELECT 1 FROM "user" WHERE id = $1 FOR UPDATE', users[0])

    async def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return await process_batch(event, pool=pool)

    runner = EventSourceRunner(
        sqs,
        url,
        handler,
        function_name="grader",
        wait_seconds=0,
        retry_delay_seconds=0,
        outage_delay_seconds=OUTAGE_DELAY_SECONDS,
    )
    stop = asyncio.Event()
    worker = asyncio.create_task(runner.run(stop))
    try:
        # WHEN the grader is mid-settle (waiting on the lock) and the server is killed
        settling = await _wait_for(
            lambda: blocker.fetchval(
                "SELECT count(*) > 0 FROM pg_stat_activity "
                "WHERE application_name = 'pickvs' AND wait_event_type = 'Lock'"
            ),
            seconds=10,
        )
        assert settling, "the settlement never reached the locked player"
        await asyncio.to_thread(cluster.kill)
        await asyncio.sleep(1)  # the runner keeps polling while the database is down
        await asyncio.to_thread(cluster.start)
        # THEN, back up, nothing of the settlement is there
        check = await asyncpg.connect(cluster.url)
        try:
            assert await check.fetchval("SELECT status FROM game WHERE id = $1", game_id) == "scheduled"
            assert await check.fetchval("SELECT count(*) FROM pick WHERE status <> 'pending'") == 0
            assert await check.fetchval("SELECT count(*) FROM processed_event") == 0
            assert await check.fetchval('SELECT sum(wins) FROM "user"') == 0
            # AND the event settles once the batch comes back, and nothing was dead-lettered
            settled = await _wait_for(
                lambda: check.fetchval("SELECT status = 'final' FROM game WHERE id = $1", game_id),
                seconds=OUTAGE_DELAY_SECONDS + 10,
            )
            assert settled
            assert await check.fetchval('SELECT sum(wins) FROM "user"') == 2
        finally:
            await check.close()
    finally:
        stop.set()
        await worker
        await pool.close()
        blocker.terminate()
    dead = await sqs.receive_message(QueueUrl=await queue_url(sqs, dlq_name("score-events")), WaitTimeSeconds=0)
    assert dead.get("Messages", []) == []
