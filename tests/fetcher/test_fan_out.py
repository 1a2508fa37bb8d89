"""The per-sport fan-out: the dispatcher starts one fetcher run per configured sport through Lambda's Invoke API (a fake
Lambda endpoint records the calls), a run carrying a sport fetches that sport only, and every Lambda run prints its
credit metrics as one CloudWatch EMF line."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from aiohttp import web

from devstack.odds_simulator import OddsApiSimulator, Slate
from pickvs.runner import LambdaContext
from services.fetcher import dispatch, handler
from services.fetcher.schedules import NotAScheduledEvent
from services.fetcher.settings import get_settings

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


class FakeLambda:
    """Lambda's Invoke API at a local URL: records each invocation; answers 500 for the sports told to fail."""

    def __init__(self, failing: set[str] | None = None) -> None:
        self.failing = failing or set()
        self.invocations: list[tuple[str, str, dict[str, Any]]] = []
        self.app = web.Application()
        self.app.router.add_post("/2015-03-31/functions/{name}/invocations", self.invoke)
        self.runner = web.AppRunner(self.app)

    async def invoke(self, request: web.Request) -> web.Response:
        payload = json.loads(await request.read())
        kind = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        self.invocations.append((request.match_info["name"], kind, payload))
        if payload["detail"]["sport"] in self.failing:
            return web.json_response({"Type": "Service", "message": "boom"}, status=500)
        return web.Response(status=202)

    async def start(self) -> str:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return f"http://127.0.0.1:{self.runner.addresses[0][1]}"


@pytest.fixture
async def fake_lambda(monkeypatch: pytest.MonkeyPatch) -> Any:
    started: list[FakeLambda] = []

    async def start(failing: set[str] | None = None) -> FakeLambda:
        fake = FakeLambda(failing)
        monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", await fake.start())
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
        dispatch._lambda_client.cache_clear()
        started.append(fake)
        return fake

    yield start
    dispatch._lambda_client.cache_clear()
    for fake in started:
        await fake.runner.cleanup()


async def test_the_fan_out_starts_one_asynchronous_fetch_run_per_sport_with_the_sport_in_its_detail(
    fake_lambda: Any,
) -> None:
    # GIVEN three configured sports and Lambda's API
    fake = await fake_lambda()
    settings = dispatch.DispatchSettings(sports="basketball_nba,icehockey_nhl,americanfootball_nfl", fetch_function="f")
    # WHEN the odds rule fires the dispatcher
    result = await asyncio.to_thread(dispatch.dispatch, SCHEDULED_EVENT, settings, dispatch._lambda_client())
    # THEN the fetcher was invoked once per sport, asynchronously, with the scheduled event and the sport in its detail
    assert result == {"started": ["basketball_nba", "icehockey_nhl", "americanfootball_nfl"]}
    assert [(name, kind) for name, kind, _ in fake.invocations] == [("f", "Event")] * 3
    for (_, _, payload), sport in zip(fake.invocations, result["started"], strict=True):
        assert payload == {**SCHEDULED_EVENT, "detail": {"sport": sport}}


async def test_a_sport_whose_run_cannot_start_does_not_stop_the_others(fake_lambda: Any) -> None:
    # GIVEN Lambda refusing the NHL run (every retry)
    fake = await fake_lambda(failing={"icehockey_nhl"})
    settings = dispatch.DispatchSettings(sports="basketball_nba,icehockey_nhl,americanfootball_nfl", fetch_function="f")
    # WHEN the rule fires
    with pytest.raises(dispatch.DispatchFailed, match="icehockey_nhl") as raised:
        await asyncio.to_thread(dispatch.dispatch, SCHEDULED_EVENT, settings, dispatch._lambda_client())
    # THEN the NBA and NFL runs were started all the same, and the failure names what did start
    started = {payload["detail"]["sport"] for _, _, payload in fake.invocations} - {"icehockey_nhl"}
    assert started == {"basketball_nba", "americanfootball_nfl"}
    assert "basketball_nba" in str(raised.value) and "americanfootball_nfl" in str(raised.value)


