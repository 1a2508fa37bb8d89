"""The outbox and what a paid call leaves behind: an unreadable 200 keeps its credits and its body, the drain command
sends what waits, and a drain never sends a row twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import pytest

from pickvs.cli import main
from pickvs.db import transaction
from pickvs.sqs import queue_url
from services.fetcher import outbox
from services.fetcher.client import OddsApiClient
from services.fetcher.jobs import fetch_odds
from services.fetcher.ledger import RAW_BODY_LIMIT
from services.fetcher.report import StageOutcome
from services.fetcher.resources import FetcherDeps, odds_api_target, retry_policy
from tests.builders import final, game_info
from tests.fetcher.conftest import fetcher_settings
from tests.fetcher.fake_api import KEY, FakeOddsApi


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeOddsApi]:
    api = FakeOddsApi()
    await api.start()
    yield api
    await api.stop()


async def _fetch_odds(db: asyncpg.Pool, sqs: Any, api: FakeOddsApi) -> Any:
    settings = fetcher_settings(api.base_url, odds_api_key=KEY, odds_api_timeout_seconds=10)
    target = odds_api_target(settings)
    async with aiohttp.ClientSession() as session:
        client = OddsApiClient(session, target.base_url, target.api_key, settings.odds_api_timeout_seconds)
        return await fetch_odds(FetcherDeps(settings, db, sqs, client, target, retry=retry_policy(settings)))


async def _depth(sqs: Any, name: str) -> int:
    attributes = await sqs.get_queue_attributes(
        QueueUrl=await queue_url(sqs, name), AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


@pytest.mark.parametrize("body", ["<html>Bad gateway</html>" * 5000, '{"message": "not a list of games"}'])
async def test_an_unreadable_200_keeps_its_credits_and_its_body_and_says_so_in_one_line(
    db: asyncpg.Pool, sqs: Any, fake_api: FakeOddsApi, body: str
) -> None:
    # GIVEN an API that charges 3 credits for /odds and answers 200 with something that is not a list of games
    fake_api.odds_body = body
    # WHEN fetch-odds runs
    report = await _fetch_odds(db, sqs, fake_api)
    # THEN the stage failed with one line, the report counts the 3 credits, and the ledger row keeps the body (bounded)
    (stage,) = report.results
    assert stage.outcome is StageOutcome.FAILED and stage.credits == report.credits == 3
    assert "answered 200 with a body we cannot read" in stage.detail and "\n" not in stage.detail
    row = await db.fetchrow("SELECT requests_last, error, raw_body FROM odds_api_call WHERE endpoint = 'odds'")
    assert row["requests_last"] == 3 and row["error"]
    assert row["raw_body"] == body[:RAW_BODY_LIMIT]
    assert await db.fetchval("SELECT count(*) FROM outbox") == 0 and await _depth(sqs, "game-events") == 0


async def test_pickvs_outbox_drain_sends_what_waits_and_marks_it_sent(
    db: asyncpg.Pool, sqs: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN two results left in the outbox by a run that could not reach SQS
    async with transaction(db) as conn:
        await outbox.add(conn, "score-events", [final(game_info(f"g{n}"), 100, 90) for n in range(2)], call_id=None)
    # WHEN `pickvs outbox drain` runs
    code = await asyncio.to_thread(main, ["outbox", "drain"])
    # THEN both are on the queue, marked sent, and it says so
    assert code == 0
    assert "outbox: 2 events sent, 0 waiting" in capsys.readouterr().out
    assert await _depth(sqs, "score-events") == 2
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0


async def test_two_drains_at_once_send_each_row_once(db: asyncpg.Pool, sqs: Any) -> None:
    async with transaction(db) as conn:
        await outbox.add(conn, "score-events", [final(game_info(f"g{n}"), 100, 90) for n in range(250)], call_id=None)
    results = await asyncio.gather(outbox.drain(db, sqs), outbox.drain(db, sqs))
    assert sum(r.sent for r in results) == 250
    assert await _depth(sqs, "score-events") == 250
