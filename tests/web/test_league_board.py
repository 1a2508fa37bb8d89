"""A league's leaderboard (its members, its start date, its sport; the global ranking's rules) and its feed (picks only
after tip-off, the newest game first, how the league split)."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import asyncpg
import httpx

from contracts.grading import result_units
from contracts.markets import PickStatus
from tests.web.factories import api, auth_header, make_game, make_games, make_pick, make_user, sync_rollups

W, L, P = "won", "lost", "push"
NBA, NFL = "basketball_nba", "americanfootball_nfl"


async def _today(db: asyncpg.Pool) -> date:
    return await db.fetchval("SELECT (now() AT TIME ZONE 'UTC')::date")


async def _league(db: asyncpg.Pool, owner: int, members: list[int], *, start: date, sport: str | None = NBA) -> int:
    """Create a league through the API and have `members` join it by its code."""
    async with api() as c:
        response = await c.post(
            "/api/leagues",
            json={"name": "Friday Five", "sport": sport, "start_date": start.isoformat()},
            headers=auth_header(owner),
        )
        assert response.status_code == 201, response.text
        league = response.json()
        for member in members:
            joined = await c.post(
                "/api/leagues/join", json={"code": league["invite_code"]}, headers=auth_header(member)
            )
            assert joined.status_code == 200, joined.text
    return int(league["id"])


async def _get(path: str, user_id: int, **params: object) -> httpx.Response:
    async with api() as c:
        return await c.get(path, params=params, headers=auth_header(user_id))


async def _ok(path: str, user_id: int, **params: object) -> dict:
    response = await _get(path, user_id, **params)
    assert response.status_code == 200, response.text
    return response.json()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


async def test_a_league_ranks_its_members_over_picks_graded_from_its_start_in_its_sport(db: asyncpg.Pool) -> None:
    # GIVEN an NBA league counting from 10 days ago, with alice and bob; dave is not in it
    today = await _today(db)
    start = today - timedelta(days=10)
    alice, bob, dave = await make_user(db, "alice"), await make_user(db, "bob"), await make_user(db, "dave")
    league = await _league(db, alice, [bob], start=start)
    nba = [await make_game(db, sport_key=NBA) for _ in range(4)]
    nfl = await make_game(db, sport_key=NFL)
    # AND alice won an NBA pick today, lost one the second before the start, and won an NFL pick today
    await make_pick(db, user_id=alice, game_id=nba[0], status=W, price=150, stake="2")
    await make_pick(
        db, user_id=alice, game_id=nba[1], status=L, stake="3", graded_at=_midnight(start) - timedelta(seconds=1)
    )
    await make_pick(db, user_id=alice, game_id=nfl, status=W, price=200, stake="5")
    # AND bob lost an NBA pick at the very start, and dave won an NBA pick today
    await make_pick(db, user_id=bob, game_id=nba[2], status=L, price=-110, stake="1", graded_at=_midnight(start))
    await make_pick(db, user_id=dave, game_id=nba[3], status=W, price=300, stake="5")
    # WHEN a member reads the league's leaderboard
    body = await _ok(f"/api/leagues/{league}/leaderboard", bob)
    # THEN only the members' NBA picks graded from the start's midnight (UTC) count
    assert body["since"] == _midnight(start).isoformat().replace("+00:00", "Z")
    assert body["sport"] == NBA and body["total"] == 2
    assert [(e["username"], e["units"], e["wagered"], e["picks"]) for e in body["entries"]] == [
        ("alice", "3.00", "2.00", 1),
        ("bob", "-1.00", "1.00", 1),
    ]


async def test_a_league_ranking_is_the_leaderboard_over_exactly_the_picks_the_league_counts(db: asyncpg.Pool) -> None:
    # GIVEN players with picks on both sports graded over the last 40 days, four of them in an NBA league from 12
    # days ago (a seeded random history: every status, prices, stakes, ties of units)
    rng = random.Random(13)
    today = await _today(db)
    start = today - timedelta(days=12)
    players = [await make_user(db, f"player{n}") for n in range(7)]
    members = players[:4]
    league = await _league(db, members[0], members[1:], start=start)
    games = {sport: await make_games(db, 40, sport_key=sport) for sport in (NBA, NFL)}
    rows = []
    for day, sport in itertools.product(range(40), (NBA, NFL)):
        game = games[sport][day]
        graded_at = datetime.now(UTC) - timedelta(days=day, hours=rng.randint(0, 3))
        for player in rng.sample(players, 4):
            status = rng.choice((W, W, L, L, P))
            price = rng.choice((-150, -110, 100, 120, 250))
            stake = rng.choice((Decimal("1"), Decimal("2"), Decimal("2.5")))
            units = result_units(status=PickStatus(status), price=price, stake=stake)
            rows.append((player, game, price, stake, status, units, graded_at))
    await db.executemany(
        "INSERT INTO pick (user_id, game_id, market, selection, price, stake, status, result_units, graded_at) "
        "VALUES ($1, $2, 'h2h', 'home', $3, $4, $5, $6, $7)",
        rows,
    )
    await sync_rollups(db)
    controls = [
        {"window": window, "sort": sort, "min_picks": min_picks}
        for window in ("all", "season", "month", "week")
        for sort in ("units", "roi", "win_rate", "rating")
        for min_picks in (None, 1, 5)
    ]
    controls = [{k: v for k, v in c.items() if v is not None} for c in controls]
    # WHEN the league's leaderboard is read with every window, sort and minimum
    async with api() as c:
        path, viewer = f"/api/leagues/{league}/leaderboard", auth_header(members[2])
        league_boards = [(await c.get(path, params=ctl, headers=viewer)).json() for ctl in controls]
    # AND the global leaderboard is read once the picks the league does not count are gone (and the rollups rebuilt)
    await db.execute(
        "DELETE FROM pick p USING game g WHERE g.id = p.game_id AND "
        "(g.sport_key <> $1 OR p.graded_at < $2 OR NOT p.user_id = ANY($3::bigint[]))",
        NBA,
        _midnight(start),
        members,
    )
    await sync_rollups(db)
    async with api() as c:
        global_boards = [(await c.get("/api/leaderboard", params={**ctl, "sport": NBA})).json() for ctl in controls]
    # THEN the two agree on every ranking: entries, ranks, ratios, minimums and counts
    for ctl, mine, everyone in zip(controls, league_boards, global_boards, strict=True):
        assert (mine["entries"], mine["total"], mine["min_picks"]) == (
            everyone["entries"],
            everyone["total"],
            everyone["min_picks"],
        ), ctl
    assert any(board["entries"] for board in league_boards)


async def test_a_league_of_one_sport_refuses_a_ranking_of_another(db: asyncpg.Pool) -> None:
    alice = await make_user(db, "alice")
    league = await _league(db, alice, [], start=await _today(db))
    other = await _get(f"/api/leagues/{league}/leaderboard", alice, sport=NFL)
    same = await _get(f"/api/leagues/{league}/leaderboard", alice, sport=NBA)
    mine = await _get(f"/api/leagues/{league}/leaderboard/me", alice, sport=NFL)
    assert (other.status_code, other.json()["error"]["code"]) == (422, "sport_not_in_league")
    assert same.status_code == 200 and same.json()["sport"] == NBA
    assert mine.status_code == 422


async def test_a_league_of_every_sport_ranks_by_the_sport_asked_for(db: asyncpg.Pool) -> None:
    # GIVEN a league without a sport, where alice won on the NFL and lost on the NBA today
    alice = await make_user(db, "alice")
    league = await _league(db, alice, [], start=await _today(db), sport=None)
    await make_pick(db, user_id=alice, game_id=await make_game(db, sport_key=NFL), status=W, price=100, stake="2")
    await make_pick(db, user_id=alice, game_id=await make_game(db, sport_key=NBA), status=L, stake="1")
    # WHEN its ranking is read for all sports and for the NFL
    every = await _ok(f"/api/leagues/{league}/leaderboard", alice)
    football = await _ok(f"/api/leagues/{league}/leaderboard", alice, sport=NFL)
    # THEN each counts what it says
    assert [e["units"] for e in every["entries"]] == ["1.00"]
    assert [e["units"] for e in football["entries"]] == ["2.00"] and football["sport"] == NFL


async def test_my_standing_in_a_league_shows_my_row_or_why_i_am_not_ranked(db: asyncpg.Pool) -> None:
    # GIVEN a league where alice has 2 graded picks and bob 1
    today = await _today(db)
    alice, bob = await make_user(db, "alice"), await make_user(db, "bob")
    league = await _league(db, alice, [bob], start=today)
    games = [await make_game(db) for _ in range(3)]
    await make_pick(db, user_id=alice, game_id=games[0], status=W, price=100, stake="1")
    await make_pick(db, user_id=alice, game_id=games[1], status=W, price=100, stake="1")
    await make_pick(db, user_id=bob, game_id=games[2], status=W, price=100, stake="5")
    path = f"/api/leagues/{league}/leaderboard/me"
    # WHEN alice asks for her row on the units ranking, and on one needing 3 picks
    ranked = await _ok(path, alice)
    short = await _ok(path, alice, sort="roi", min_picks=3)
    # THEN she is second by units, and unranked with her 2 picks counted where 3 are needed
    assert ranked["entry"]["rank"] == 2 and ranked["entry"]["units"] == "2.00" and ranked["total"] == 2
    assert (short["entry"], short["picks"], short["min_picks"], short["total"]) == (None, 2, 3, 0)


async def test_a_removed_member_leaves_the_league_ranking(db: asyncpg.Pool) -> None:
    alice, bob = await make_user(db, "alice"), await make_user(db, "bob")
    league = await _league(db, alice, [bob], start=await _today(db))
    await make_pick(db, user_id=bob, game_id=await make_game(db), status=W, price=100, stake="5")
    before = await _ok(f"/api/leagues/{league}/leaderboard", alice)
    async with api() as c:
        removed = await c.delete(f"/api/leagues/{league}/members/bob", headers=auth_header(alice))
    after = await _ok(f"/api/leagues/{league}/leaderboard", alice)
    assert [e["username"] for e in before["entries"]] == ["bob"]
    assert removed.status_code == 204 and after["entries"] == [] and after["total"] == 0


async def test_a_members_pick_shows_in_the_feed_only_once_its_game_has_started(db: asyncpg.Pool) -> None:
    # GIVEN alice and bob in a league, and bob's pending pick on a game starting in an hour
    alice, bob = await make_user(db, "alice"), await make_user(db, "bob")
    league = await _league(db, alice, [bob], start=await _today(db))
    game = await make_game(db, commence_time=datetime.now(UTC) + timedelta(hours=1))
    await make_pick(db, user_id=bob, game_id=game, selection="away", price=130, stake="2")
    # WHEN alice, and bob himself, read the feed before tip-off
    before = [await _ok(f"/api/leagues/{league}/feed", user) for user in (alice, bob)]
    # AND again once the game has started by the database clock
    await db.execute("UPDATE game SET commence_time = now() - interval '1 second' WHERE id = $1", game)
    after = await _ok(f"/api/leagues/{league}/feed", alice)
    # THEN before tip-off nobody sees the pick, not even a count of it; after it, everyone does
    assert [(b["total"], b["games"]) for b in before] == [(0, []), (0, [])]
    assert after["total"] == 1
    (shown,) = after["games"]
    assert shown["game_id"] == game and shown["status"] == "scheduled"
    assert [
        (p["username"], p["market"], p["selection"], p["price"], p["stake"], p["status"]) for p in shown["picks"]
    ] == [("bob", "h2h", "away", 130, "2.00", "pending")]


async def test_the_feed_shows_started_games_newest_first_with_how_the_league_split(db: asyncpg.Pool) -> None:
    # GIVEN an NBA league from 3 days ago with alice, bob and carol; dave is not in it
    today = await _today(db)
    alice, bob, carol, dave = [await make_user(db, n) for n in ("alice", "bob", "carol", "dave")]
    league = await _league(db, alice, [bob, carol], start=today - timedelta(days=3))
    now = datetime.now(UTC)
    last_night = await make_game(db, commence_time=now - timedelta(hours=12))
    an_hour_ago = await make_game(db, commence_time=now - timedelta(hours=1))
    too_early = await make_game(db, commence_time=_midnight(today - timedelta(days=3)) - timedelta(minutes=1))
    football = await make_game(db, sport_key=NFL, commence_time=now - timedelta(hours=2))
    # AND last night: alice and bob took the home side (2 and 1 units), carol the away side (3), carol's total was
    # voided, dave took the away side; an hour ago only bob picked
    await make_pick(db, user_id=alice, game_id=last_night, status=W, price=-110, stake="2")
    await make_pick(db, user_id=bob, game_id=last_night, status=W, price=-110, stake="1")
    await make_pick(db, user_id=carol, game_id=last_night, selection="away", status=L, price=100, stake="3")
    await make_pick(
        db,
        user_id=carol,
        game_id=last_night,
        market="totals",
        selection="over",
        point=Decimal("221.5"),
        status="void",
        stake="1",
    )
    await make_pick(db, user_id=dave, game_id=last_night, selection="away", status=L, price=100, stake="5")
    await make_pick(db, user_id=bob, game_id=an_hour_ago, selection="away", price=120, stake="1.5")
    # AND picks the league does not count: before its first day, and on another sport
    await make_pick(db, user_id=alice, game_id=too_early, status=W, price=100, stake="1")
    await make_pick(db, user_id=alice, game_id=football, status=W, price=100, stake="1")
    # WHEN a member reads the feed
    feed = await _ok(f"/api/leagues/{league}/feed", carol)
    # THEN it holds the two games in the league's window, the latest tip-off first
    assert feed["total"] == 2 and [g["game_id"] for g in feed["games"]] == [an_hour_ago, last_night]
    game = feed["games"][1]
    # AND last night's members' picks, without dave's
    assert sorted((p["username"], p["market"], p["status"], p["result_units"]) for p in game["picks"]) == [
        ("alice", "h2h", "won", "1.82"),
        ("bob", "h2h", "won", "0.91"),
        ("carol", "h2h", "lost", "-3.00"),
        ("carol", "totals", "void", "0.00"),
    ]
    # AND how the league split: two of three members on the home moneyline, half of the units; the void left out
    h2h, spreads, totals = game["split"]
    assert h2h["market"] == "h2h" and (h2h["picks"], h2h["units"]) == (3, "6.00")
    assert [(s["selection"], s["picks"], s["pick_share"], s["unit_share"]) for s in h2h["sides"]] == [
        ("home", 2, "0.666667", "0.500000"),
        ("away", 1, "0.333333", "0.500000"),
    ]
    assert spreads["picks"] == 0 and spreads["sides"][0]["pick_share"] is None
    assert totals["picks"] == 0


async def test_the_feed_pages_by_game(db: asyncpg.Pool) -> None:
    alice = await make_user(db, "alice")
    league = await _league(db, alice, [], start=await _today(db) - timedelta(days=1))
    now = datetime.now(UTC)
    games = [await make_game(db, commence_time=now - timedelta(minutes=10 * n + 1)) for n in range(5)]
    for game in games:
        await make_pick(db, user_id=alice, game_id=game)
    page = await _ok(f"/api/leagues/{league}/feed", alice, limit=2, offset=2)
    assert page["total"] == 5 and (page["limit"], page["offset"]) == (2, 2)
    assert [g["game_id"] for g in page["games"]] == games[2:4]
    assert (await _get(f"/api/leagues/{league}/feed", alice, limit=51)).status_code == 422
