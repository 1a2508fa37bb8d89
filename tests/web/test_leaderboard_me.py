"""GET /api/leaderboard/me: my own row in a ranking wherever it falls, or why I am not ranked."""

from __future__ import annotations

import asyncpg

from tests.web.factories import api, auth_header, make_games, make_record, make_user

W, L = "won", "lost"


async def _mine(user_id: int, **params: object) -> dict:
    async with api() as client:
        response = await client.get("/api/leaderboard/me", params=params, headers=auth_header(user_id))
    assert response.status_code == 200, response.text
    return response.json()


async def test_my_row_is_the_row_the_leaderboard_shows_even_past_the_first_page(db: asyncpg.Pool) -> None:
    # GIVEN four players ranked by units, carol third
    games = await make_games(db, 4)
    ids = {}
    for wins, name in enumerate(("dave", "carol", "bob", "alice"), start=1):
        ids[name] = await make_user(db, name)
        await make_record(db, user_id=ids[name], game_ids=games, statuses=[W] * wins)
    # WHEN carol asks for her standing while the first page holds only two rows
    async with api() as client:
        page = (await client.get("/api/leaderboard", params={"limit": 2})).json()
        response = await client.get("/api/leaderboard/me", headers=auth_header(ids["carol"]))
    mine = response.json()
    # THEN her row is not on that page, and the standing gives it exactly as the full ranking does
    assert [e["username"] for e in page["entries"]] == ["alice", "bob"]
    async with api() as client:
        full = (await client.get("/api/leaderboard")).json()
    assert mine["entry"] == next(e for e in full["entries"] if e["username"] == "carol")
    assert mine["entry"]["rank"] == 3
    assert (mine["total"], mine["picks"], mine["min_picks"], mine["window"], mine["sort"]) == (4, 2, 1, "all", "units")


async def test_players_tied_but_for_the_username_each_get_the_rank_the_board_gives_them(db: asyncpg.Pool) -> None:
    # GIVEN a leader and four players with the same record, whose usernames sort differently by case and by bytes
    games = await make_games(db, 3)
    ids = {"lead": await make_user(db, "lead")}
    await make_record(db, user_id=ids["lead"], game_ids=games, statuses=[W, W, W])
    for name in ("zed", "Bob", "alice2", "Carl"):
        ids[name] = await make_user(db, name)
        await make_record(db, user_id=ids[name], game_ids=games, statuses=[W, L])
    # WHEN each asks for their standing, by units and by win rate
    for sort in ("units", "win_rate"):
        async with api() as client:
            board = (await client.get("/api/leaderboard", params={"sort": sort, "min_picks": 1})).json()
        ranks = {e["username"]: e["rank"] for e in board["entries"]}
        # THEN the tie is broken by username ignoring case, and each standing says what the board says
        assert ranks == {"lead": 1, "alice2": 2, "Bob": 3, "Carl": 4, "zed": 5}, sort
        for name, user_id in ids.items():
            assert (await _mine(user_id, sort=sort, min_picks=1))["entry"]["rank"] == ranks[name], (sort, name)


async def test_a_player_short_of_the_minimum_gets_no_row_but_their_pick_count(db: asyncpg.Pool) -> None:
    # GIVEN alice with 3 graded picks and bob with 20
    games = await make_games(db, 20)
    alice, bob = await make_user(db, "alice"), await make_user(db, "bob")
    await make_record(db, user_id=alice, game_ids=games, statuses=[W, W, L])
    await make_record(db, user_id=bob, game_ids=games, statuses=[W, L] * 10)
    # WHEN alice asks for her place on the ROI board (20 picks needed by default)
    mine = await _mine(alice, sort="roi")
    # THEN she is not ranked, and the answer says how many picks she has and how many it takes
    assert mine["entry"] is None
    assert (mine["picks"], mine["min_picks"], mine["total"]) == (3, 20, 1)
    # AND with the minimum lowered she ranks first on ROI ahead of bob
    assert (await _mine(alice, sort="roi", min_picks=3))["entry"]["rank"] == 1


async def test_the_window_and_sport_filters_apply_to_my_row(db: asyncpg.Pool) -> None:
    # GIVEN alice with one NBA win and two NFL wins
    alice = await make_user(db, "alice")
    nba = await make_games(db, 1, sport_key="basketball_nba")
    nfl = await make_games(db, 2, sport_key="americanfootball_nfl")
    await make_record(db, user_id=alice, game_ids=nba, statuses=[W])
    await make_record(db, user_id=alice, game_ids=nfl, statuses=[W, W])
    # WHEN she asks for her NBA standing this week
    mine = await _mine(alice, sport="basketball_nba", window="week")
    # THEN only the NBA pick counts
    assert mine["entry"]["picks"] == 1 and mine["entry"]["units"] == "1.00"
    assert mine["sport"] == "basketball_nba" and mine["since"] is not None


async def test_a_player_without_graded_picks_has_zero_picks_and_no_row(db: asyncpg.Pool) -> None:
    alice = await make_user(db, "alice")
    mine = await _mine(alice)
    assert (mine["entry"], mine["picks"], mine["total"]) == (None, 0, 0)


async def test_my_standing_needs_a_token_and_valid_controls(db: asyncpg.Pool) -> None:
    alice = await make_user(db, "alice")
    async with api() as client:
        anonymous = await client.get("/api/leaderboard/me")
        bad = await client.get("/api/leaderboard/me", params={"sort": "luck"}, headers=auth_header(alice))
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "not_authenticated"
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"
