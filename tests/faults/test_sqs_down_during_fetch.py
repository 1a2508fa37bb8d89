"""SQS goes down while a fetch is paying for odds: the paid events wait in the outbox (in the same transaction as the
ledger row), the run reports the credits it spent, and the next run publishes them before anything else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import asyncpg
import pytest

from devstack.sqs import EmbeddedSqs
from pickvs.settings import BaseAppSettings
from pickvs.sqs import open_sqs_client, queue_url
from services.fetcher.client import OddsApiClient
from services.fetcher.jobs import fetch_odds
from services.fetcher.report import StageOutcome
from services.fetcher.resources import FetcherDeps, odds_api_target, retry_policy
from tests.fetcher.conftest import fetcher_settings
from tests.fetcher.fake_api import KEY, FakeOddsApi


@pytest.fixture
async def own_sqs(sqs: Any) -> AsyncIterator[EmbeddedSqs]:
    """A second moto endpoint of the same in-process SQS (same queues), which a test may stop and start again."""
    server = EmbeddedSqs()
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeOddsApi]:
    api = FakeOddsApi()
    await api.start()
    yield api
    await api.stop()


async def _depth(sqs: Any, name: str) -> int:
    attributes = await sqs.get_queue_attributes(
        QueueUrl=await queue_url(sqs, name), AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


async def _run_fetch_odds(db: asyncpg.Pool, endpoint: str, api: FakeOddsApi) -> Any:
    settings = fetcher_settings(
        api.base_url, odds_api_key=KEY, sqs_endpoint_url=endpoint, publish_max_attempts=2, odds_api_timeout_seconds=10
    )
    target = odds_api_target(settings)
    async with open_sqs_client(settings) as sqs, aiohttp.ClientSession() as session:
        client = OddsApiClient(session, target.base_url, target.api_key, settings.odds_api_timeout_seconds)
        return await fetch_odds(FetcherDeps(settings, db, sqs, client, target, retry=retry_policy(settings)))


async def test_events_paid_for_while_sqs_went_down_wait_in_the_outbox_and_the_next_run_sends_them(
    db: asyncpg.Pool, sqs: Any, own_sqs: EmbeddedSqs, fake_api: FakeOddsApi
) -> None:
    # GIVEN SQS answering when the run checks it, and going down while the paid /odds call is being answered
    fake_api.during_odds = own_sqs.stop
    # WHEN fetch-odds runs
    first = await _run_fetch_odds(db, own_sqs.endpoint_url, fake_api)
    # THEN it paid, says so, and says the events wait in the outbox; nothing reached the queue
    (stage,) = first.results
    assert stage.outcome is StageOutcome.FAILED and not first.ok
    assert first.credits == 3 and stage.credits == 3
    assert "1 stored in the outbox but not yet sent to game-events" in stage.detail
    ledger = await db.fetchrow("SELECT id, requests_last FROM odds_api_call WHERE endpoint = 'odds'")
    assert ledger["requests_last"] == 3
    waiting = await db.fetch("SELECT odds_api_call_id, queue, last_error FROM outbox WHERE sent_at IS NULL")
    assert [(r["odds_api_call_id"], r["queue"]) for r in waiting] == [(ledger["id"], "game-events")]
    assert waiting[0]["last_error"]
    assert await _depth(sqs, "game-events") == 0

    # WHEN SQS is back and the next run starts (with no new game to pay for)
    own_sqs.start()
    fake_api.during_odds = None
    second = await _run_fetch_odds(db, own_sqs.endpoint_url, fake_api)
    # THEN it first published what the earlier run left, and marked it sent
    assert any("before paying: outbox: 1 events sent, 0 waiting" in note for note in second.notes)
    assert await db.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0
    assert await _depth(sqs, "game-events") == 2  # the earlier event and this run's own snapshot of the game


async def test_with_sqs_unreachable_before_the_paid_call_nothing_is_paid(
    db: asyncpg.Pool, sqs: Any, own_sqs: EmbeddedSqs, fake_api: FakeOddsApi
) -> None:
    # GIVEN a process that already resolved the queue's URL, then SQS goes away
    async with open_sqs_client(BaseAppSettings(env="test", sqs_endpoint_url=own_sqs.endpoint_url)) as client:
        await queue_url(client, "game-events")
    own_sqs.stop()
    # WHEN fetch-odds runs
    report = await _run_fetch_odds(db, own_sqs.endpoint_url, fake_api)
    # THEN it made the free call only, paid nothing, and said why in one line
    assert [path.rsplit("/", 1)[1] for path, _ in fake_api.requests] == ["events"]
    (stage,) = report.results
    assert stage.outcome is StageOutcome.FAILED and stage.credits == 0
    assert stage.detail.startswith("not paying for anything: SQS at ") and "\n" not in stage.detail
    assert await db.fetchval("SELECT count(*) FROM outbox") == 0
