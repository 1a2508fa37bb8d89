"""Login throttles: strict per (account, client) and per client, growing delays per account, no lockout of the owner.

Clients are told apart by the address the app sees (`client_ip=` of the test client); Alice registers from 10.0.0.1,
which makes it a client she has used.
"""

from __future__ import annotations

import asyncio

import asyncpg
import httpx

from services.web.settings import WebSettings
from tests.web.helpers import PASSWORD, client, register

OWNER = "10.0.0.1"
GUESSER = "10.6.6.6"


def limits(**overrides: float) -> WebSettings:
    values: dict[str, float] = {
        "login_max_failures_per_account_client": 3,
        "login_max_failures_per_client": 5,
        "login_window_seconds": 600,
        "login_account_window_seconds": 600,
        "login_account_free_failures": 100,
    }
    return WebSettings(**(values | overrides))


async def _login(c: httpx.AsyncClient, username: str, password: str = "wrong password!") -> httpx.Response:
    return await c.post("/auth/login", json={"username": username, "password": password})


async def test_a_client_is_stopped_after_too_many_failures_on_one_account_even_with_the_right_password(
    db: asyncpg.Pool,
) -> None:
    async with client(limits(), client_ip=OWNER) as owner:
        await register(owner, "alice")
    async with client(limits(), client_ip=GUESSER) as guesser:
        # GIVEN three wrong guesses on alice from one client
        failures = [await _login(guesser, "alice") for _ in range(3)]
        # WHEN that client tries again, even with the right password
        stopped = await _login(guesser, "ALICE", PASSWORD)
    # THEN it waits out the window
    assert [r.status_code for r in failures] == [401, 401, 401]
    assert stopped.status_code == 429
    assert stopped.json()["error"]["code"] == "too_many_attempts"
    assert 595 <= int(stopped.headers["retry-after"]) <= 600


async def test_the_owner_from_their_own_client_still_gets_in_while_another_client_guesses(db: asyncpg.Pool) -> None:
    settings = limits(login_account_free_failures=2, login_account_delay_base_seconds=60)
    async with client(settings, client_ip=OWNER) as owner:
        await register(owner, "alice")
        # GIVEN a guesser who has run into every limit on alice
        async with client(settings, client_ip=GUESSER) as guesser:
            guesses = [await _login(guesser, "alice") for _ in range(5)]
        # WHEN alice logs in from the client she signed up from
        response = await _login(owner, "alice", PASSWORD)
    # THEN she gets in: nothing the guesser did locks her out
    assert [r.status_code for r in guesses] == [401, 401, 429, 429, 429]
    assert response.status_code == 200, response.text


async def test_guessing_one_account_from_many_clients_meets_delays_that_grow_and_then_let_through(
    db: asyncpg.Pool,
) -> None:
    settings = limits(login_account_free_failures=2, login_account_delay_base_seconds=10)
    async with client(settings, client_ip=OWNER) as owner:
        await register(owner, "alice")

    async def guess(n: int) -> httpx.Response:
        async with client(settings, client_ip=f"10.9.0.{n}") as c:
            return await _login(c, "alice")

    # GIVEN two failures from two clients (the free ones)
    free = [await guess(1), await guess(2)]
    # WHEN a third client guesses at once
    first_delay = await guess(3)
    # AND again once that delay has passed (the failures are moved back in time instead of waiting)
    await db.execute("UPDATE login_failure SET at = at - interval '11 seconds'")
    after_delay = await guess(3)
    second_delay = await guess(4)
    # THEN the third guess waited 10 s, the next was let through, and the one after it waits twice as long
    assert [r.status_code for r in free] == [401, 401]
    assert first_delay.status_code == 429 and 9 <= int(first_delay.headers["retry-after"]) <= 10
    assert after_delay.status_code == 401
    assert second_delay.status_code == 429 and 19 <= int(second_delay.headers["retry-after"]) <= 20


async def test_the_same_counter_holds_whether_the_username_or_the_email_is_typed(db: asyncpg.Pool) -> None:
    async with client(limits(), client_ip=OWNER) as owner:
        await register(owner, "alice", email="alice@example.com")
    async with client(limits(), client_ip=GUESSER) as guesser:
        # GIVEN failures typed as the username, the email and the username in capitals
        failures = [await _login(guesser, name) for name in ("alice", "ALICE@example.com", "Alice")]
        # WHEN the same client types the email again
        response = await _login(guesser, "alice@EXAMPLE.com", PASSWORD)
    # THEN they all counted against one account
    assert [r.status_code for r in failures] == [401, 401, 401]
    assert response.status_code == 429


async def test_the_limit_treats_unknown_and_known_accounts_alike(db: asyncpg.Pool) -> None:
    async with client(limits(), client_ip=OWNER) as owner:
        await register(owner, "alice")
    async with client(limits(), client_ip="10.0.0.2") as c:
        known = [await _login(c, "alice") for _ in range(4)]
    async with client(limits(), client_ip="10.0.0.3") as c:
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


async def test_a_successful_login_clears_this_clients_failures_on_the_account(db: asyncpg.Pool) -> None:
    async with client(limits(), client_ip=OWNER) as c:
        await register(c, "alice")
        before = [await _login(c, "alice") for _ in range(2)]
        ok = await _login(c, "alice", PASSWORD)
        after = [await _login(c, "alice") for _ in range(2)]
        still_ok = await _login(c, "alice", PASSWORD)
    assert [r.status_code for r in before + after] == [401] * 4
    assert ok.status_code == still_ok.status_code == 200


async def test_the_limit_is_shared_by_several_web_instances(db: asyncpg.Pool) -> None:
    async with client(limits(), client_ip=OWNER) as owner:
        await register(owner, "alice")
    async with client(limits(), client_ip=GUESSER) as first, client(limits(), client_ip=GUESSER) as second:
        await _login(first, "alice")
        await _login(second, "alice")
        await _login(first, "alice")
        response = await _login(second, "alice", PASSWORD)
    assert response.status_code == 429


async def test_failures_older_than_the_window_no_longer_count_and_are_pruned(db: asyncpg.Pool) -> None:
    async with client(limits(), client_ip=OWNER) as owner:
        await register(owner, "alice")
    async with client(limits(), client_ip=GUESSER) as c:
        for _ in range(3):
            await _login(c, "alice")
        await db.execute("UPDATE login_failure SET at = at - interval '11 minutes'")
        ok = await _login(c, "alice", PASSWORD)
        await _login(c, "bob")
    assert ok.status_code == 200
    # Only the newest failure (bob, from this client) is left; the expired ones were pruned on a later write.
    rows = [tuple(r) for r in await db.fetch("SELECT account, client FROM login_failure")]
    assert rows == [("login:bob", GUESSER)]


async def test_a_burst_of_parallel_guesses_cannot_exceed_the_limit(db: asyncpg.Pool) -> None:
    async with client(limits(), client_ip=OWNER) as owner:
        await register(owner, "alice")
    async with client(limits(), client_ip=GUESSER) as c:
        responses = await asyncio.gather(*(_login(c, "alice") for _ in range(8)))
    assert sorted(r.status_code for r in responses) == [401] * 3 + [429] * 5
    assert await db.fetchval("SELECT count(*) FROM login_failure") == 3


async def test_with_no_free_failures_an_account_without_failures_is_not_delayed(db: asyncpg.Pool) -> None:
    settings = limits(login_account_free_failures=0)
    async with client(settings, client_ip=OWNER) as owner:
        await register(owner, "alice")
    async with client(settings, client_ip=GUESSER) as elsewhere:
        first = await _login(elsewhere, "alice", PASSWORD)
    assert first.status_code == 200
