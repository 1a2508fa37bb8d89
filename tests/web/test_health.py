"""GET /healthz reports the database and the queues."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx

from services.web.main import create_app
from services.web.settings import WebSettings


async def _get(settings: WebSettings) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings)), base_url="http://t") as c:
        return await c.get("/healthz")


async def test_healthz_is_ok_when_database_and_queues_answer(db: asyncpg.Pool, sqs: Any) -> None:
    response = await _get(WebSettings())
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["database"]["schema_version"]
    assert set(body["queues"]) == {"game-events", "score-events"}
    assert all(q["ok"] and q["dead_lettered"] == 0 for q in body["queues"].values())


async def test_healthz_is_503_when_the_queues_do_not_answer(db: asyncpg.Pool) -> None:
    settings = WebSettings(sqs_endpoint_url="http://127.0.0.1:9")  # nothing listens on the discard port
    response = await _get(settings)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded" and body["database"]["ok"]
    assert not body["queues"]["score-events"]["ok"] and body["queues"]["score-events"]["error"]
