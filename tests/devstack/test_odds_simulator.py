"""The Odds API v4 simulator behaves like the real API: shapes, costs, headers, errors, knobs and a slate that plays out
as its clock advances."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest

from devstack.odds_simulator import OddsApiSimulator, Slate
from devstack.odds_simulator.pricing import BOOKMAKERS, quote
from devstack.odds_simulator.slate import NBA_TEAMS

START = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # a Wednesday afternoon, before the evening's tip-offs
KEY = "sim-key"
HEX32 = re.compile(r"^[0-9a-f]{32}$")
USAGE_HEADERS = ("x-requests-remaining", "x-requests-used", "x-requests-last")


class Clock:
    """A hand-driven clock the simulator reads on every request."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]


class Api:
    """A running simulator and a session pointed at it."""

    def __init__(self, simulator: OddsApiSimulator, clock: Clock, session: aiohttp.ClientSession, base: str) -> None:
        self.simulator, self.clock, self.session, self.base = simulator, clock, session, base

    async def get(self, path: str, *, key: str | None = KEY, **params: str) -> Reply:
        query = dict(params) if key is None else {"apiKey": key, **params}
        async with self.session.get(self.base + path, params=query) as response:
            body = await response.json() if response.content_type == "application/json" else await response.text()
            return Reply(response.status, body, {k.lower(): v for k, v in response.headers.items()})


async def _running(simulator: OddsApiSimulator, clock: Clock) -> AsyncIterator[Api]:
    base = await simulator.start()
    async with aiohttp.ClientSession() as session:
        yield Api(simulator, clock, session, base)
    await simulator.stop()


@pytest.fixture
async def season() -> AsyncIterator[Api]:
    clock = Clock(START)
    simulator = OddsApiSimulator(clock=clock, slate=Slate.nba_season(START, days=10), timeout_hang_seconds=0.2)
    async for api in _running(simulator, clock):
        yield api


@pytest.fixture
async def demo() -> AsyncIterator[Api]:
    clock = Clock(START)
    async for api in _running(OddsApiSimulator(clock=clock, slate=Slate.demo(START)), clock):
        yield api


def _usage(reply: Reply) -> tuple[int, int, int]:
    return tuple(int(reply.headers[name]) for name in USAGE_HEADERS)  # type: ignore[return-value]


# --- shapes -----------------------------------------------------------------------------------------------------------


async def test_sports_lists_in_season_sports_for_free(season: Api) -> None:
    reply = await season.get("/v4/sports")

    assert reply.status == 200
    assert {s["key"] for s in reply.body} == {"basketball_nba", "americanfootball_nfl"}
    nba = next(s for s in reply.body if s["key"] == "basketball_nba")
    assert nba == {"key": "basketball_nba", "group": "Basketball", "title": "NBA", "description": "US Basketball",
                   "active": True, "has_outrights": False}  # fmt: skip
    assert _usage(reply) == (500, 0, 0)


async def test_sports_with_all_true_adds_out_of_season_sports(season: Api) -> None:
    reply = await season.get("/v4/sports", all="true")

    inactive = [s["key"] for s in reply.body if not s["active"]]
    assert "baseball_mlb" in inactive


async def test_events_lists_upcoming_games_with_the_real_shape_for_free(season: Api) -> None:
    reply = await season.get("/v4/sports/basketball_nba/events")

    assert reply.status == 200 and reply.body
    for event in reply.body:
        assert set(event) == {"id", "sport_key", "sport_title", "commence_time", "home_team", "away_team"}
        assert HEX32.match(event["id"])
        assert event["sport_title"] == "NBA"
        assert event["home_team"] in NBA_TEAMS and event["away_team"] in NBA_TEAMS
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", event["commence_time"])
    assert _usage(reply) == (500, 0, 0)


async def test_events_honour_the_commence_time_window(season: Api) -> None:
    everything = (await season.get("/v4/sports/basketball_nba/events")).body
    first_day = [e for e in everything if e["commence_time"] < "2026-11-26T12:00:00Z"]

    reply = await season.get(
        "/v4/sports/basketball_nba/events",
        commenceTimeFrom="2026-11-25T00:00:00Z",
        commenceTimeTo="2026-11-26T12:00:00Z",
    )

    assert reply.body == first_day and 0 < len(first_day) < len(everything)


