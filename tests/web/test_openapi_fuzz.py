"""Schemathesis over the whole OpenAPI schema: no 5xx, every status is declared, every body matches its schema.

Requests go through httpx's ASGITransport on one event loop kept in a background thread for the module, so the app's
database pool lives on one loop and is closed on it when the module ends (hypothesis drives the cases synchronously).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine, Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from pickvs.db import get_pool
from services.web.main import create_app
from services.web.settings import WebSettings

# The schema is read from the app itself; it does not need a database (none is configured at import time).
schema = schemathesis.openapi.from_dict(create_app(WebSettings(env="dev")).openapi())

CHECKS = [not_a_server_error, response_schema_conformance]


class _Loop:
    """An event loop running in a thread, so synchronous hypothesis tests can await the async app on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


@pytest.fixture(scope="module")
def api(pg_url: str) -> Iterator[tuple[_Loop, httpx.AsyncClient, dict[str, str]]]:
    """An app on its own loop with a fresh database and one registered player's token, shared by every case."""
    from tests.conftest import truncate_all
    from tests.web.helpers import add_game

    loop = _Loop()
    app_settings = WebSettings(login_max_failures_per_account=3, login_max_failures_per_client=1000)
    app = create_app(app_settings)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")

    async def setup() -> dict[str, str]:
        await truncate_all(await get_pool(app_settings))
        # Game 1 matches the slip example in the schema, so the fuzz also places (and may cancel) real picks.
        await add_game(await get_pool(app_settings))
        response = await client.post(
            "/auth/register",
            json={"username": "fuzzer", "email": "fuzzer@example.com", "password": "a long enough password"},
        )
        assert response.status_code == 201, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    auth = loop.run(setup())
    yield loop, client, auth

    async def teardown() -> None:
        await client.aclose()
        # Only this loop's pool: the other tests' pool belongs to the session loop.
        await (await get_pool(app_settings)).close()

    loop.run(teardown())
    loop.stop()


def _httpx_kwargs(case: schemathesis.Case, auth: dict[str, str]) -> dict[str, Any]:
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=auth)
    request = {k: kwargs.pop(k) for k in ("method", "url", "headers", "params")}
    if cookies := kwargs.pop("cookies", None):
        request["headers"]["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if "json" in kwargs:
        request["json"] = kwargs.pop("json")
    if "data" in kwargs:
        data = kwargs.pop("data")
        request["data" if isinstance(data, dict) else "content"] = data
    if "files" in kwargs:
        request["files"] = kwargs.pop("files")
    kwargs.pop("auth", None)
    assert not kwargs, f"unmapped request arguments: {sorted(kwargs)}"
    return request


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_every_response_matches_the_schema(
    case: schemathesis.Case, api: tuple[_Loop, httpx.AsyncClient, dict[str, str]]
) -> None:
    loop, client, auth = api
    response = loop.run(client.request(**_httpx_kwargs(case, auth)))
    if case.path == "/healthz" and response.status_code == 503:
        # No SQS runs for this module: the probe's documented "degraded" answer, not a server fault.
        case.validate_response(response, checks=[response_schema_conformance])
        return
    # 405 for a method a path does not have is the framework's, and no API lists it; every other status is declared.
    checks = CHECKS if response.status_code == 405 else [*CHECKS, status_code_conformance]
    case.validate_response(response, checks=checks)
