"""Auth under abuse: argon2 off the database and bounded, sign-ups limited per client, the client IP not forgeable,
common passwords refused, one email per person whatever its case or Unicode form."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from starlette.requests import Request

from services.web.auth import security
from services.web.auth.passwords import common_passwords
from services.web.clients import client_ip
from services.web.main import create_app, server_config
from services.web.settings import WebSettings
from tests.web.helpers import PASSWORD, add_game, client, register


class _GatedHasher:
    """Stands in for argon2: every call waits until the test opens the gate, and says when it started."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.gate = threading.Event()
        self.started = threading.Semaphore(0)
        self.calls = 0

    def _wait(self) -> None:
        self.calls += 1
        self.started.release()
        assert self.gate.wait(timeout=30), "the test never opened the gate"

    def hash(self, password: str) -> str:
        self._wait()
        return str(self.real.hash(password))

    def verify(self, password: str, password_hash: str) -> bool:
        self._wait()
        return bool(self.real.verify(password, password_hash))


@pytest.fixture
def gated(monkeypatch: pytest.MonkeyPatch) -> Iterator[_GatedHasher]:
    hasher = _GatedHasher(security._hasher)
    monkeypatch.setattr(security, "_hasher", hasher)
    yield hasher
    hasher.gate.set()


async def _started(hasher: _GatedHasher, count: int = 1) -> None:
    for _ in range(count):
        assert await asyncio.to_thread(hasher.started.acquire, True, 10), "hashing never started"


async def _recorded(db: asyncpg.Pool, account: str) -> None:
    """Wait until a login on `account` has passed its database checks (it is then waiting to hash)."""
    for _ in range(500):
        if await db.fetchval("SELECT count(*) FROM login_failure WHERE account = $1", account):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"no login on {account} got past its checks")


def _login(c: httpx.AsyncClient, password: str = PASSWORD, username: str = "alice") -> Any:
    return c.post("/auth/login", json={"username": username, "password": password})


async def test_argon2_runs_without_holding_a_database_connection(
    db: asyncpg.Pool, pg_url: str, gated: _GatedHasher
) -> None:
    # GIVEN an app whose pool has a single connection, a player, and a game
    settings = WebSettings(
        database_url=f"{pg_url}?application_name=pickvs-single", db_pool_max_size=1, db_acquire_timeout_seconds=5
    )
    game_id = await add_game(db)
    async with client(settings) as c:
        gated.gate.set()
        await register(c, "alice")
        gated.gate.clear()
        # WHEN a login is in the middle of its argon2 verification
        login = asyncio.create_task(_login(c))
        await _started(gated)
        # THEN a read still gets the only connection
        read = await asyncio.wait_for(c.get(f"/api/games/{game_id}"), timeout=10)
        gated.gate.set()
        logged_in = await login
    assert read.status_code == 200, read.text
    assert logged_in.status_code == 200


async def test_hashing_past_the_workers_and_the_short_queue_is_shed_with_503(
    db: asyncpg.Pool, gated: _GatedHasher
) -> None:
    # GIVEN one argon2 worker and room for one more waiting request
    settings = WebSettings(password_hash_workers=1, password_hash_queue=1)
    async with client(settings) as c:
        gated.gate.set()
        await register(c, "alice")
        gated.gate.clear()
        # WHEN one login hashes and one waits for the worker
        first = asyncio.create_task(_login(c))
        second = asyncio.create_task(_login(c, "wrong password!", username="nobody"))
        await _started(gated)
        await _recorded(db, "login:nobody")
        # AND a third login and a sign-up arrive
        third = await _login(c)
        signup = await c.post(
            "/auth/register", json={"username": "bob", "email": "bob@example.com", "password": PASSWORD}
        )
        gated.gate.set()
        answers = [await first, await second]
    # THEN those two are shed at once with 503 + Retry-After, and the admitted ones are answered normally
    for shed in (third, signup):
        assert shed.status_code == 503
        assert shed.json()["error"]["code"] == "auth_busy"
        assert shed.headers["retry-after"] == "1"
    assert [r.status_code for r in answers] == [200, 401]
    # AND the shed login was never counted as a failure (only the wrong one was)
    assert [r["account"] for r in await db.fetch("SELECT account FROM login_failure")] == ["login:nobody"]