async def test_commence_time_with_milliseconds_is_refused_like_the_real_api(season: Api) -> None:
    reply = await season.get("/v4/sports/basketball_nba/events", commenceTimeFrom="2026-11-25T00:00:00.000Z")

    assert reply.status == 422
    assert reply.body["error_code"] == "INVALID_COMMENCE_TIME_FROM"


async def test_odds_have_consistent_h2h_spreads_and_totals_per_bookmaker(season: Api) -> None:
    reply = await season.get("/v4/sports/basketball_nba/odds", regions="us", markets="h2h,spreads,totals",
                             oddsFormat="american")  # fmt: skip

    assert reply.status == 200 and reply.body
    for event in reply.body:
        home, away = event["home_team"], event["away_team"]
        assert {b["key"] for b in event["bookmakers"]} == {b.key for b in BOOKMAKERS if b.region == "us"}
        for book in event["bookmakers"]:
            assert set(book) == {"key", "title", "last_update", "markets"}
            markets = {m["key"]: m for m in book["markets"]}
            assert list(markets) == ["h2h", "spreads", "totals"]
            h2h = {o["name"]: o for o in markets["h2h"]["outcomes"]}
            spreads = {o["name"]: o for o in markets["spreads"]["outcomes"]}
            totals = {o["name"]: o for o in markets["totals"]["outcomes"]}
            assert set(h2h) == set(spreads) == {home, away} and set(totals) == {"Over", "Under"}
            assert all("point" not in o for o in h2h.values())
            assert spreads[home]["point"] == -spreads[away]["point"]
            assert totals["Over"]["point"] == totals["Under"]["point"]
            for point in (spreads[home]["point"], totals["Over"]["point"]):
                assert (point * 2).is_integer()
            prices = [o["price"] for m in markets.values() for o in m["outcomes"]]
            assert all(isinstance(p, int) and abs(p) >= 100 for p in prices)
            # The favourite on the spread is the favourite on the moneyline.
            if spreads[home]["point"] < 0:
                assert h2h[home]["price"] < h2h[away]["price"]


async def test_odds_default_to_h2h_in_decimal(season: Api) -> None:
    reply = await season.get("/v4/sports/basketball_nba/odds", regions="eu")

    book = reply.body[0]["bookmakers"][0]
    assert [m["key"] for m in book["markets"]] == ["h2h"]
    assert all(isinstance(o["price"], float) and o["price"] > 1 for o in book["markets"][0]["outcomes"])
    assert _usage(reply) == (499, 1, 1)


async def test_odds_with_unix_date_format_return_epoch_seconds(season: Api) -> None:
    reply = await season.get("/v4/sports/basketball_nba/odds", regions="us", dateFormat="unix")

    event = reply.body[0]
    assert isinstance(event["commence_time"], int)
    assert isinstance(event["bookmakers"][0]["last_update"], int)


async def test_odds_leave_out_games_that_have_started(season: Api) -> None:
    first = (await season.get("/v4/sports/basketball_nba/events")).body[0]
    season.clock.now = datetime.fromisoformat(first["commence_time"]) + timedelta(minutes=1)

    odds = (await season.get("/v4/sports/basketball_nba/odds", regions="us")).body
    events = (await season.get("/v4/sports/basketball_nba/events")).body

    assert first["id"] not in {e["id"] for e in odds}
    assert first["id"] in {e["id"] for e in events}  # live games stay listed


# --- costs and headers ------------------------------------------------------------------------------------------------


async def test_odds_cost_is_markets_times_regions(season: Api) -> None:
    reply = await season.get("/v4/sports/basketball_nba/odds", regions="us,uk", markets="h2h,spreads,totals")

    assert reply.status == 200
    assert _usage(reply) == (494, 6, 6)
    assert season.simulator.usage.used == 6 and season.simulator.usage.remaining == 494


async def test_bookmakers_param_bills_each_group_of_ten_books_as_one_region(season: Api) -> None:
    reply = await season.get("/v4/sports/basketball_nba/odds", bookmakers="draftkings,fanduel,pinnacle",
                             markets="spreads,totals")  # fmt: skip

    assert {b["key"] for b in reply.body[0]["bookmakers"]} == {"draftkings", "fanduel", "pinnacle"}
    assert _usage(reply)[2] == 2


