"""A lock held across tip-off never lets a pick in: the lock rule is decided when the pick is stored, not when its
transaction began, and a request waits for a lock a bounded time only.

Another session holds what a slip needs (the game row, as an ingest does, or the pick table in SHARE mode, as
`pickvs grade --recompute` does) from before tip-off until after it; the slip was sent before tip-off.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import pytest

from services.web.main import create_app
from services.web.settings import WebSettings
from tests.web.helpers import add_game, bearer, register


# Far longer than the test needs, so only the lock rule (not the lock timeout) decides these cases.
def _patient() -> WebSettings:
    return WebSettings(pick_lock_timeout_ms=30_000)


_LOCKS = {
    "the game row (an ingest)": "SELECT 1 FROM game WHERE id = $1 FOR UPDATE",
    "the pick table in SHARE mode (a recompute)": "LOCK TABLE pick IN SHARE MODE",
}


def _slip(game_id: int) -> dict[str, Any]:
    return {"picks": [{"game_id": game_id, "market": "h2h", "selection": "home", "price": -150, "stake": "1"}]}


@asynccontextmanager
async def _held(db: asyncpg.Pool, statement: str, game_id: int) -> AsyncIterator[asyncpg.Connection]:
    conn = await db.acquire()
    try:
        await conn.execute("BEGIN")
        await conn.execute(statement, *([game_id] if "$1" in statement else []))
        yield conn
    finally:
        await conn.execute("ROLLBACK")
        await db.release(conn)


async def _wait_until_blocked(db: asyncpg.Pool, request: asyncio.Task[Any]) -> None:
    for _ in range(500):
        if await db.fetchval("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"):
            return
        assert not request.done(), f"the request finished without waiting for the lock: {request.result()}"
        await asyncio.sleep(0.01)
    raise AssertionError("the request never waited for the lock")


async def _wait_past(db: asyncpg.Pool, game_id: int) -> None:
    for _ in range(200):
        if await db.fetchval("SELECT clock_timestamp() > commence_time FROM game WHERE id = $1", game_id):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("tip-off never came")


async def _before_tipoff(db: asyncpg.Pool, game_id: int) -> bool:
    return bool(await db.fetchval("SELECT clock_timestamp() < commence_time FROM game WHERE id = $1", game_id))


@pytest.mark.parametrize("lock", list(_LOCKS), ids=["game-row", "pick-table"])
async def test_a_slip_sent_before_tipoff_but_held_up_past_it_is_refused(db: asyncpg.Pool, lock: str) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(_patient())), base_url="http://t") as c:
        # GIVEN a player and a game that tips off in two seconds by the database clock
        auth = bearer(await register(c, "alice"))
        game_id = await add_game(db, starts_in="2 seconds")
        # AND another session holding what the slip needs
        async with _held(db, _LOCKS[lock], game_id):
            # WHEN the slip is sent before tip-off and must wait for the lock
            request = asyncio.create_task(c.post("/api/picks", json=_slip(game_id), headers=auth))
            await _wait_until_blocked(db, request)
            assert await _before_tipoff(db, game_id), "the slip must start waiting before tip-off"
            # AND the lock is released only after tip-off
            await _wait_past(db, game_id)
        response = await request
    # THEN the slip is refused because the game has started, and nothing was stored
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "game_started"
    assert await db.fetchval("SELECT count(*) FROM pick") == 0


async def test_a_cancel_sent_before_tipoff_but_held_up_past_it_is_refused(db: asyncpg.Pool) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(_patient())), base_url="http://t") as c:
        # GIVEN a pending pick on a game that tips off in two seconds
        auth = bearer(await register(c, "alice"))
        game_id = await add_game(db, starts_in="2 seconds")
        placed = await c.post("/api/picks", json=_slip(game_id), headers=auth)
        assert placed.status_code == 201, placed.text
        pick_id = placed.json()["picks"][0]["id"]
        # AND an ingest holding the game row
        async with _held(db, _LOCKS["the game row (an ingest)"], game_id):
            # WHEN the cancel is sent before tip-off and waits past it
            request = asyncio.create_task(c.delete(f"/api/picks/{pick_id}", headers=auth))
            await _wait_until_blocked(db, request)
            assert await _before_tipoff(db, game_id)
            await _wait_past(db, game_id)
        response = await request
    # THEN the cancel is refused and the pick stands
    assert response.status_code == 409, response.text
    assert response.json()["error"]["code"] == "game_started"
    assert await db.fetchval("SELECT count(*) FROM pick") == 1


async def test_a_stored_pick_records_the_instant_it_was_stored(db: asyncpg.Pool) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(_patient())), base_url="http://t") as c:
        # GIVEN a game an hour away whose row an ingest holds for a moment
        auth = bearer(await register(c, "alice"))
        game_id = await add_game(db, starts_in="1 hour")
        async with _held(db, _LOCKS["the game row (an ingest)"], game_id):
            request = asyncio.create_task(c.post("/api/picks", json=_slip(game_id), headers=auth))
            await _wait_until_blocked(db, request)
            released_at = await db.fetchval("SELECT clock_timestamp()")
        # WHEN the slip goes through after the lock is released
        response = await request
    # THEN placed_at is when it was stored, after the wait, not when its transaction began
    assert response.status_code == 201, response.text
    assert await db.fetchval("SELECT placed_at FROM pick") >= released_at


@pytest.mark.parametrize("lock", list(_LOCKS), ids=["game-row", "pick-table"])
async def test_a_slip_waits_for_a_lock_a_bounded_time_then_gets_503(db: asyncpg.Pool, lock: str) -> None:
    settings = WebSettings(pick_lock_timeout_ms=200)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings)), base_url="http://t") as c:
        # GIVEN a lock that another session holds for longer than the pick lock timeout
        auth = bearer(await register(c, "alice"))
        game_id = await add_game(db, starts_in="1 hour")
        async with _held(db, _LOCKS[lock], game_id):
            # WHEN a slip needs it
            response = await c.post("/api/picks", json=_slip(game_id), headers=auth)
    # THEN the slip is answered 503 with Retry-After instead of waiting on, and nothing was stored
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "database_busy"
    assert response.headers["retry-after"] == "1"
    assert await db.fetchval("SELECT count(*) FROM pick") == 0
