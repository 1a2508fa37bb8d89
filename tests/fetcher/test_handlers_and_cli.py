"""The Lambda entry point with EventBridge-shaped events, the CLI against a configured base URL (a fake server standing
in for the real API), and how the fetcher chooses its API: a key means the configured URL, no key means a running
`make dev` stack's simulator, and production refuses to run without a key."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from pydantic import ValidationError

from devstack.dev import DevStack, write_record
from devstack.odds_simulator import OddsApiSimulator, Slate
from pickvs import cli as pickvs_cli
from pickvs.runner import LambdaContext
from pickvs.sqs import queue_url
from services.fetcher import handler
from services.fetcher.resources import OddsApiNotConfigured, odds_api_target
from services.fetcher.schedules import SCHEDULES
from services.fetcher.settings import FetcherSettings, get_settings

# What EventBridge sends to a scheduled rule's target.
SCHEDULED_EVENT = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-11-25T15:00:00Z",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/pickvs-fetch-odds"],
    "detail": {},
}


@pytest.fixture
def fetcher_env(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Point the handlers' process-wide settings at a given API for one test."""

    def use(base_url: str, key: str) -> None:
        monkeypatch.setenv("PICKVS_ODDS_API_KEY", key)
        monkeypatch.setenv("PICKVS_ODDS_API_BASE_URL", base_url)
        monkeypatch.setenv("PICKVS_ODDS_API_TIMEOUT_SECONDS", "2")
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