async def test_empty_odds_response_is_free(season: Api) -> None:
    reply = await season.get("/v4/sports/basketball_nba/odds", regions="us", markets="h2h,spreads",
                             commenceTimeFrom="2030-01-01T00:00:00Z")  # fmt: skip

    assert reply.status == 200 and reply.body == []
    assert _usage(reply) == (500, 0, 0)
    assert season.simulator.paid_calls == []


async def test_scores_cost_one_without_days_from_and_two_with_it(season: Api) -> None:
    without = await season.get("/v4/sports/basketball_nba/scores")
    with_days = await season.get("/v4/sports/basketball_nba/scores", daysFrom="3")

    assert _usage(without) == (499, 1, 1)
    assert _usage(with_days) == (497, 3, 2)


async def test_scores_for_a_sport_with_nothing_listed_are_free(season: Api) -> None:
    reply = await season.get("/v4/sports/baseball_mlb/scores", daysFrom="1")

    assert reply.body == [] and _usage(reply) == (500, 0, 0)


@pytest.mark.parametrize("days_from", ["0", "4", "x"])
async def test_days_from_outside_one_to_three_is_refused_for_free(season: Api, days_from: str) -> None:
    reply = await season.get("/v4/sports/basketball_nba/scores", daysFrom=days_from)

    assert reply.status == 422
    assert reply.body["error_code"] == "INVALID_SCORES_DAYS_FROM"
    assert set(reply.body) == {"message", "error_code", "details_url"}
    assert _usage(reply) == (500, 0, 0)


# --- errors -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "error_code"), [(None, "MISSING_KEY"), ("wrong-key", "INVALID_KEY")])
async def test_missing_or_bad_key_gets_the_real_401_body_and_costs_nothing(
    season: Api, key: str | None, error_code: str
) -> None:
    reply = await season.get("/v4/sports/basketball_nba/odds", key=key, regions="us")

    assert reply.status == 401
    assert reply.body["error_code"] == error_code
    assert reply.body["details_url"].startswith("https://the-odds-api.com/liveapi/guides/v4/api-error-codes.html#")
    assert not any(name in reply.headers for name in USAGE_HEADERS)
    assert season.simulator.usage.used == 0
    assert season.simulator.calls[-1].status == 401 and season.simulator.calls[-1].cost == 0


async def test_exhausted_quota_is_refused_with_out_of_usage_credits_and_costs_nothing(season: Api) -> None:
    season.simulator.reset_usage(used=500)

    reply = await season.get("/v4/sports/basketball_nba/scores")

    assert reply.status == 401
    assert reply.body["error_code"] == "OUT_OF_USAGE_CREDITS"
    assert _usage(reply) == (0, 500, 0)


async def test_a_call_costing_more_than_what_is_left_is_refused_whole(season: Api) -> None:
    season.simulator.reset_usage(used=498)

    refused = await season.get("/v4/sports/basketball_nba/odds", regions="us", markets="h2h,spreads,totals")
    affordable = await season.get("/v4/sports/basketball_nba/odds", regions="us", markets="h2h,spreads")

    assert refused.body["error_code"] == "OUT_OF_USAGE_CREDITS" and _usage(refused) == (2, 498, 0)
    assert affordable.status == 200 and _usage(affordable) == (0, 500, 2)


async def test_reset_usage_starts_a_new_month(season: Api) -> None:
    await season.get("/v4/sports/basketball_nba/scores")

    season.simulator.reset_usage()

    assert season.simulator.usage.used == 0 and season.simulator.usage.remaining == 500


@pytest.mark.parametrize(
    ("params", "status", "error_code"),
    [
        ({"regions": "us"}, 404, "UNKNOWN_SPORT"),
        ({}, 422, "MISSING_REGION"),
        ({"regions": "mars"}, 422, "INVALID_REGION"),
        ({"regions": "us", "markets": "player_points"}, 422, "INVALID_MARKET"),
        ({"regions": "us", "oddsFormat": "fractional"}, 422, "INVALID_ODDS_FORMAT"),
        ({"regions": "us", "dateFormat": "rfc"}, 422, "INVALID_DATE_FORMAT"),
    ],
)
async def test_invalid_odds_requests_get_the_real_error_for_free(
    season: Api, params: dict[str, str], status: int, error_code: str
) -> None:
    sport = "curling_world" if error_code == "UNKNOWN_SPORT" else "basketball_nba"

    reply = await season.get(f"/v4/sports/{sport}/odds", **params)

    assert (reply.status, reply.body["error_code"]) == (status, error_code)
    assert season.simulator.usage.used == 0


