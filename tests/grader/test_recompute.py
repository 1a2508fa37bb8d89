"""`recompute_totals` and `pickvs grade --recompute`: rebuild totals from picks, report and fix any drift."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import asyncpg

from pickvs.cli import main
from services.grader.recompute import Totals, recompute_totals
from services.grader.settlement import apply_result
from tests.builders import PickRow, final, game_info, insert_game, insert_picks, insert_users, stored_totals

D = Decimal


async def _graded_players(db: asyncpg.Pool) -> list[int]:
    info = game_info()
    game_id = await insert_game(db, info)
    users = await insert_users(db, 3)
    await insert_picks(
        db,
        [
            PickRow(users[0], game_id, "h2h", "home", None, -150, D("3")),
            PickRow(users[1], game_id, "totals", "under", D("200"), -110, D("2")),
        ],
    )
    await apply_result(db, final(info, 100, 100))  # a tie: h2h push, total 200 push
    return users


async def test_recompute_reports_nothing_when_totals_match(db: asyncpg.Pool) -> None:
    await _graded_players(db)
    assert await recompute_totals(db) == []


async def test_recompute_finds_and_fixes_a_tampered_total(db: asyncpg.Pool) -> None:
    # GIVEN someone edited a player's totals by hand
    users = await _graded_players(db)
    await db.execute('UPDATE "user" SET total_units = 99, wins = 4 WHERE id = $1', users[0])

    # WHEN totals are recomputed
    differences = await recompute_totals(db)

    # THEN that player is reported with both versions, and fixed
    assert [(d.user_id, d.stored, d.recomputed) for d in differences] == [
        (users[0], Totals(D("99.00"), D("3.00"), 4, 0, 1), Totals(D("0.00"), D("3.00"), 0, 0, 1))
    ]
    assert (await stored_totals(db))[users[0]] == Totals(D("0.00"), D("3.00"), 0, 0, 1)
    assert await recompute_totals(db) == []


async def test_recompute_without_fix_only_reports(db: asyncpg.Pool) -> None:
    users = await _graded_players(db)
    await db.execute('UPDATE "user" SET pushes = 0 WHERE id = $1', users[1])

    assert len(await recompute_totals(db, fix=False)) == 1
    assert len(await recompute_totals(db, fix=False)) == 1


async def test_grade_recompute_command_exits_1_after_fixing_and_0_when_all_match(db: asyncpg.Pool, capsys) -> None:
    # GIVEN a tampered total (a player with no picks credited 5 units)
    users = await _graded_players(db)
    await db.execute('UPDATE "user" SET total_units = 5 WHERE id = $1', users[2])

    # WHEN `pickvs grade --recompute` runs (in a thread: the command runs its own event loop)
    first = await asyncio.to_thread(main, ["grade", "--recompute"])
    first_output = capsys.readouterr().out
    second = await asyncio.to_thread(main, ["grade", "--recompute"])

    # THEN it fixed the player and said so (exit 1), and a second run finds everything in order (exit 0)
    assert first == 1 and "player3" in first_output and "fixed 1" in first_output
    assert second == 0 and "match" in capsys.readouterr().out
    assert (await stored_totals(db))[users[2]].units == D("0.00")


async def test_recompute_finds_and_fixes_drifted_leaderboard_rollups(db: asyncpg.Pool) -> None:
    # GIVEN graded players whose daily rollup and every-sport month rollup were edited by hand
    users = await _graded_players(db)
    today = await db.fetchval("SELECT (now() AT TIME ZONE 'UTC')::date")
    await db.execute("UPDATE player_day SET units = units + 7, voids = 2 WHERE user_id = $1", users[1])
    await db.execute(
        "UPDATE player_total SET month_wins = 3 WHERE user_id = $1 AND sport_key = '*'",
        users[0],
    )

    # WHEN totals and rollups are recomputed
    differences = await recompute_totals(db)

    # THEN both drifted rollups are reported, named and with both versions, and fixed; the totals were fine
    assert [(d.user_id, d.rollup, d.stored, d.recomputed) for d in differences] == [
        (
            users[0],
            f"every sport month {today:%Y-%m}",
            Totals(D("0.00"), D("3.00"), 3, 0, 1),
            Totals(D("0.00"), D("3.00"), 0, 0, 1),
        ),
        (
            users[1],
            f"basketball_nba day {today.isoformat()}",
            Totals(D("7.00"), D("2.00"), 0, 0, 1, 2),
            Totals(D("0.00"), D("2.00"), 0, 0, 1, 0),
        ),
    ]
    assert await recompute_totals(db) == []


async def test_recompute_rebuilds_a_missing_rollup_and_moves_the_season(db: asyncpg.Pool, capsys, monkeypatch) -> None:
    # GIVEN a player's rollups lost, and PICKVS_SEASON_START moved past every pick
    users = await _graded_players(db)
    await db.execute("DELETE FROM player_total WHERE user_id = $1", users[0])
    season = await db.fetchval("SELECT (now() AT TIME ZONE 'UTC')::date + 365")
    monkeypatch.setenv("PICKVS_SEASON_START", season.isoformat())

    # WHEN `pickvs grade --recompute` runs
    code = await asyncio.to_thread(main, ["grade", "--recompute"])
    output = capsys.readouterr().out

    # THEN the lost rows are rebuilt, every season rollup now counts nothing, and the rollups say which season they keep
    assert code == 1 and "player1 (id" in output and f"season since {season.isoformat()}" in output
    assert await db.fetchval("SELECT starts_on FROM rollup_season") == season
    rows = await db.fetch("SELECT sport_key, units, season_wagered FROM player_total WHERE user_id = $1", users[0])
    assert sorted(tuple(r) for r in rows) == [("*", D("0.00"), D("0.00")), ("basketball_nba", D("0.00"), D("0.00"))]
    assert await asyncio.to_thread(main, ["grade", "--recompute"]) == 0
