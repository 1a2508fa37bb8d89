"""Accounts: registration, login (JSON and OAuth2 form), tokens, the current user."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
from jose import jwt

from services.web.auth.security import create_access_token
from services.web.settings import WebSettings
from tests.web.helpers import PASSWORD, bearer, client, register


async def test_register_returns_201_with_a_token_that_opens_me(db: asyncpg.Pool) -> None:
    async with client() as c:
        body = await register(c, "alice")
        me = await c.get("/api/me", headers=bearer(body))
    assert body["token_type"] == "bearer" and body["expires_in"] == 24 * 3600
    assert body["user"]["username"] == "alice"
    assert me.status_code == 200
    assert me.json()["email"] == "alice@example.com" and me.json()["total_units"] == "0.00"
    assert me.json()["roi"] is None


async def test_password_is_stored_as_an_argon2_hash(db: asyncpg.Pool) -> None:
    async with client() as c:
        await register(c, "alice")
    stored = await db.fetchval('SELECT password_hash FROM "user"')
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


async def test_username_and_email_are_unique_ignoring_case(db: asyncpg.Pool) -> None:
    async with client() as c:
        await register(c, "Alice", email="alice@example.com")
        same_name = await c.post(
            "/auth/register", json={"username": "aLICE", "email": "other@example.com", "password": PASSWORD}
        )
        same_email = await c.post(
            "/auth/register", json={"username": "bob", "email": "ALICE@Example.com", "password": PASSWORD}
        )
    assert same_name.status_code == 409 and same_name.json()["error"]["code"] == "username_taken"
    assert same_email.status_code == 409 and same_email.json()["error"]["code"] == "email_taken"
    assert await db.fetchval('SELECT count(*) FROM "user"') == 1


async def test_a_short_password_or_one_equal_to_username_or_email_is_refused(db: asyncpg.Pool) -> None:
    async with client() as c:
        short = await c.post(
            "/auth/register", json={"username": "alice", "email": "a@example.com", "password": "short"}
        )
        as_name = await c.post(
            "/auth/register",
            json={"username": "alice_longname", "email": "a@example.com", "password": "ALICE_LONGNAME"},
        )
        as_email = await c.post(
            "/auth/register", json={"username": "alice", "email": "alice@example.com", "password": "alice@example.com"}
        )
    for response in (short, as_name, as_email):
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "weak_password"
    assert await db.fetchval('SELECT count(*) FROM "user"') == 0


async def test_an_invalid_registration_body_gets_the_json_error_body(db: asyncpg.Pool) -> None:
    async with client() as c:
        response = await c.post("/auth/register", json={"username": "a b", "email": "nope", "password": PASSWORD})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert {tuple(d["loc"]) for d in error["details"]} == {("body", "username"), ("body", "email")}


async def test_login_with_json_by_username_or_email_returns_a_token(db: asyncpg.Pool) -> None:
    async with client() as c:
        await register(c, "Alice", email="alice@example.com")
        by_name = await c.post("/auth/login", json={"username": "alice", "password": PASSWORD})
        by_email = await c.post("/auth/login", json={"username": "ALICE@example.com", "password": PASSWORD})
        me = await c.get("/api/me", headers=bearer(by_email.json()))
    assert by_name.status_code == 200 and by_email.status_code == 200
    assert me.json()["username"] == "Alice"


async def test_login_accepts_the_oauth2_password_form(db: asyncpg.Pool) -> None:
    async with client() as c:
        await register(c, "alice")
        response = await c.post(
            "/auth/login", data={"grant_type": "password", "username": "alice", "password": PASSWORD}
        )
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer" and response.json()["access_token"]


async def test_login_does_not_reveal_whether_the_account_exists(db: asyncpg.Pool) -> None:
    async with client() as c:
        await register(c, "alice")
        wrong_password = await c.post("/auth/login", json={"username": "alice", "password": "not the password"})
        no_account = await c.post("/auth/login", json={"username": "nobody", "password": "not the password"})
    assert wrong_password.status_code == no_account.status_code == 401
    assert wrong_password.json() == no_account.json()
    assert wrong_password.headers.get("www-authenticate") == no_account.headers.get("www-authenticate") == "Bearer"


async def test_me_without_a_token_is_401_with_a_bearer_challenge(db: asyncpg.Pool) -> None:
    async with client() as c:
        response = await c.get("/api/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["code"] == "not_authenticated"


async def test_an_expired_token_is_401(db: asyncpg.Pool) -> None:
    settings = WebSettings()
    async with client(settings) as c:
        user = (await register(c, "alice"))["user"]
        expired = create_access_token(
            user_id=user["id"], settings=settings, now=datetime.now(UTC) - timedelta(days=2)
        ).token
        response = await c.get("/api/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_token"


async def test_a_token_signed_with_another_secret_or_algorithm_is_401(db: asyncpg.Pool) -> None:
    settings = WebSettings()
    async with client(settings) as c:
        user = (await register(c, "alice"))["user"]
        now = int(datetime.now(UTC).timestamp())
        claims = {"sub": str(user["id"]), "iat": now, "exp": now + 600}
        forged = jwt.encode(claims, "another-secret", algorithm="HS256")
        other_alg = jwt.encode(claims, settings.jwt_secret, algorithm="HS512")
        unsigned = jwt.encode(claims, "", algorithm="HS256").rsplit(".", 1)[0] + "."
        responses = [
            await c.get("/api/me", headers={"Authorization": f"Bearer {t}"})
            for t in (forged, other_alg, unsigned, "garbage")
        ]
    assert [r.status_code for r in responses] == [401, 401, 401, 401]


async def test_a_token_of_a_deleted_account_is_401(db: asyncpg.Pool) -> None:
    async with client() as c:
        body = await register(c, "alice")
        await db.execute('DELETE FROM "user"')
        response = await c.get("/api/me", headers=bearer(body))
    assert response.status_code == 401


async def test_the_token_is_hs256_with_subject_issue_and_expiry(db: asyncpg.Pool) -> None:
    settings = WebSettings(jwt_ttl_minutes=30)
    async with client(settings) as c:
        body = await register(c, "alice")
    token = body["access_token"]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, settings.jwt_secret, algorithms=["HS256"])
    assert claims["sub"] == str(body["user"]["id"])
    assert claims["exp"] - claims["iat"] == 30 * 60 == body["expires_in"]
