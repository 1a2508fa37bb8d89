"""While PostgreSQL cannot serve a request, every route answers 503 with Retry-After and the JSON error body."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import asyncpg
import httpx
import pytest

from pickvs.db import get_pool
from services.web.auth.security import create_access_token
from services.web.main import create_app
from services.web.settings import WebSettings
from tests.web.helpers import PASSWORD, add_game, bearer, register

# A valid request for every route that reads or writes the database (path parameters filled in, bodies valid).
_REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/auth/register", {"json": {"username": "bob", "email": "bob@example.com", "password": PASSWORD}}),
    ("POST", "/auth/login", {"json": {"username": "alice", "password": PASSWORD}}),
    ("GET", "/api/me", {}),
    ("GET", "/api/games/upcoming", {}),
    ("GET", "/api/games/1", {}),
    ("GET", "/api/games/1/consensus", {}),
    ("GET", "/api/leaderboard", {}),
    ("GET", "/api/leaderboard/me", {}),
    ("GET", "/api/users/alice", {}),
    ("GET", "/api/picks/me", {}),
    (
        "POST",
        "/api/picks",
        {"json": {"picks": [{"game_id": 1, "market": "h2h", "selection": "home", "price": -150, "stake": "1"}]}},
    ),
    ("DELETE", "/api/picks/1", {}),
    ("POST", "/api/leagues", {"json": {"name": "Friday Five"}}),
    ("GET", "/api/leagues", {}),
    ("POST", "/api/leagues/join", {"json": {"code": "q7Xb2mN0Zp4-Tr_9"}}),
    ("GET", "/api/leagues/1", {}),
    ("DELETE", "/api/leagues/1", {}),
    ("POST", "/api/leagues/1/invite", {}),
    ("POST", "/api/leagues/1/owner", {"json": {"username": "alice"}}),
    ("GET", "/api/leagues/1/members", {}),
    ("DELETE", "/api/leagues/1/members/alice", {}),
    ("GET", "/api/leagues/1/leaderboard", {}),
    ("GET", "/api/leagues/1/leaderboard/me", {}),
    ("GET", "/api/leagues/1/feed", {}),
]


# Routes that never read the database: they answer whatever state it is in.
_NO_DATABASE = {("GET", "/healthz"), ("GET", "/api/rules")}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_every_database_route_is_listed_here_and_declares_503_with_retry_after() -> None:
    # GIVEN the API's own schema
    paths = create_app(WebSettings()).openapi()["paths"]
    operations = {(method.upper(), path): spec for path, methods in paths.items() for method, spec in methods.items()}
    # THEN every operation that reads the database is exercised below, and every one but the probe declares 503
    listed = {(method, path) for method, path, _ in _REQUESTS}
    templated = {
        (
            m,
            p.replace("{game_id}", "1")
            .replace("{pick_id}", "1")
            .replace("{league_id}", "1")
            .replace("{username}", "alice"),
        )
        for m, p in operations
    }
    assert templated - _NO_DATABASE == listed
    for (method, path), spec in operations.items():
        if path != "/healthz":
            assert "Retry-After" in spec["responses"]["503"]["headers"], (method, path)


@pytest.mark.parametrize(("method", "path", "kwargs"), _REQUESTS, ids=[f"{m} {p}" for m, p, _ in _REQUESTS])
async def test_a_refused_database_connection_is_a_503_with_retry_after(
    method: str, path: str, kwargs: dict[str, Any]
) -> None:
    # GIVEN an app whose database refuses connections (nothing listens on its port)
    settings = WebSettings(
        database_url=f"postgresql://pickvs@127.0.0.1:{_closed_port()}/pickvs", db_retry_after_seconds=7
    )
    token = create_access_token(user_id=1, settings=settings).token
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings)), base_url="http://t") as c:
        # WHEN a valid request arrives
        response = await c.request(method, path, headers={"Authorization": f"Bearer {token}"}, **kwargs)
    # THEN it is told to come back later, in the one error body
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "7"
    assert response.json()["error"]["code"] == "database_unavailable"


async def test_a_request_that_finds_no_free_connection_in_time_gets_503(db: asyncpg.Pool, pg_url: str) -> None:
    # GIVEN an app with a pool of one connection, which something else holds
    settings = WebSettings(
        database_url=f"{pg_url}?application_name=pickvs-one", db_pool_max_size=1, db_acquire_timeout_seconds=0.2
    )
    pool = await get_pool(settings)
    held = await pool.acquire()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings)), base_url="http://t") as c:
            # WHEN a request needs the database
            response = await c.get("/api/leaderboard")
    finally:
        await pool.release(held)
        await pool.close()
    # THEN it waits the acquire timeout, then answers 503 instead of queueing forever
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"
    assert int(response.headers["retry-after"]) >= 1


async def test_a_connection_terminated_by_the_server_mid_request_is_a_503_and_stores_nothing(
    db: asyncpg.Pool,
) -> None:
    # GIVEN a player, a game whose row another session holds locked, and a slip waiting on that lock
    game_id = await add_game(db)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(WebSettings(pick_lock_timeout_ms=60_000))), base_url="http://t"
    ) as c:
        auth = bearer(await register(c, "alice"))
        locker = await db.acquire()
        try:
            await locker.execute("BEGIN")
            await locker.execute("SELECT 1 FROM game WHERE id = $1 FOR UPDATE", game_id)
            slip = {"picks": [{"game_id": game_id, "market": "h2h", "selection": "home", "price": -150, "stake": "1"}]}
            request = asyncio.create_task(c.post("/api/picks", json=slip, headers=auth))
            waiting = None
            for _ in range(200):
                waiting = await db.fetchval(
                    "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
                )
                if waiting is not None:
                    break
                await asyncio.sleep(0.02)
            assert waiting is not None, "the slip never waited for the game row"
            # WHEN an administrator terminates that backend (what a server shutdown does to every session)
            await db.execute("SELECT pg_terminate_backend($1)", waiting)
            response = await request
        finally:
            await locker.execute("ROLLBACK")
            await db.release(locker)
    # THEN the client is told to retry, and nothing was stored
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"
    assert await db.fetchval("SELECT count(*) FROM pick") == 0
