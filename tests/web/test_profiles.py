"""GET /api/users/{username}: record per window, CLV, units over time, pick history and who sees pending picks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import asyncpg
import httpx

from contracts.odds_math import closing_line_value
from tests.web.factories import (
    api,
    auth_header,
    make_game,
    make_games,
    make_pick,
    make_user,
)

SIX = Decimal("0.000001")


async def _profile(username: str, headers: dict[str, str] | None = None, **params: object) -> httpx.Response:
    async with api() as client:
        return await client.get(f"/api/users/{username}", params=params, headers=headers or {})


async def _ok(username: str, headers: dict[str, str] | None = None, **params: object) -> dict:
    response = await _profile(username, headers, **params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_unknown_player_is_a_404_in_the_error_body(db: asyncpg.Pool) -> None:
    response = await _profile("nobody")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "user_not_found"
    assert response.json()["error"]["message"]


async def test_username_lookup_ignores_case_and_returns_the_stored_spelling(db: asyncpg.Pool) -> None:
    await make_user(db, "AliceB")
    body = await _ok("aliceb")
    assert body["username"] == "AliceB" and body["joined_at"]


async def test_record_units_and_roi_per_window_leave_voids_out_of_wagered_and_roi(db: asyncpg.Pool) -> None:
    # GIVEN a win and a void graded today, and a loss and a push graded 400 days ago
    alice = await make_user(db, "alice")
    games = await make_games(db, 4)
    long_ago = datetime.now(UTC) - timedelta(days=400)
    await make_pick(db, user_id=alice, game_id=games[0], status="won", price=150, stake="2")
    await make_pick(db, user_id=alice, game_id=games[1], status="void", price=150, stake="5")
    await make_pick(db, user_id=alice, game_id=games[2], status="lost", price=-110, stake="1", graded_at=long_ago)
    await make_pick(db, user_id=alice, game_id=games[3], status="push", price=-110, stake="1", graded_at=long_ago)
    # WHEN her profile is read
    windows = (await _ok("alice"))["windows"]
    # THEN all time holds everything, the void only as a void
    assert windows["all"] == {
        "wins": 1,
        "losses": 1,
        "pushes": 1,
        "voids": 1,
        "picks": 3,
        "units": "2.00",
        "wagered": "4.00",
        "roi": "0.500000",
        "win_rate": "0.500000",
    }
    # AND the recent windows hold only today's picks
    for name in ("season", "month", "week"):
        assert windows[name] == {
            "wins": 1,
            "losses": 0,
            "pushes": 0,
            "voids": 1,
            "picks": 1,
            "units": "3.00",
            "wagered": "2.00",
            "roi": "1.500000",
            "win_rate": "1.000000",
        }, name


async def test_a_player_without_graded_picks_has_zero_totals_and_null_ratios(db: asyncpg.Pool) -> None:
    await make_user(db, "newbie")
    body = await _ok("newbie")
    assert body["windows"]["all"] == {
        "wins": 0,
        "losses": 0,
        "pushes": 0,
        "voids": 0,
        "picks": 0,
        "units": "0.00",
        "wagered": "0.00",
        "roi": None,
        "win_rate": None,
    }
    assert body["closing_line_value"] == {"picks": 0, "average": None, "beat_close": 0, "beat_close_share": None}
    assert body["units_over_time"] == [] and body["picks"]["items"] == [] and body["pending"] == 0


async def test_closing_line_value_averages_comparable_graded_picks_and_counts_those_that_beat_the_close(
    db: asyncpg.Pool,
) -> None:
    # GIVEN graded picks with closing prices: two beat the close, one did not
    alice = await make_user(db, "alice")
    games = await make_games(db, 6)
    taken_and_closed = [(150, 120), (-110, -120), (-110, -105)]
    for game_id, (price, closing) in zip(games, taken_and_closed, strict=False):
        await make_pick(db, user_id=alice, game_id=game_id, status="won", price=price, closing_price=closing)
    # AND picks that cannot be compared: the spread moved off her number, no closing line, still pending
    await make_pick(
        db,
        user_id=alice,
        game_id=games[3],
        status="lost",
        market="spreads",
        point=Decimal("-3.5"),
        price=-110,
        closing_price=-130,
        closing_point=Decimal("-4.5"),
    )
    await make_pick(db, user_id=alice, game_id=games[4], status="lost", price=-110)
    await make_pick(db, user_id=alice, game_id=games[5], price=-110, closing_price=-200)
    # WHEN her profile is read
    clv = (await _ok("alice"))["closing_line_value"]
    # THEN CLV is the rulebook's closing-minus-taken probability averaged over the three comparable picks
    values = [closing_line_value(price_taken=p, closing_price=c) for p, c in taken_and_closed]
    expected = (sum(values, Decimal(0)) / 3).quantize(SIX, rounding=ROUND_HALF_UP)
    assert clv == {"picks": 3, "average": str(expected), "beat_close": 2, "beat_close_share": "0.666667"}
    assert Decimal(clv["average"]) > 0


async def test_a_spread_that_closed_on_the_same_number_is_compared_by_price(db: asyncpg.Pool) -> None:
    alice = await make_user(db, "alice")
    await make_pick(
        db,
        user_id=alice,
        game_id=await make_game(db),
        status="won",
        market="spreads",
        point=Decimal("-3.5"),
        price=-110,
        closing_price=-125,
        closing_point=Decimal("-3.5"),
    )
    body = await _ok("alice")
    expected = closing_line_value(price_taken=-110, closing_price=-125).quantize(SIX, rounding=ROUND_HALF_UP)
    assert body["closing_line_value"]["average"] == str(expected)
    assert body["picks"]["items"][0]["closing_line_value"] == str(expected)


async def test_units_over_time_has_one_cumulative_point_per_graded_day(db: asyncpg.Pool) -> None:
    # GIVEN two picks graded on one day, one on another, a void on a third (no units moved)
    alice = await make_user(db, "alice")
    games = await make_games(db, 4)
    day1 = datetime(2026, 11, 1, 20, tzinfo=UTC)
    day2 = datetime(2026, 11, 3, 23, 59, tzinfo=UTC)
    await make_pick(db, user_id=alice, game_id=games[0], status="won", price=100, stake="3", graded_at=day1)
    await make_pick(
        db, user_id=alice, game_id=games[1], status="lost", price=100, stake="1", graded_at=day1 + timedelta(hours=2)
    )  # 22:00 UTC: still 1 November
    await make_pick(db, user_id=alice, game_id=games[2], status="lost", price=100, stake="4", graded_at=day2)
    await make_pick(
        db, user_id=alice, game_id=games[3], status="void", price=100, stake="4", graded_at=day2 + timedelta(days=1)
    )
    # THEN the series has a point per day with graded results, oldest first, cumulative
    assert (await _ok("alice"))["units_over_time"] == [
        {"day": "2026-11-01", "units": "2.00", "cumulative_units": "2.00"},
        {"day": "2026-11-03", "units": "-4.00", "cumulative_units": "-2.00"},
    ]


async def test_another_players_pending_pick_is_hidden_until_the_game_locks_then_shown(db: asyncpg.Pool) -> None:
    # GIVEN alice has a graded pick and a pending pick on a game that tips off in an hour
    alice, bob = await make_user(db, "alice"), await make_user(db, "bob")
    past, future = await make_game(db), await make_game(db, commence_time=datetime.now(UTC) + timedelta(hours=1))
    graded = await make_pick(db, user_id=alice, game_id=past, status="won")
    pending = await make_pick(db, user_id=alice, game_id=future, selection="away", price=120)
    # WHEN anyone else looks before tip-off (anonymous, or bob logged in)
    for headers in ({}, auth_header(bob)):
        body = await _ok("alice", headers)
        # THEN only the graded pick is visible and the pending count says nothing about the hidden one
        assert [p["id"] for p in body["picks"]["items"]] == [graded], headers
        assert body["picks"]["total"] == 1 and body["pending"] == 0
    # WHEN the game locks by the database clock
    await db.execute("UPDATE game SET commence_time = now() - interval '1 second' WHERE id = $1", future)
    # THEN the pending pick is visible to everyone, with its side and price
    for headers in ({}, auth_header(bob)):
        body = await _ok("alice", headers)
        items = {p["id"]: p for p in body["picks"]["items"]}
        assert set(items) == {graded, pending} and body["pending"] == 1
        assert items[pending]["status"] == "pending" and items[pending]["selection"] == "away"
        assert items[pending]["price"] == 120 and items[pending]["result_units"] is None


async def test_a_player_always_sees_their_own_pending_picks(db: asyncpg.Pool) -> None:
    alice = await make_user(db, "alice")
    game = await make_game(db, commence_time=datetime.now(UTC) + timedelta(days=1))
    pending = await make_pick(db, user_id=alice, game_id=game)
    body = await _ok("alice", auth_header(alice))
    assert [p["id"] for p in body["picks"]["items"]] == [pending] and body["pending"] == 1


async def test_an_invalid_token_is_a_401_not_an_anonymous_view(db: asyncpg.Pool) -> None:
    await make_user(db, "alice")
    response = await _profile("alice", {"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_token"


async def test_pick_history_pages_newest_game_first(db: asyncpg.Pool) -> None:
    # GIVEN five graded picks on games an hour apart
    alice = await make_user(db, "alice")
    start = datetime.now(UTC) - timedelta(days=2)
    games = [await make_game(db, commence_time=start + timedelta(hours=i)) for i in range(5)]
    picks = [await make_pick(db, user_id=alice, game_id=g, status="lost") for g in games]
    # WHEN the second page of two is read
    page = (await _ok("alice", limit=2, offset=2))["picks"]
    # THEN it holds the third and fourth newest, and the total
    assert [p["id"] for p in page["items"]] == [picks[2], picks[1]]
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 2)
    item = page["items"][0]
    assert item["game_id"] == games[2] and item["home_team"] == "Boston Celtics" and item["result_units"] == "-1.00"
    assert (await _ok("alice", offset=5))["picks"] == {"total": 5, "limit": 50, "offset": 5, "items": []}


async def test_bad_paging_is_a_422(db: asyncpg.Pool) -> None:
    await make_user(db, "alice")
    for params in ({"limit": 0}, {"limit": 201}, {"offset": -1}, {"offset": "x"}):
        response = await _profile("alice", **params)
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request", params
