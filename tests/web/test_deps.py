"""The auth dependencies other routers build on: CurrentUser and OptionalUser."""

from __future__ import annotations

import asyncpg
import httpx
from fastapi import FastAPI

from services.web.deps import CurrentUser, OptionalUser
from services.web.main import create_app
from services.web.settings import WebSettings
from tests.web.helpers import bearer, register


def _app() -> FastAPI:
    app = create_app(WebSettings())

    async def who(user: OptionalUser) -> dict[str, str | None]:
        return {"username": user.username if user else None}

    async def me(user: CurrentUser) -> dict[str, str]:
        return {"username": user.username}

    app.add_api_route("/who", who)
    app.add_api_route("/must", me)
    return app


async def test_optional_user_is_none_without_a_token_and_the_user_with_one(db: asyncpg.Pool) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t") as c:
        auth = bearer(await register(c, "alice"))
        anonymous = await c.get("/who")
        known = await c.get("/who", headers=auth)
        bad = await c.get("/who", headers={"Authorization": "Bearer not-a-token"})
    assert anonymous.json() == {"username": None}
    assert known.json() == {"username": "alice"}
    assert bad.status_code == 401 and bad.headers["www-authenticate"] == "Bearer"
    assert bad.json()["error"]["code"] == "invalid_token"


async def test_current_user_requires_a_valid_token(db: asyncpg.Pool) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t") as c:
        auth = bearer(await register(c, "alice"))
        missing = await c.get("/must")
        wrong_scheme = await c.get("/must", headers={"Authorization": "Basic YWxpY2U6cHc="})
        ok = await c.get("/must", headers=auth)
    assert missing.status_code == wrong_scheme.status_code == 401
    assert missing.json()["error"]["code"] == "not_authenticated"
    assert ok.json() == {"username": "alice"}