# --- knobs ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["500", "503", "429"])
async def test_fail_next_fails_that_many_calls_for_free_then_recovers(season: Api, kind: str) -> None:
    season.simulator.fail_next(2, kind)  # type: ignore[arg-type]

    failures = [await season.get("/v4/sports/basketball_nba/scores") for _ in range(2)]
    recovered = await season.get("/v4/sports/basketball_nba/scores")

    assert [f.status for f in failures] == [int(kind)] * 2
    if kind == "429":
        assert failures[0].body["error_code"] == "EXCEEDED_FREQ_LIMIT"
    assert recovered.status == 200
    assert season.simulator.usage.used == 1
    assert [c.cost for c in season.simulator.calls] == [0, 0, 1]


async def test_fail_next_timeout_hangs_then_answers_504_for_free(season: Api) -> None:
    season.simulator.fail_next(1, "timeout")

    started = time.monotonic()
    reply = await season.get("/v4/sports/basketball_nba/scores")

    assert reply.status == 504
    assert time.monotonic() - started >= 0.2
    assert season.simulator.usage.used == 0


async def test_a_client_timeout_fires_before_the_hang_ends(season: Api) -> None:
    season.simulator.timeout_hang_seconds = 30
    season.simulator.fail_next(1, "timeout")

    with pytest.raises(asyncio.TimeoutError):
        async with season.session.get(season.base + "/v4/sports", params={"apiKey": KEY},
                                      timeout=aiohttp.ClientTimeout(total=0.1)):  # fmt: skip
            pass

    # stop() must not wait out the 30 s hang.
    await asyncio.wait_for(season.simulator.stop(), timeout=5)


async def test_postponed_game_never_completes(demo: Api) -> None:
    game = demo.simulator.slate.games[0]
    demo.clock.now = game.commence_time + game.duration / 2
    live = _by_id((await demo.get("/v4/sports/basketball_nba/scores")).body)[game.id]

    demo.simulator.postpone(game.id)
    demo.clock.advance(minutes=30)
    later = _by_id((await demo.get("/v4/sports/basketball_nba/scores", daysFrom="1")).body)[game.id]

    assert later["completed"] is False
    assert later["scores"] == live["scores"] and later["last_update"] == live["last_update"]


async def test_a_game_postponed_before_tip_off_loses_its_odds(demo: Api) -> None:
    game = demo.simulator.slate.games[0]

    demo.simulator.postpone(game.id)
    odds = (await demo.get("/v4/sports/basketball_nba/odds", regions="us")).body

    assert game.id not in {e["id"] for e in odds}


async def test_correct_score_changes_the_final_scores_and_last_update(demo: Api) -> None:
    game = demo.simulator.slate.games[0]
    demo.clock.now = game.ends_at + timedelta(minutes=1)
    before = _by_id((await demo.get("/v4/sports/basketball_nba/scores", daysFrom="1")).body)[game.id]

    demo.simulator.correct_score(game.id, home=game.final_home + 2, away=game.final_away)
    demo.clock.advance(seconds=1)
    after = _by_id((await demo.get("/v4/sports/basketball_nba/scores", daysFrom="1")).body)[game.id]

    assert before["completed"] and after["completed"]
    assert after["scores"][0] == {"name": game.home_team, "score": str(game.final_home + 2)}
    assert after["last_update"] > before["last_update"]


# --- time -------------------------------------------------------------------------------------------------------------


async def test_games_go_live_then_complete_as_the_clock_advances(demo: Api) -> None:
    game = demo.simulator.slate.games[0]

    upcoming = _by_id((await demo.get("/v4/sports/basketball_nba/scores")).body)[game.id]
    demo.clock.now = game.commence_time + game.duration / 2
    live = _by_id((await demo.get("/v4/sports/basketball_nba/scores")).body)[game.id]
    demo.clock.now = game.ends_at
    without_days = _by_id((await demo.get("/v4/sports/basketball_nba/scores")).body)
    final = _by_id((await demo.get("/v4/sports/basketball_nba/scores", daysFrom="1")).body)[game.id]

    assert upcoming["completed"] is False and upcoming["scores"] is None and upcoming["last_update"] is None
    assert live["completed"] is False and live["last_update"] is not None
    assert all(isinstance(s["score"], str) for s in live["scores"])
    assert [s["name"] for s in live["scores"]] == [game.home_team, game.away_team]
    assert int(live["scores"][0]["score"]) <= game.final_home
    assert game.id not in without_days  # completed games need daysFrom
    assert final["completed"] is True
    assert final["scores"] == [{"name": game.home_team, "score": str(game.final_home)},
                               {"name": game.away_team, "score": str(game.final_away)}]  # fmt: skip


