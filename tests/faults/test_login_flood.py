"""A login flood does not starve reads: argon2 holds no database connection, runs at most one hash per core, and
sheds what does not fit in a short queue with 503 + Retry-After (or the throttles answer 429), while every read of
the board, a game and a profile is answered 200."""

from __future__ import annotations

import asyncio
from collections import Counter

import asyncpg
import httpx

from services.web.main import create_app
from services.web.settings import WebSettings
from tests.web.helpers import PASSWORD, add_game, register

CLIENTS = 30
ATTEMPTS_PER_CLIENT = 4
READS = 60


async def test_a_login_flood_is_shed_while_every_read_is_served(db: asyncpg.Pool) -> None:
    # GIVEN one app instance sized like a 2-core machine (2 argon2 workers, 8 waiting; default pool), a player, a game
    app = create_app(WebSettings(password_hash_workers=2, password_hash_queue=8))
    game_id = await add_game(db)

    def at(ip: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 50000)), base_url="http://t")

    async with at("10.0.0.1") as owner:
        await register(owner, "alice")

    logins: Counter[int] = Counter()
    reads: Counter[tuple[str, int]] = Counter()
    flooding = True

    async def hammer(n: int) -> None:
        async with at(f"10.1.0.{n}") as c:
            for attempt in range(ATTEMPTS_PER_CLIENT):
                password = PASSWORD if attempt == ATTEMPTS_PER_CLIENT - 1 else f"guess {n}-{attempt}"
                response = await c.post("/auth/login", json={"username": "alice", "password": password})
                logins[response.status_code] += 1

    async def read() -> None:
        async with at("10.2.0.1") as c:
            for i in range(READS):
                path = ("/api/games/upcoming", f"/api/games/{game_id}", "/api/users/alice")[i % 3]
                reads[(path, (await c.get(path)).status_code)] += 1
                if not flooding:
                    break
                await asyncio.sleep(0)

    # WHEN thirty clients hammer login while a reader reads
    reader = asyncio.create_task(read())
    await asyncio.gather(*(hammer(n) for n in range(CLIENTS)))
    flooding = False
    await reader

    # THEN every read was answered 200
    assert {status for _, status in reads} == {200}, reads
    # AND every login was answered: let in, refused, throttled or shed, and some were shed
    assert sum(logins.values()) == CLIENTS * ATTEMPTS_PER_CLIENT
    assert set(logins) <= {200, 401, 429, 503}, logins
    assert logins[503] > 0, logins