async def test_an_unknown_account_costs_one_password_verification_like_a_known_one(
    db: asyncpg.Pool, gated: _GatedHasher
) -> None:
    gated.gate.set()
    async with client() as c:
        await register(c, "alice")
        before = gated.calls
        await c.post("/auth/login", json={"username": "alice", "password": "not the password"})
        known = gated.calls - before
        await c.post("/auth/login", json={"username": "nobody", "password": "not the password"})
        unknown = gated.calls - before - known
    assert known == unknown == 1


async def test_sign_ups_are_limited_per_client(db: asyncpg.Pool) -> None:
    settings = WebSettings(register_max_per_client=3, register_window_seconds=3600)

    async def sign_up(c: httpx.AsyncClient, name: str) -> httpx.Response:
        return await c.post(
            "/auth/register", json={"username": name, "email": f"{name}@example.com", "password": PASSWORD}
        )

    # GIVEN a client that signed up three accounts
    async with client(settings, client_ip="10.0.0.7") as c:
        allowed = [await sign_up(c, f"user{i}") for i in range(3)]
        # WHEN it signs up a fourth
        refused = await sign_up(c, "user3")
    async with client(settings, client_ip="10.0.0.8") as other:
        elsewhere = await sign_up(other, "user4")
    # THEN it must wait out the window, while another client still can sign up
    assert [r.status_code for r in allowed] == [201, 201, 201]
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_registrations"
    assert 3595 <= int(refused.headers["retry-after"]) <= 3600
    assert elsewhere.status_code == 201
    assert await db.fetchval('SELECT count(*) FROM "user"') == 4


async def test_x_forwarded_for_does_not_move_a_client_past_the_limit_unless_a_trusted_proxy_sent_it(
    db: asyncpg.Pool,
) -> None:
    async def sign_ups(settings: WebSettings, peer: str, prefix: str) -> list[int]:
        statuses = []
        async with client(settings, client_ip=peer) as c:
            for i in range(3):
                response = await c.post(
                    "/auth/register",
                    json={"username": f"{prefix}{i}", "email": f"{prefix}{i}@example.com", "password": PASSWORD},
                    headers={"X-Forwarded-For": f"203.0.113.{i}"},
                )
                statuses.append(response.status_code)
        return statuses

    # GIVEN a limit of two sign-ups per client
    # WHEN a caller that is not a trusted proxy sends a new X-Forwarded-For each time
    untrusted = await sign_ups(WebSettings(register_max_per_client=2), "127.0.0.1", "untrusted")
    # AND a trusted proxy forwards three different clients
    trusted = await sign_ups(
        WebSettings(register_max_per_client=2, trusted_proxies=["10.0.0.0/8"]), "10.1.2.3", "trusted"
    )
    # THEN the header was ignored from the caller and believed from the proxy
    assert untrusted == [201, 201, 429]
    assert trusted == [201, 201, 201]


def _request(peer: str, forwarded: list[str]) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("198.51.100.7", ["203.0.113.9"], "198.51.100.7"),  # untrusted peer: its header is ignored
        ("10.0.0.5", ["203.0.113.9"], "203.0.113.9"),  # one trusted proxy
        ("10.0.0.5", ["1.2.3.4, 203.0.113.9, 10.0.0.6"], "203.0.113.9"),  # the client forged 1.2.3.4; two proxies
        ("10.0.0.5", ["1.2.3.4", "203.0.113.9"], "203.0.113.9"),  # the header sent twice reads as one list
        ("10.0.0.5", ["203.0.113.9, not-an-ip"], "10.0.0.5"),  # garbage where a proxy writes: the proxy is the client
        ("10.0.0.5", [], "10.0.0.5"),  # a trusted peer sending no header is the client
        ("::1", ["2001:db8::1"], "2001:db8::1"),  # IPv6 proxies and clients
    ],
)
def test_the_client_ip_is_the_nearest_hop_that_is_not_a_trusted_proxy(
    peer: str, forwarded: list[str], expected: str
) -> None:
    proxies = WebSettings(trusted_proxies=["10.0.0.0/8", "::1"]).trusted_proxies
    assert client_ip(_request(peer, forwarded), trusted_proxies=proxies) == expected


