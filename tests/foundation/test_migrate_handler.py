"""The migrate Lambda as CloudFormation runs it: a custom resource request in, the migrations applied to the database,
and the outcome PUT to the pre-signed response URL (a local server stands in for it)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from aiohttp import web

from schema import handler
from schema.migrate import load_migrations


class ResponseUrl:
    """CloudFormation's pre-signed S3 URL: records each PUT (its body and content type)."""

    def __init__(self) -> None:
        self.answers: list[tuple[dict[str, Any], str | None]] = []
        app = web.Application()
        app.router.add_put("/response", self.put)
        self.runner = web.AppRunner(app)
        self.url = ""

    async def put(self, request: web.Request) -> web.Response:
        self.answers.append((json.loads(await request.read()), request.headers.get("Content-Type")))
        return web.Response(status=200)


@pytest.fixture
async def response_url() -> AsyncIterator[ResponseUrl]:
    fake = ResponseUrl()
    await fake.runner.setup()
    site = web.TCPSite(fake.runner, "127.0.0.1", 0)
    await site.start()
    fake.url = f"http://127.0.0.1:{fake.runner.addresses[0][1]}/response"
    yield fake
    await fake.runner.cleanup()


def _request(kind: str, url: str, **extra: Any) -> dict[str, Any]:
    return {
        "RequestType": kind,
        "ResponseURL": url,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/pickvs/1",
        "RequestId": "req-1",
        "ResourceType": "Custom::SchemaMigrations",
        "LogicalResourceId": "SchemaMigrations",
        "ResourceProperties": {"MigrateVersion": "3"},
        **extra,
    }


@pytest.fixture
async def empty_database(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """A new, empty database in the test cluster, and the settings pointed at it."""
    admin = await asyncpg.connect(pg_url)
    await admin.execute("DROP DATABASE IF EXISTS pickvs_migrate_handler")
    await admin.execute("CREATE DATABASE pickvs_migrate_handler")
    parts = urlsplit(pg_url)
    url = urlunsplit(parts._replace(path="/pickvs_migrate_handler"))
    monkeypatch.setenv("PICKVS_DATABASE_URL", url)
    yield url
    await admin.execute("DROP DATABASE IF EXISTS pickvs_migrate_handler WITH (FORCE)")
    await admin.close()


async def test_a_stack_create_applies_every_migration_and_answers_success(
    response_url: ResponseUrl, empty_database: str
) -> None:
    # GIVEN an empty database and CloudFormation creating the stack
    event = _request("Create", response_url.url)
    # WHEN the custom resource runs
    result = await asyncio.to_thread(handler.lambda_handler, event, None)
    # THEN every migration is applied and CloudFormation hears SUCCESS, with no content type on the PUT
    names = [f"{m.version}_{m.name}" for m in load_migrations()]
    assert result == {"applied": names}
    conn = await asyncpg.connect(empty_database)
    try:
        assert [r["version"] for r in await conn.fetch("SELECT version FROM schema_migration ORDER BY version")] == [
            m.version for m in load_migrations()
        ]
    finally:
        await conn.close()
    [(answer, content_type)] = response_url.answers
    assert answer["Status"] == "SUCCESS" and answer["Data"] == {"Applied": ",".join(names)}
    assert answer["PhysicalResourceId"] == handler.PHYSICAL_ID and answer["RequestId"] == "req-1"
    assert not content_type


async def test_an_update_on_an_up_to_date_database_changes_nothing_and_keeps_the_resource(
    response_url: ResponseUrl, empty_database: str
) -> None:
    await asyncio.to_thread(handler.lambda_handler, {"anything": "not CloudFormation"}, None)
    event = _request("Update", response_url.url, PhysicalResourceId=handler.PHYSICAL_ID)
    result = await asyncio.to_thread(handler.lambda_handler, event, None)
    assert result == {"applied": []}
    [(answer, _)] = response_url.answers
    assert answer["Status"] == "SUCCESS" and answer["Reason"] == "the database is up to date"
    assert answer["PhysicalResourceId"] == handler.PHYSICAL_ID


async def test_a_database_out_of_reach_answers_failed_in_one_line_instead_of_leaving_the_stack_waiting(
    response_url: ResponseUrl, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a database nobody listens for
    monkeypatch.setenv("PICKVS_DATABASE_URL", "postgresql://pickvs:x@127.0.0.1:9/pickvs")
    # WHEN CloudFormation creates the stack
    await asyncio.to_thread(handler.lambda_handler, _request("Create", response_url.url), None)
    # THEN it hears FAILED with the cause
    [(answer, _)] = response_url.answers
    assert answer["Status"] == "FAILED" and answer["Reason"].startswith("migrations not applied: ")
    assert "\n" not in answer["Reason"]


async def test_deleting_the_stack_never_touches_the_database(
    response_url: ResponseUrl, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PICKVS_DATABASE_URL", "postgresql://pickvs:x@127.0.0.1:9/pickvs")
    event = _request("Delete", response_url.url, PhysicalResourceId=handler.PHYSICAL_ID)
    assert await asyncio.to_thread(handler.lambda_handler, event, None) == {"applied": []}
    [(answer, _)] = response_url.answers
    assert answer["Status"] == "SUCCESS"
