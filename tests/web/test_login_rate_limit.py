"""Failed logins are limited per account and per client, across instances, with 429 + Retry-After."""

from __future__ import annotations

import asyncpg
import httpx

from services.web.settings import WebSettings
from tests.web.helpers import PASSWORD, client, register


def limits() -> WebSettings:
    return WebSettings(login_max_failures_per_account=3, login_max_failures_per_client=5, login_window_seconds=600)


async def _login(c: httpx.AsyncClient, username: str, password: str = "wrong password!") -> httpx.Response:
    return await c.post("/auth/login", json={"username": username, "password": password})


async def test_an_account_is_locked_after_too_many_failures_even_for_the_right_password(db: asyncpg.Pool) -> None:
    async with client(limits()) as c:
        await register(c, "alice")
        failures = [await _login(c, "alice") for _ in range(3)]
        locked = await _login(c, "ALICE", PASSWORD)
    assert [r.status_code for r in failures] == [401, 401, 401]
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "too_many_attempts"
    assert 595 <= int(locked.headers["retry-after"]) <= 600


async def test_the_limit_treats_unknown_and_known_accounts_alike(db: asyncpg.Pool) -> None:
    async with client(limits()) as c:
        await register(c, "alice")
        known = [await _login(c, "alice") for _ in range(4)]
    async with client(limits(), client_ip="10.0.0.2") as c:
        unknown = [await _login(c, "nobody") for _ in range(4)]
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401, 401, 401, 429]
    # Same code and message; only the seconds to wait may differ by the time between the two runs.
    assert {k: v for k, v in known[-1].json()["error"].items() if k != "details"} == {
        k: v for k, v in unknown[-1].json()["error"].items() if k != "details"
    }


async def test_a_client_spraying_many_accounts_is_limited_but_other_clients_are_not(db: asyncpg.Pool) -> None:
    async with client(limits(), client_ip="10.0.0.9") as sprayer:
        await register(sprayer, "alice")
        attempts = [await _login(sprayer, f"user{i}") for i in range(6)]
        own_account = await _login(sprayer, "alice", PASSWORD)
    async with client(limits(), client_ip="10.0.0.10") as other:
        elsewhere = await _login(other, "alice", PASSWORD)
    assert [r.status_code for r in attempts] == [401] * 5 + [429]
    assert own_account.status_code == 429
    assert elsewhere.status_code == 200


async def test_a_successful_login_clears_the_account_failures(db: asyncpg.Pool) -> None:
    async with client(limits()) as c:
        await register(c, "alice")
        before = [await _login(c, "alice") for _ in range(2)]
        ok = await _login(c, "alice", PASSWORD)
        after = [await _login(c, "alice") for _ in range(2)]
        still_ok = await _login(c, "alice", PASSWORD)
    assert [r.status_code for r in before + after] == [401] * 4
    assert ok.status_code == still_ok.status_code == 200


async def test_the_limit_is_shared_by_several_web_instances(db: asyncpg.Pool) -> None:
    async with client(limits()) as first, client(limits()) as second:
        await register(first, "alice")
        await _login(first, "alice")
        await _login(second, "alice")
        await _login(first, "alice")
        response = await _login(second, "alice", PASSWORD)
    assert response.status_code == 429


async def test_failures_older_than_the_window_no_longer_count_and_are_pruned(db: asyncpg.Pool) -> None:
    async with client(limits()) as c:
        await register(c, "alice")
        for _ in range(3):
            await _login(c, "alice")
        await db.execute("UPDATE login_failure SET at = at - interval '11 minutes'")
        ok = await _login(c, "alice", PASSWORD)
        await _login(c, "bob")
    assert ok.status_code == 200
    # Only the newest failure (for bob and this client) is left; the expired ones were pruned on that write.
    keys = sorted(r["key"] for r in await db.fetch("SELECT key FROM login_failure"))
    assert keys == ["account:bob", "client:127.0.0.1"]


async def test_a_burst_of_parallel_guesses_cannot_exceed_the_account_limit(db: asyncpg.Pool) -> None:
    import asyncio

    async with client(limits()) as c:
        await register(c, "alice")
        responses = await asyncio.gather(*(_login(c, "alice") for _ in range(8)))
    assert sorted(r.status_code for r in responses) == [401] * 3 + [429] * 5
    assert await db.fetchval("SELECT count(*) FROM login_failure WHERE key = 'account:alice'") == 3