@pytest.mark.parametrize("password", ["aaaaaaaaaa", " " * 10, "password12", "Password12", "abcdefghij", "qwertyuiop"])
async def test_a_common_repeated_or_sequential_password_is_refused(db: asyncpg.Pool, password: str) -> None:
    async with client() as c:
        response = await c.post(
            "/auth/register", json={"username": "alice", "email": "alice@example.com", "password": password}
        )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "weak_password"
    assert await db.fetchval('SELECT count(*) FROM "user"') == 0


def test_the_shipped_common_password_list_is_the_full_one() -> None:
    passwords = common_passwords()
    assert len(passwords) == 19_640 and {"password12", "aaaaaaaaaa", "123456"} <= passwords
    assert all(p == p.lower() for p in passwords)


async def test_emails_are_unique_ignoring_case_beyond_ascii(db: asyncpg.Pool) -> None:
    async with client() as c:
        # GIVEN a player who signed up as ÉMILE@x.io
        first = await c.post("/auth/register", json={"username": "emile", "email": "ÉMILE@x.io", "password": PASSWORD})
        # WHEN someone signs up as émile@x.io, or with full-width letters that mean the same
        lower = await c.post("/auth/register", json={"username": "emile2", "email": "émile@x.io", "password": PASSWORD})
        wide = await c.post("/auth/register", json={"username": "emile3", "email": "Ｅmile@x.io", "password": PASSWORD})
        # AND the first player logs in typing the email another way
        login = await c.post("/auth/login", json={"username": "Émile@X.IO", "password": PASSWORD})
    # THEN the address is taken either way, stored once in its normal form, and finds the account
    assert first.status_code == 201 and first.json()["user"]["email"] == "émile@x.io"
    assert lower.status_code == 409 and lower.json()["error"]["code"] == "email_taken"
    assert wide.status_code == 201  # "emile@x.io" is a different address from "émile@x.io"
    assert login.status_code == 200 and login.json()["user"]["username"] == "emile"
    assert await db.fetchval("SELECT email FROM \"user\" WHERE username = 'emile3'") == "emile@x.io"


async def test_the_served_app_does_not_let_a_local_caller_choose_its_ip_by_header(db: asyncpg.Pool) -> None:
    # GIVEN the app served by uvicorn as `pickvs dev` serves it, on loopback, with two sign-ups allowed per client
    app = create_app(WebSettings(register_max_per_client=2))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(server_config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    try:
        for _ in range(500):
            if server.started:
                break
            await asyncio.sleep(0.01)
        # WHEN a local caller sends a different X-Forwarded-For with each sign-up
        statuses = []
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as c:
            for i in range(3):
                response = await c.post(
                    "/auth/register",
                    json={"username": f"local{i}", "email": f"local{i}@example.com", "password": PASSWORD},
                    headers={"X-Forwarded-For": f"203.0.113.{i}"},
                )
                statuses.append(response.status_code)
    finally:
        server.should_exit = True
        await serving
    # THEN the header did not make it three clients
    assert statuses == [201, 201, 429]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("10.0.0.0/8", ["10.0.0.0/8"]),
        ("10.0.0.0/8, 192.0.2.1", ["10.0.0.0/8", "192.0.2.1/32"]),
        ('["::1"]', ["::1/128"]),
    ],
)
def test_trusted_proxies_are_read_comma_separated_as_the_server_command_passes_them_or_as_json(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: list[str]
) -> None:
    monkeypatch.setenv("PICKVS_TRUSTED_PROXIES", value)
    assert [str(network) for network in WebSettings().trusted_proxies] == expected
