"""GET /api/leaderboard: columns, windows, sport filter, sorts, minimum picks, tie-breaks, rating, pages, errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import asyncpg
import pytest

from services.web.leaderboard import service as leaderboard_service
from services.web.settings import WebSettings
from tests.web.factories import api, auth_header, make_game, make_games, make_pick, make_record, make_user

W, L, P = "won", "lost", "push"


async def _board(settings: WebSettings | None = None, **params: object) -> dict:
    async with api(settings) as client:
        response = await client.get("/api/leaderboard", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _names(body: dict) -> list[str]:
    return [entry["username"] for entry in body["entries"]]


async def _db_today(db: asyncpg.Pool) -> date:
    return await db.fetchval("SELECT (now() AT TIME ZONE 'UTC')::date")


async def test_units_board_lists_each_players_graded_totals_with_ranks(db: asyncpg.Pool) -> None:
    # GIVEN alice 2-1-1 at -110 for 2 units each, bob 1-0 at +150 for 1 unit
    alice, bob = await make_user(db, "alice"), await make_user(db, "bob")
    games = await make_games(db, 4)
    await make_record(db, user_id=alice, game_ids=games, statuses=[W, W, L, P], price=-110, stake="2")
    await make_record(db, user_id=bob, game_ids=games, statuses=[W], price=150, stake="1")
    # WHEN the default board (all time, by units) is read
    body = await _board()
    # THEN both rank by units with every column computed from their graded picks
    assert body["window"] == "all" and body["since"] is None and body["sort"] == "units" and body["min_picks"] == 1
    assert body["total"] == 2
    alice_row, bob_row = body["entries"]
    assert alice_row == {
        "rank": 1,
        "username": "alice",
        "units": "1.64",
        "wagered": "8.00",
        "roi": "0.205000",
        "wins": 2,
        "losses": 1,
        "pushes": 1,
        "picks": 4,
        "win_rate": "0.666667",
        "rating": "0.015185",
    }
    assert bob_row["rank"] == 2 and bob_row["units"] == "1.50" and bob_row["wagered"] == "1.00"
    assert bob_row["roi"] == "1.500000" and bob_row["win_rate"] == "1.000000"


async def test_void_and_pending_picks_are_left_out_of_the_board(db: asyncpg.Pool) -> None:
    # GIVEN a player with one win, one void and one pending pick
    alice = await make_user(db, "alice")
    games = await make_games(db, 3)
    await make_pick(db, user_id=alice, game_id=games[0], status=W, price=100, stake="2")
    await make_pick(db, user_id=alice, game_id=games[1], status="void", price=100, stake="5")
    await make_pick(db, user_id=alice, game_id=games[2], status="pending", price=100, stake="5")
    # WHEN the board is read
    (row,) = (await _board())["entries"]
    # THEN only the win counts: wagered, record and picks ignore the void and the pending pick
    assert (row["units"], row["wagered"], row["picks"], row["wins"], row["losses"], row["pushes"]) == (
        "2.00",
        "2.00",
        1,
        1,
        0,
        0,
    )


async def test_a_player_without_graded_picks_is_not_ranked(db: asyncpg.Pool) -> None:
    # GIVEN one player with a graded pick and one who only has a pending pick
    alice, bob = await make_user(db, "alice"), await make_user(db, "bob")
    game = await make_game(db)
    await make_pick(db, user_id=alice, game_id=game, status=L)
    await make_pick(db, user_id=bob, game_id=game)
    # THEN only alice is ranked, even with negative units
    body = await _board()
    assert _names(body) == ["alice"] and body["entries"][0]["units"] == "-1.00"


async def test_roi_board_excludes_players_under_the_default_minimum_of_20_graded_picks(db: asyncpg.Pool) -> None:
    # GIVEN a 1-for-1 player at +500 and a grinder 12-8 over 20 picks at +100
    lucky, grinder = await make_user(db, "lucky"), await make_user(db, "grinder")
    games = await make_games(db, 20)
    await make_record(db, user_id=lucky, game_ids=games, statuses=[W], price=500)
    await make_record(db, user_id=grinder, game_ids=games, statuses=[W] * 12 + [L] * 8, price=100)
    # WHEN the ROI board is read without min_picks
    body = await _board(sort="roi")
    # THEN the minimum is 20 and the 1-for-1 player is not on it
    assert body["min_picks"] == 20 and body["total"] == 1
    assert _names(body) == ["grinder"] and body["entries"][0]["roi"] == "0.200000"
    # AND lowering the minimum lets them in, ranked by ROI
    assert _names(await _board(sort="roi", min_picks=1)) == ["lucky", "grinder"]
    # AND raising it above the grinder's count empties the board
    assert (await _board(sort="roi", min_picks=21))["entries"] == []


async def test_units_board_ranks_players_with_a_single_graded_pick(db: asyncpg.Pool) -> None:
    # GIVEN a 1-for-1 player: units are a total, so one pick is enough to appear on the units board
    lucky = await make_user(db, "lucky")
    await make_pick(db, user_id=lucky, game_id=await make_game(db), status=W, price=500)
    assert _names(await _board(sort="units")) == ["lucky"]
    # AND min_picks applies to the units board too when given
    assert _names(await _board(sort="units", min_picks=2)) == []


async def test_win_rate_board_ranks_by_wins_over_decisions_and_puts_all_push_players_last(db: asyncpg.Pool) -> None:
    # GIVEN three players with 3 graded picks each: 2-1, 3-0, and three pushes (no decisions)
    a, b, c = await make_user(db, "a_two_one"), await make_user(db, "b_perfect"), await make_user(db, "c_pushes")
    games = await make_games(db, 3)
    await make_record(db, user_id=a, game_ids=games, statuses=[W, W, L])
    await make_record(db, user_id=b, game_ids=games, statuses=[W, W, W])
    await make_record(db, user_id=c, game_ids=games, statuses=[P, P, P])
    # WHEN ranked by win rate with a minimum of 3
    body = await _board(sort="win_rate", min_picks=3)
    # THEN perfect first, 2-1 second, the player without a decision last with a null win rate
    assert _names(body) == ["b_perfect", "a_two_one", "c_pushes"]
    assert [e["win_rate"] for e in body["entries"]] == ["1.000000", "0.666667", None]
    # AND the default minimum of 20 leaves all three out
    assert (await _board(sort="win_rate"))["total"] == 0


async def test_rating_shrinks_roi_toward_zero_by_sample_size(db: asyncpg.Pool) -> None:
    # GIVEN a hot small sample (13-7, ROI 0.30 over 20 picks) and a steady large one (60-40, ROI 0.20 over 100)
    hot, steady = await make_user(db, "hot"), await make_user(db, "steady")
    games = await make_games(db, 100)
    await make_record(db, user_id=hot, game_ids=games, statuses=[W] * 13 + [L] * 7, price=100)
    await make_record(db, user_id=steady, game_ids=games, statuses=[W] * 60 + [L] * 40, price=100)
    # WHEN ranked by ROI the hot hand leads, but by rating the larger sample does
    assert _names(await _board(sort="roi")) == ["hot", "steady"]
    body = await _board(sort="rating")
    assert _names(body) == ["steady", "hot"] and body["min_picks"] == 20
    # THEN rating = ROI × n / (n + 50) (docs/grading.md): 0.2 × 100/150 and 0.3 × 20/70
    assert [e["rating"] for e in body["entries"]] == ["0.133333", "0.085714"]


async def test_ties_break_on_units_then_less_wagered_then_username_ignoring_case(db: asyncpg.Pool) -> None:
    # GIVEN four players with the same ROI (1.0): two made 4 units from 4 wagered, two made 2 from 2
    games = await make_games(db, 4)
    users = {name: await make_user(db, name) for name in ("zed", "Bob", "alice2", "carl")}
    for name in ("zed", "carl"):
        await make_record(db, user_id=users[name], game_ids=games, statuses=[W, L], price=300, stake="2")
    for name in ("Bob", "alice2"):
        await make_record(db, user_id=users[name], game_ids=games, statuses=[W, L], price=300, stake="1")
    # WHEN ranked by ROI (all tie at 1.0) with a minimum everyone meets
    body = await _board(sort="roi", min_picks=1)
    # THEN more units first, then usernames case-insensitively (alice2 before Bob, unlike a byte-wise sort)
    assert [(e["username"], e["units"], e["roi"]) for e in body["entries"]] == [
        ("carl", "4.00", "1.000000"),
        ("zed", "4.00", "1.000000"),
        ("alice2", "2.00", "1.000000"),
        ("Bob", "2.00", "1.000000"),
    ]
    # AND the order is the same on every request
    for _ in range(3):
        assert _names(await _board(sort="roi", min_picks=1)) == ["carl", "zed", "alice2", "Bob"]


async def test_a_tie_that_spills_past_the_pages_contenders_is_still_ranked_by_username(
    db: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN one leader and six players tied on everything but the username, created out of alphabetical order
    games = await make_games(db, 2)
    await make_record(db, user_id=await make_user(db, "leader"), game_ids=games, statuses=[W, W], stake="5")
    tied = ["fay", "Ann", "emil", "Cody", "bo_b", "dan"]
    for name in tied:
        await make_record(db, user_id=await make_user(db, name), game_ids=games, statuses=[W, L], price=200)
    by_username = sorted(tied, key=str.lower)
    # WHEN a page is read with no room beyond it (every tie reaches past the contenders), with room for one more row,
    # and with the room the service keeps
    for room in (0, 1, leaderboard_service._TIE_ROOM):
        monkeypatch.setattr(leaderboard_service, "_TIE_ROOM", room)
        for offset, limit in ((0, 3), (2, 2), (4, 3), (1, 10)):
            body = await _board(limit=limit, offset=offset)
            # THEN the page is that stretch of the full order: the leader, then the tied players by username
            assert _names(body) == (["leader", *by_username])[offset : offset + limit], (room, offset, limit)
            assert body["total"] == 7


async def test_players_at_or_below_break_even_rank_by_their_own_ratio_after_those_in_profit(db: asyncpg.Pool) -> None:
    # GIVEN one player in profit, one at break-even and two behind: "small" lost 1 of 10 wagered (ROI -0.1), "big" lost
    # 2 of 100 (ROI -0.02), so more units and the better ratio disagree
    games = await make_games(db, 2)
    users = {name: await make_user(db, name) for name in ("ahead", "even", "small", "big")}
    await make_pick(db, user_id=users["ahead"], game_id=games[0], status=W, price=100, stake="1")
    await make_pick(db, user_id=users["even"], game_id=games[0], status=P, price=100, stake="1")
    for name, lost, pushed in (("small", "1", "9"), ("big", "2", "98")):
        await make_pick(db, user_id=users[name], game_id=games[0], status=L, price=100, stake=lost)
        await make_pick(db, user_id=users[name], game_id=games[1], status=P, price=100, stake=pushed)
    for sort in ("roi", "rating"):
        # WHEN ranked by the ratio, whole and in pages that reach past the player in profit
        body = await _board(sort=sort, min_picks=1)
        # THEN the ratio decides below break-even too: big (-0.02) before small (-0.1), though small has more units
        assert _names(body) == ["ahead", "even", "big", "small"], sort
        assert _names(await _board(sort=sort, min_picks=1, limit=2, offset=1)) == ["even", "big"], sort
        assert _names(await _board(sort=sort, min_picks=1, limit=1)) == ["ahead"], sort
        # AND each player's own standing gives the rank the board gives them, on either side of break-even
        async with api() as client:
            for rank, name in enumerate(_names(body), start=1):
                mine = await client.get(
                    "/api/leaderboard/me", params={"sort": sort, "min_picks": 1}, headers=auth_header(users[name])
                )
                assert mine.json()["entry"]["rank"] == rank, (sort, name)


async def test_equal_units_rank_the_player_who_wagered_less_first(db: asyncpg.Pool) -> None:
    # GIVEN two players on +2.00 units: one from a 2-unit win, one from a 3-unit win and a 1-unit loss
    frugal, busy = await make_user(db, "zz_frugal"), await make_user(db, "aa_busy")
    games = await make_games(db, 2)
    await make_pick(db, user_id=frugal, game_id=games[0], status=W, price=100, stake="2")
    await make_pick(db, user_id=busy, game_id=games[0], status=W, price=100, stake="3")
    await make_pick(db, user_id=busy, game_id=games[1], status=L, price=100, stake="1")
    # THEN the units tie is broken by less wagered, before the username
    assert _names(await _board(sort="units")) == ["zz_frugal", "aa_busy"]


async def test_windows_count_picks_graded_since_their_utc_start(db: asyncpg.Pool) -> None:
    # GIVEN the season started 100 days ago and one player's wins graded just on and just before each window's start
    today = await _db_today(db)
    season_start = today - timedelta(days=100)
    settings = WebSettings(season_start=season_start)
    midnight = lambda day: datetime.combine(day, time.min, tzinfo=UTC)  # noqa: E731
    starts = {
        "week": midnight(today - timedelta(days=6)),
        "month": midnight(today.replace(day=1)),
        "season": midnight(season_start),
    }
    alice = await make_user(db, "alice")
    moments = [instant + offset for instant in starts.values() for offset in (timedelta(0), -timedelta(seconds=1))]
    moments.append(midnight(today - timedelta(days=400)))
    games = await make_games(db, len(moments))
    stakes = [Decimal(2) ** i for i in range(len(moments))]  # distinct powers of two: every subset sums differently
    for game_id, graded_at, stake in zip(games, moments, stakes, strict=True):
        await make_pick(db, user_id=alice, game_id=game_id, status=W, price=100, stake=stake, graded_at=graded_at)
    # WHEN each window is read
    for window in ("all", "season", "month", "week"):
        body = await _board(settings, window=window)
        since = starts.get(window)
        # THEN a pick counts exactly when it was graded at or after the window's start
        expected = sum((s for m, s in zip(moments, stakes, strict=True) if since is None or m >= since), Decimal(0))
        assert body["since"] == (since.isoformat().replace("+00:00", "Z") if since else None)
        assert Decimal(body["entries"][0]["units"]) == expected, window


async def test_sport_filter_counts_only_that_sports_picks(db: asyncpg.Pool) -> None:
    # GIVEN alice wins on the NBA and bob wins bigger on the NFL
    alice, bob = await make_user(db, "alice"), await make_user(db, "bob")
    nba = await make_game(db, sport_key="basketball_nba")
    nfl = await make_game(db, sport_key="americanfootball_nfl", home_team="Buffalo Bills", away_team="Miami Dolphins")
    await make_pick(db, user_id=alice, game_id=nba, status=W, price=100, stake="1")
    await make_pick(db, user_id=bob, game_id=nfl, status=W, price=100, stake="3")
    await make_pick(db, user_id=alice, game_id=nfl, status=L, price=100, stake="1")
    # THEN each sport's board counts its own picks only
    nfl_board = await _board(sport="americanfootball_nfl")
    assert [(e["username"], e["units"]) for e in nfl_board["entries"]] == [("bob", "3.00"), ("alice", "-1.00")]
    assert nfl_board["sport"] == "americanfootball_nfl"
    assert [(e["username"], e["units"]) for e in (await _board(sport="basketball_nba"))["entries"]] == [
        ("alice", "1.00")
    ]
    assert (await _board(sport="icehockey_nhl"))["entries"] == []


async def test_pages_keep_their_ranks_and_the_total(db: asyncpg.Pool) -> None:
    # GIVEN five players: player_a has 5 wins, player_b 4, … player_e 1
    games = await make_games(db, 5)
    for wins, name in enumerate(("e", "d", "c", "b", "a"), start=1):
        await make_record(db, user_id=await make_user(db, f"player_{name}"), game_ids=games, statuses=[W] * wins)
    # WHEN the second page of two is read
    body = await _board(limit=2, offset=2)
    # THEN it holds ranks 3 and 4 and the total of all ranked players
    assert [(e["rank"], e["username"]) for e in body["entries"]] == [(3, "player_c"), (4, "player_d")]
    assert (body["total"], body["limit"], body["offset"]) == (5, 2, 2)
    # AND a page past the end is empty but still reports the total
    past = await _board(offset=10)
    assert past["entries"] == [] and past["total"] == 5


async def test_bad_parameters_are_a_422_in_the_error_body(db: asyncpg.Pool) -> None:
    async with api() as client:
        for params in (
            {"sort": "luck"},
            {"window": "year"},
            {"limit": 0},
            {"limit": 201},
            {"offset": -1},
            {"min_picks": 0},
            {"sport": "Bad Sport!"},
        ):
            response = await client.get("/api/leaderboard", params=params)
            assert response.status_code == 422, params
            body = response.json()
            assert body["error"]["code"] == "invalid_request" and body["error"]["details"], params