async def test_demo_slate_is_final_within_ten_minutes(demo: Api) -> None:
    demo.clock.advance(minutes=10)

    scores = (await demo.get("/v4/sports/basketball_nba/scores", daysFrom="1")).body

    assert len(scores) == 6 and all(s["completed"] for s in scores)
    assert (await demo.get("/v4/sports/basketball_nba/events")).body == []


async def test_odds_move_between_snapshots_hours_apart(season: Api) -> None:
    first = await season.get("/v4/sports/basketball_nba/odds", regions="us", markets="spreads,totals")
    season.clock.advance(hours=7)
    second = await season.get("/v4/sports/basketball_nba/odds", regions="us", markets="spreads,totals")

    before = {(e["id"], b["key"]): b for e in first.body for b in e["bookmakers"]}
    after = {(e["id"], b["key"]): b for e in second.body for b in e["bookmakers"]}
    common = before.keys() & after.keys()
    moved = [k for k in common if before[k]["last_update"] != after[k]["last_update"]]
    assert moved, "some bookmaker should have re-priced in seven hours"
    assert any(before[k]["markets"] != after[k]["markets"] for k in moved)
    assert all(after[k]["last_update"] <= "2026-11-25T22:00:00Z" for k in common)


# --- slate ------------------------------------------------------------------------------------------------------------


def test_same_seed_gives_the_same_slate_and_prices() -> None:
    one, two = Slate.nba_season(START, seed=11), Slate.nba_season(START, seed=11)
    other = Slate.nba_season(START, seed=12)

    assert one == two
    assert [g.id for g in one.games] != [g.id for g in other.games]
    at = one.games[0].commence_time - timedelta(hours=1)
    assert [quote(one.games[0], b, at) for b in BOOKMAKERS] == [quote(two.games[0], b, at) for b in BOOKMAKERS]


def test_season_slate_looks_like_a_real_schedule() -> None:
    slate = Slate.nba_season(START, days=40)
    nba = slate.games_for("basketball_nba")
    nfl = slate.games_for("americanfootball_nfl")

    per_evening = Counter((g.commence_time - timedelta(hours=12)).date() for g in nba)
    assert 40 - len(per_evening) >= 1, "some evenings have no NBA games"
    assert max(per_evening.values()) <= 15
    assert all(g.commence_time.hour >= 23 or g.commence_time.hour <= 3 for g in nba)
    team_scores = [score for g in nba for score in (g.final_home, g.final_away)]
    assert all(85 <= score <= 150 for score in team_scores)
    assert sum(95 <= score <= 135 for score in team_scores) / len(team_scores) > 0.9
    # Thursday, Sunday and Monday evenings US time.
    assert {(g.commence_time - timedelta(hours=5)).strftime("%a") for g in nfl} == {"Thu", "Sun", "Mon"}
    assert all(0 <= s <= 60 for g in nfl for s in (g.final_home, g.final_away))
    assert len({g.id for g in slate.games}) == len(slate.games) and all(HEX32.match(g.id) for g in slate.games)


def test_season_produces_occasional_spread_and_total_pushes_at_closing() -> None:
    slate = Slate.nba_season(START, days=40)
    spread_pushes = total_pushes = 0

    for game in slate.games:
        for book in BOOKMAKERS:
            closing = quote(game, book, game.commence_time - timedelta(minutes=1))
            assert closing is not None
            _away, home = closing.markets["spreads"]
            total = closing.markets["totals"][0].point
            spread_pushes += game.final_home - game.final_away + home.point == 0
            total_pushes += game.final_home + game.final_away == total

    assert spread_pushes > 0 and total_pushes > 0


def _by_id(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {event["id"]: event for event in events}
