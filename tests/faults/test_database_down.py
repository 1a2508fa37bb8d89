"""The database goes down under a running web app: every request is told 503 + Retry-After, and the app recovers
by itself once PostgreSQL is back.

This test runs its own throwaway cluster (not the session's), stops it with `pg_ctl stop -m fast` (what a server
shutdown or failover does: sessions are terminated, then connections are refused) and starts it again.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from devstack.postgres import EmbeddedPostgres
from schema.migrate import migrate
from services.web.main import create_app
from services.web.settings import WebSettings
from tests.web.helpers import PASSWORD, add_game, bearer, register


@pytest.fixture
def cluster() -> Iterator[EmbeddedPostgres]:
    root = Path(tempfile.mkdtemp(prefix="pickvs-outage-"))
    root.chmod(0o755)
    pg = EmbeddedPostgres(root, durable=False)
    pg.start()
    yield pg
    pg.stop()


@pytest.fixture
async def app_client(cluster: EmbeddedPostgres) -> AsyncIterator[tuple[httpx.AsyncClient, asyncpg.Pool]]:
    assert cluster.url is not None
    conn = await asyncpg.connect(cluster.url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    settings = WebSettings(database_url=cluster.url, db_retry_after_seconds=3, db_acquire_timeout_seconds=2)
    pool = await asyncpg.create_pool(cluster.url, min_size=1, max_size=2)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings)), base_url="http://t") as c:
        yield c, pool
    await pool.close()


async def test_while_the_database_is_down_every_request_gets_503_and_it_recovers_after(
    cluster: EmbeddedPostgres, app_client: tuple[httpx.AsyncClient, asyncpg.Pool]
) -> None:
    c, pool = app_client
    # GIVEN a working app with a player and a game
    auth = bearer(await register(c, "alice"))
    game_id = await add_game(pool)
    slip = {"picks": [{"game_id": game_id, "market": "h2h", "selection": "home", "price": -150, "stake": "1"}]}
    requests = {
        "board": lambda: c.get("/api/games/upcoming"),
        "game": lambda: c.get(f"/api/games/{game_id}"),
        "profile": lambda: c.get("/api/users/alice"),
        "me": lambda: c.get("/api/me", headers=auth),
        "login": lambda: c.post("/auth/login", json={"username": "alice", "password": PASSWORD}),
        "slip": lambda: c.post("/api/picks", json=slip, headers=auth),
    }
    assert (await requests["game"]()).status_code == 200

    # WHEN PostgreSQL shuts down
    await pool.close()
    await asyncio.to_thread(cluster.stop)
    down = {name: await send() for name, send in requests.items()}

    # THEN each request is answered 503 with Retry-After in the JSON error body
    for name, response in down.items():
        assert response.status_code == 503, (name, response.status_code, response.text)
        assert response.headers["retry-after"] == "3", name
        assert response.json()["error"]["code"] == "database_unavailable", name

    # AND once PostgreSQL is back, the same app serves them again without a restart
    await asyncio.to_thread(cluster.start)
    assert (await requests["game"]()).status_code == 200
    assert (await requests["login"]()).status_code == 200
    assert (await requests["slip"]()).status_code == 201