def test_the_fan_out_refuses_an_event_of_a_rule_it_does_not_know() -> None:
    event = {**SCHEDULED_EVENT, "resources": ["arn:aws:events:us-east-1:123456789012:rule/someone-elses-rule"]}
    with pytest.raises(NotAScheduledEvent, match="someone-elses-rule"):
        dispatch.per_sport_events(event, ["basketball_nba"])


@pytest.fixture
def two_sports(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The handler's settings with the NBA (in season on the simulator) and MLB (off season) configured."""

    def use(base_url: str) -> None:
        monkeypatch.setenv("PICKVS_ODDS_API_KEY", "sim-key")
        monkeypatch.setenv("PICKVS_ODDS_API_BASE_URL", base_url)
        monkeypatch.setenv("PICKVS_SPORTS", "basketball_nba,baseball_mlb")
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


async def test_a_run_that_carries_a_sport_fetches_that_sport_only_and_prints_its_credit_metrics(
    db: asyncpg.Pool, sqs: Any, two_sports: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN two configured sports and a simulator with tonight's NBA slate
    sim = OddsApiSimulator(slate=Slate.demo(datetime.now(UTC)))
    two_sports(await sim.start())
    try:
        # WHEN the fan-out's NBA run arrives
        event = {**SCHEDULED_EVENT, "detail": {"sport": "basketball_nba"}}
        result = await handler.handle(event, LambdaContext("fetch"))
    finally:
        await sim.stop()
        await handler.close()
    # THEN only the NBA was asked for and paid for
    assert result["ok"] and [r["sport"] for r in result["results"]] == ["basketball_nba"]
    assert await db.fetchval("SELECT array_agg(DISTINCT sport_key) FROM odds_api_call") == ["basketball_nba"]
    # AND one EMF line says what the run spent and what the month has left (budget 500 - reserve 25 - 3 spent)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    assert len(lines) == 1
    record = lines[0]
    directive = record["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "PickVs" and directive["Dimensions"] == [[]]
    assert {m["Name"] for m in directive["Metrics"]} == {
        "CreditsSpent",
        "CreditsLeft",
        "RunFailed",
        "ApiCreditsRemaining",
    }
    assert (record["CreditsSpent"], record["CreditsLeft"], record["RunFailed"]) == (3, 472, 0)
    assert record["ApiCreditsRemaining"] == 497 and record["sports"] == ["basketball_nba"]


async def test_a_run_for_a_sport_that_is_not_configured_is_refused_before_any_call(
    db: asyncpg.Pool, two_sports: Any
) -> None:
    two_sports("http://127.0.0.1:9")
    event = {**SCHEDULED_EVENT, "detail": {"sport": "cricket_test_match"}}
    try:
        with pytest.raises(handler.NotAScheduledEvent, match="cricket_test_match is not in PICKVS_SPORTS"):
            await handler.handle(event, LambdaContext("fetch"))
    finally:
        await handler.close()
    assert await db.fetchval("SELECT count(*) FROM odds_api_call") == 0


async def test_a_failed_run_is_counted_in_the_run_failed_metric(
    db: asyncpg.Pool, sqs: Any, two_sports: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a key the API refuses
    sim = OddsApiSimulator(slate=Slate.demo(datetime.now(UTC)))
    two_sports(await sim.start())
    monkeypatch.setenv("PICKVS_ODDS_API_KEY", "not-a-key")
    get_settings.cache_clear()
    try:
        # WHEN the NBA run arrives
        result = await handler.handle({**SCHEDULED_EVENT, "detail": {"sport": "basketball_nba"}}, None)
    finally:
        await sim.stop()
        await handler.close()
    # THEN the run returns its failure and the metric line counts it
    assert not result["ok"] and result["aborted"]
    record = next(json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith('{"_aws"'))
    assert (record["RunFailed"], record["CreditsSpent"], record["CreditsLeft"]) == (1, 0, 475)