async def test_the_scheduled_odds_handler_fetches_and_publishes(db: asyncpg.Pool, sqs: Any, fetcher_env: Any) -> None:
    # GIVEN a simulator on the real clock with a demo slate tipping off in minutes
    sim = OddsApiSimulator(slate=Slate.demo(datetime.now(UTC)))
    fetcher_env(await sim.start(), "sim-key")
    try:
        # WHEN EventBridge invokes the handler
        result = await handler.handle(SCHEDULED_EVENT, LambdaContext("fetch"))
    finally:
        await sim.stop()
        await handler.close()
    # THEN it reports what it spent and published, and the six games are on the queue
    assert result["ok"] and result["credits"] == 3 and result["scheduled_for"] == "2026-11-25T15:00:00+00:00"
    attributes = await sqs.get_queue_attributes(
        QueueUrl=await queue_url(sqs, "game-events"), AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "6"


async def test_the_closing_handler_does_nothing_while_its_schedule_is_off(db: asyncpg.Pool, fetcher_env: Any) -> None:
    fetcher_env("http://127.0.0.1:9", "sim-key")
    event = {**SCHEDULED_EVENT, "resources": ["arn:aws:events:us-east-1:123456789012:rule/pickvs-fetch-closing"]}
    try:
        result = await handler.handle(event, LambdaContext("fetch"))
    finally:
        await handler.close()
    assert result["ok"] and result["credits"] == 0 and "PICKVS_CLOSING_LINE_ENABLED" in result["skipped"]
    assert await db.fetchval("SELECT count(*) FROM odds_api_call") == 0


async def test_the_handler_refuses_an_event_that_is_not_a_schedule() -> None:
    with pytest.raises(handler.NotAScheduledEvent):
        await handler.handle({"Records": []}, LambdaContext("fetch"))


async def test_the_handler_refuses_a_rule_it_has_no_schedule_for() -> None:
    event = {**SCHEDULED_EVENT, "resources": ["arn:aws:events:us-east-1:123456789012:rule/someone-elses-rule"]}
    with pytest.raises(handler.NotAScheduledEvent, match="someone-elses-rule"):
        await handler.handle(event, LambdaContext("fetch"))


def test_every_schedules_rule_reaches_its_job_through_the_one_entry_point() -> None:
    for schedule in SCHEDULES:
        event = {**SCHEDULED_EVENT, "resources": [f"arn:aws:events:us-east-1:123456789012:rule/{schedule.rule_name}"]}
        assert handler.parse_scheduled_event(event)[0] is schedule


class FakeOddsApi:
    """Stands in for the real API at a configured URL; records what it was asked."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.app = web.Application()
        self.app.router.add_get("/v4/sports/{sport}/{endpoint}", self.serve)

    async def serve(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, dict(request.query)))
        if request.query.get("apiKey") != "real-key-123":
            return web.json_response({"message": "bad key", "error_code": "INVALID_KEY"}, status=401)
        tip = (datetime.now(UTC) + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
        game = {
            "id": "f" * 32,
            "sport_key": "basketball_nba",
            "sport_title": "NBA",
            "commence_time": tip,
            "home_team": "Utah Jazz",
            "away_team": "Miami Heat",
        }
        if request.match_info["endpoint"] == "events":
            return web.json_response(
                [game], headers={"x-requests-last": "0", "x-requests-used": "40", "x-requests-remaining": "460"}
            )
        outcomes = [{"name": "Utah Jazz", "price": 120}, {"name": "Miami Heat", "price": -140}]
        game["bookmakers"] = [
            {
                "key": "draftkings",
                "title": "DraftKings",
                "last_update": tip,
                "markets": [{"key": "h2h", "last_update": tip, "outcomes": outcomes}],
            }
        ]
        return web.json_response(
            [game], headers={"x-requests-last": "3", "x-requests-used": "43", "x-requests-remaining": "457"}
        )


def _run_cli(argv: list[str]) -> int:
    return pickvs_cli.main(argv)


async def test_with_a_key_set_the_cli_calls_the_configured_base_url(
    db: asyncpg.Pool, sqs: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a "real" API at a configured URL and a key for it
    fake = FakeOddsApi()
    runner = web.AppRunner(fake.app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    monkeypatch.setenv("PICKVS_ODDS_API_KEY", "real-key-123")
    monkeypatch.setenv("PICKVS_ODDS_API_BASE_URL", base_url)
    try:
        # WHEN `pickvs fetch-odds` runs
        code = await asyncio.to_thread(_run_cli, ["fetch-odds"])
    finally:
        await runner.cleanup()
    # THEN it asked the configured URL with the key and the documented parameters, and published the game
    assert code == 0, capsys.readouterr()
    assert [path for path, _ in fake.requests] == ["/v4/sports/basketball_nba/events", "/v4/sports/basketball_nba/odds"]
    odds_query = fake.requests[1][1]
    assert odds_query["apiKey"] == "real-key-123"
    assert (odds_query["regions"], odds_query["markets"], odds_query["oddsFormat"], odds_query["dateFormat"]) == (
        "us",
        "h2h,spreads,totals",
        "american",
        "iso",
    )
    assert odds_query["commenceTimeFrom"].endswith("Z") and odds_query["commenceTimeTo"].endswith("Z")
    rows = await db.fetch(
        "SELECT base_url, requests_last, requests_used, requests_remaining FROM odds_api_call ORDER BY id"
    )
    assert [tuple(r) for r in rows] == [(base_url, 0, 40, 460), (base_url, 3, 43, 457)]
    attributes = await sqs.get_queue_attributes(
        QueueUrl=await queue_url(sqs, "game-events"), AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "1"
    assert "1 games with odds" in capsys.readouterr().out


def _running_stack(data_dir: Any, **values: Any) -> None:
    write_record(DevStack(host="127.0.0.1", port=0, data_dir=data_dir, values=values))


def test_without_a_key_in_dev_the_fetcher_uses_the_simulator_a_running_stack_recorded(tmp_path: Any) -> None:
    # GIVEN a running dev stack that recorded its simulator and demo budget
    _running_stack(
        tmp_path, odds_api_base_url="http://127.0.0.1:8765", odds_api_key="sim-key", odds_monthly_budget=5000
    )
    # WHEN a dev shell without any Odds API setting builds the fetcher's settings
    target = odds_api_target(FetcherSettings(env="dev", data_dir=tmp_path))
    # THEN the stack's simulator, key and budget are used
    assert (target.base_url, target.api_key, target.budget.monthly) == ("http://127.0.0.1:8765", "sim-key", 5000)


def test_a_shell_with_its_own_key_uses_none_of_the_stacks_odds_api_settings(tmp_path: Any) -> None:
    _running_stack(
        tmp_path, odds_api_base_url="http://127.0.0.1:8765", odds_api_key="sim-key", odds_monthly_budget=5000
    )
    settings = FetcherSettings(env="dev", data_dir=tmp_path, odds_api_key="real-key")
    assert (settings.odds_api_base_url, settings.odds_monthly_budget) == ("https://api.the-odds-api.com", 500)


def test_a_stack_that_died_or_a_test_environment_is_not_read(tmp_path: Any) -> None:
    (tmp_path / "dev-stack.json").write_text('{"pid": 999999999, "settings": {"odds_api_key": "sim-key"}}')
    assert FetcherSettings(env="dev", data_dir=tmp_path).odds_api_key is None
    _running_stack(tmp_path, odds_api_key="sim-key")
    assert FetcherSettings(env="test", data_dir=tmp_path).odds_api_key is None


def test_without_a_key_or_a_dev_stack_the_fetcher_says_what_to_do() -> None:
    with pytest.raises(OddsApiNotConfigured, match=r"set PICKVS_ODDS_API_KEY .* or start `make dev`"):
        odds_api_target(FetcherSettings())


def test_production_refuses_to_start_without_a_key() -> None:
    with pytest.raises(ValidationError, match=r"PICKVS_ODDS_API_KEY is required outside PICKVS_ENV=dev\|test"):
        FetcherSettings(env="prod", database_url="postgresql://x/y")


def test_sports_regions_and_markets_read_as_comma_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICKVS_SPORTS", "basketball_nba, americanfootball_nfl")
    monkeypatch.setenv("PICKVS_ODDS_REGIONS", "us,us2")
    settings = FetcherSettings()
    assert settings.sports == ["basketball_nba", "americanfootball_nfl"]
    assert settings.odds_call_cost == 6


async def test_pickvs_fetch_odds_then_ingest_fills_the_tables_and_twice_changes_nothing(
    db: asyncpg.Pool, sqs: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the simulator with a demo slate tipping off in minutes, its clock frozen so both fetches see the same prices
    frozen = datetime.now(UTC)
    sim = OddsApiSimulator(slate=Slate.demo(frozen), clock=lambda: frozen)
    monkeypatch.setenv("PICKVS_ODDS_API_KEY", "sim-key")
    monkeypatch.setenv("PICKVS_ODDS_API_BASE_URL", await sim.start())
    snapshot_sql = (
        "SELECT g.external_id, o.bookmaker, o.market, o.selection, o.price, o.point FROM odds o "
        "JOIN game g ON g.id = o.game_id WHERE o.snapshot_kind = 'current' ORDER BY 1, 2, 3, 4"
    )
    try:
        # WHEN `pickvs fetch-odds` then `pickvs ingest` run
        assert await asyncio.to_thread(_run_cli, ["fetch-odds"]) == 0
        assert await asyncio.to_thread(_run_cli, ["ingest"]) == 0
        first = [tuple(r) for r in await db.fetch(snapshot_sql)]
        games = await db.fetchval("SELECT count(*) FROM game")
        # AND both run again
        assert await asyncio.to_thread(_run_cli, ["fetch-odds"]) == 0
        assert await asyncio.to_thread(_run_cli, ["ingest"]) == 0
    finally:
        await sim.stop()
    # THEN the six games and their odds are stored once, unchanged by the second run
    assert games == 6 and len(first) == 6 * 6 * 3 * 2
    assert [tuple(r) for r in await db.fetch(snapshot_sql)] == first
    assert await db.fetchval("SELECT count(*) FROM game") == 6
    assert "ingest: 6 game events" in capsys.readouterr().out


async def test_with_a_wrong_key_the_cli_stops_after_one_request_with_a_clear_message(
    db: asyncpg.Pool, sqs: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = FakeOddsApi()
    runner = web.AppRunner(fake.app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    monkeypatch.setenv("PICKVS_ODDS_API_KEY", "expired-key")
    monkeypatch.setenv("PICKVS_ODDS_API_BASE_URL", f"http://127.0.0.1:{runner.addresses[0][1]}")
    try:
        code = await asyncio.to_thread(_run_cli, ["fetch-odds"])
    finally:
        await runner.cleanup()
    assert code != 0
    assert "the API key is missing or invalid; check PICKVS_ODDS_API_KEY" in capsys.readouterr().err
    assert len(fake.requests) == 1
    assert await db.fetchval("SELECT status_code FROM odds_api_call") == 401
