"""Settling a game from result events: first result, duplicates, stale results, corrections, voids, audit, races."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg

from services.grader.recompute import Totals, recompute_totals
from services.grader.settlement import apply_result
from tests.builders import (
    TIP_OFF,
    ZERO,
    PickRow,
    final,
    game_info,
    insert_game,
    insert_picks,
    insert_users,
    picks_by_id,
    stored_totals,
    void,
)

D = Decimal
GRADED_AT = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


async def _three_players_on_one_game(db: asyncpg.Pool, external_id: str = "game-1") -> tuple[list[int], list[int]]:
    """Alice home -3.5 at -110 x 2, Bob away h2h +150 x 1, Cleo over 220 at -105 x 5 (all on one game)."""
    info = game_info(external_id)
    game_id = await insert_game(db, info)
    users = await insert_users(db, 3)
    picks = await insert_picks(
        db,
        [
            PickRow(users[0], game_id, "spreads", "home", D("-3.5"), -110, D("2")),
            PickRow(users[1], game_id, "h2h", "away", None, 150, D("1")),
            PickRow(users[2], game_id, "totals", "over", D("220"), -105, D("5")),
        ],
    )
    return users, picks


async def _leaderboard_version(db: asyncpg.Pool) -> int:
    return await db.fetchval("SELECT version FROM data_version WHERE scope = 'leaderboard'")


async def test_a_final_score_grades_every_pick_and_folds_it_into_the_totals(db: asyncpg.Pool) -> None:
    # GIVEN three pending picks on one game
    users, picks = await _three_players_on_one_game(db)

    # WHEN the game ends 110-105 (home by 5, 215 points)
    result = await apply_result(db, final(game_info(), 110, 105), now=GRADED_AT)

    # THEN Alice covers, Bob loses his stake, Cleo's over loses, and the game holds the score
    assert (result.action, result.picks_written, result.picks_regraded, result.users_updated) == ("applied", 3, 0, 3)
    rows = await picks_by_id(db)
    assert [(rows[p]["status"], rows[p]["result_units"]) for p in picks] == [
        ("won", D("1.82")),
        ("lost", D("-1.00")),
        ("lost", D("-5.00")),
    ]
    assert all(rows[p]["graded_at"] == GRADED_AT for p in picks)
    assert all((rows[p]["graded_home_score"], rows[p]["graded_away_score"]) == (110, 105) for p in picks)
    assert await stored_totals(db) == {
        users[0]: Totals(D("1.82"), D("2.00"), 1, 0, 0),
        users[1]: Totals(D("-1.00"), D("1.00"), 0, 1, 0),
        users[2]: Totals(D("-5.00"), D("5.00"), 0, 1, 0),
    }
    game = await db.fetchrow("SELECT * FROM game")
    assert (game["status"], game["home_score"], game["away_score"]) == ("final", 110, 105)
    assert game["completed_at"] == TIP_OFF + timedelta(hours=3)
    assert await _leaderboard_version(db) == 1
    assert await db.fetchval("SELECT consumer FROM processed_event") == "grader"


async def test_roi_is_units_over_wagered_after_grading(db: asyncpg.Pool) -> None:
    users, _ = await _three_players_on_one_game(db)
    await apply_result(db, final(game_info(), 110, 105))
    assert await db.fetchval('SELECT roi FROM "user" WHERE id = $1', users[0]) == D("0.910000")


async def test_the_same_event_delivered_twice_settles_once(db: asyncpg.Pool) -> None:
    # GIVEN a game already settled
    await _three_players_on_one_game(db)
    event = final(game_info(), 110, 105)
    await apply_result(db, event)
    before = (await stored_totals(db), await _leaderboard_version(db))

    # WHEN SQS delivers the same event again
    result = await apply_result(db, event)

    # THEN nothing is written and the totals are unchanged
    assert (result.action, result.picks_written, result.users_updated) == ("duplicate", 0, 0)
    assert (await stored_totals(db), await _leaderboard_version(db)) == before
    assert await db.fetchval("SELECT count(*) FROM pick_regrade") == 0


async def test_a_score_for_a_game_not_yet_ingested_creates_the_game(db: asyncpg.Pool) -> None:
    # GIVEN no game row at all (the score event overtook the odds event)
    info = game_info("unknown-game")

    # WHEN its final score arrives
    result = await apply_result(db, final(info, 99, 98))

    # THEN the game exists, built from the event's GameInfo, and holds the score
    game = await db.fetchrow("SELECT * FROM game")
    assert game["id"] == result.game_id and result.action == "applied"
    assert (game["external_id"], game["home_team"], game["away_team"], game["commence_time"]) == (
        info.external_id,
        info.home_team,
        info.away_team,
        info.commence_time,
    )
    assert (game["status"], game["home_score"], game["away_score"]) == ("final", 99, 98)


async def test_a_correction_moves_totals_by_exactly_the_difference_and_records_each_regrade(db: asyncpg.Pool) -> None:
    # GIVEN a game graded at 110-105: Alice won 1.82, Bob lost 1, Cleo lost 5
    users, picks = await _three_players_on_one_game(db)
    first = final(game_info(), 110, 105, hours_after_tip=3)
    await apply_result(db, first, now=GRADED_AT)
    before = await stored_totals(db)

    # WHEN the score is corrected to 110-112 (away wins by 2, 222 points) a day later
    correction = final(game_info(), 110, 112, hours_after_tip=27)
    corrected_at = GRADED_AT + timedelta(days=1)
    result = await apply_result(db, correction, now=corrected_at)

    # THEN Alice goes from won to lost (-1.82 - 2), Bob from lost to won (+1 + 1.50), Cleo from lost to won (+5 + 4.76)
    assert (result.action, result.picks_regraded) == ("applied", 3)
    after = await stored_totals(db)
    assert after[users[0]] == Totals(D("-2.00"), D("2.00"), 0, 1, 0)
    assert after[users[1]] == Totals(D("1.50"), D("1.00"), 1, 0, 0)
    assert after[users[2]] == Totals(D("4.76"), D("5.00"), 1, 0, 0)
    assert after[users[0]].units - before[users[0]].units == D("-3.82")
    regrades = await db.fetch("SELECT * FROM pick_regrade ORDER BY pick_id")
    assert [
        (r["pick_id"], r["old_status"], r["new_status"], r["old_result_units"], r["new_result_units"]) for r in regrades
    ] == [
        (picks[0], "won", "lost", D("1.82"), D("-2.00")),
        (picks[1], "lost", "won", D("-1.00"), D("1.50")),
        (picks[2], "lost", "won", D("-5.00"), D("4.76")),
    ]
    assert {(r["reason"], r["event_id"], r["regraded_at"]) for r in regrades} == {
        ("score corrected from 110-105 to 110-112", correction.event_id, corrected_at)
    }
    rows = await picks_by_id(db)
    assert {(rows[p]["graded_home_score"], rows[p]["graded_away_score"], rows[p]["graded_at"]) for p in picks} == {
        (110, 112, corrected_at)
    }
    assert await recompute_totals(db) == []


async def test_a_correction_that_changes_no_result_moves_no_totals(db: asyncpg.Pool) -> None:
    _users, _picks = await _three_players_on_one_game(db)
    await apply_result(db, final(game_info(), 110, 105, hours_after_tip=3))
    before = await stored_totals(db)

    # WHEN 110-105 is corrected to 111-105: every pick keeps its result
    result = await apply_result(db, final(game_info(), 111, 105, hours_after_tip=5))

    # THEN the picks record the new score, but no totals move and no regrade is recorded
    assert (result.action, result.picks_written, result.picks_regraded, result.users_updated) == ("applied", 3, 0, 0)
    assert await stored_totals(db) == before
    assert await db.fetchval("SELECT count(*) FROM pick_regrade") == 0
    assert {r["graded_home_score"] for r in (await picks_by_id(db)).values()} == {111}


async def test_an_older_result_delivered_after_a_correction_is_ignored(db: asyncpg.Pool) -> None:
    # GIVEN the correction arrived before the original score (SQS reordered them)
    await _three_players_on_one_game(db)
    original = final(game_info(), 110, 105, hours_after_tip=3)
    correction = final(game_info(), 110, 112, hours_after_tip=5)
    await apply_result(db, correction)
    before = await stored_totals(db)

    # WHEN the original, older score arrives
    result = await apply_result(db, original)

    # THEN it is stale: the game keeps the correction and no totals move
    assert result.action == "stale"
    assert await stored_totals(db) == before
    assert await db.fetchval("SELECT (home_score, away_score)::text FROM game") == "(110,112)"


async def test_a_score_corrected_back_to_its_first_value_is_applied(db: asyncpg.Pool) -> None:
    # GIVEN 110-105, corrected to 110-112 (the first event's id is on record as processed)
    _users, _ = await _three_players_on_one_game(db)
    await apply_result(db, final(game_info(), 110, 105, hours_after_tip=3))
    after_first = await stored_totals(db)
    await apply_result(db, final(game_info(), 110, 112, hours_after_tip=5))

    # WHEN the source reverts to 110-105 later (same content, so the same event id as the first result)
    result = await apply_result(db, final(game_info(), 110, 105, hours_after_tip=8))

    # THEN it is newer than what the game holds and is applied: totals are back where the first result left them
    assert result.action == "applied"
    assert await stored_totals(db) == after_first
    assert await db.fetchval("SELECT count(*) FROM pick_regrade") == 6


async def test_a_void_returns_stakes_and_leaves_roi_and_record_alone(db: asyncpg.Pool) -> None:
    # GIVEN Alice already has a graded win on another game
    users, _ = await _three_players_on_one_game(db, "earlier")
    await apply_result(db, final(game_info("earlier"), 110, 105))
    before = await db.fetch('SELECT id, total_units, total_wagered, roi, wins, losses, pushes FROM "user" ORDER BY id')
    game_id = await insert_game(db, game_info("called-off"))
    await insert_picks(db, [PickRow(u, game_id, "h2h", "home", None, -120, D("4")) for u in users])

    # WHEN the second game is cancelled
    result = await apply_result(db, void(game_info("called-off"), "cancelled: arena issue"))

    # THEN its picks are void with 0.00 units, and units, wagered, ROI and W-L-P are exactly as before
    assert (result.action, result.picks_written, result.users_updated) == ("applied", 3, 0)
    rows = await db.fetch("SELECT status, result_units FROM pick WHERE game_id = $1", game_id)
    assert {(r["status"], r["result_units"]) for r in rows} == {("void", D("0.00"))}
    after = await db.fetch('SELECT id, total_units, total_wagered, roi, wins, losses, pushes FROM "user" ORDER BY id')
    assert [tuple(r) for r in after] == [tuple(r) for r in before]
    game = await db.fetchrow("SELECT status, void_reason, home_score, completed_at FROM game WHERE id = $1", game_id)
    assert tuple(game) == ("void", "cancelled: arena issue", None, None)


async def test_a_void_after_a_final_takes_the_graded_picks_out_of_the_totals(db: asyncpg.Pool) -> None:
    # GIVEN a game graded 110-105
    users, _picks = await _three_players_on_one_game(db)
    await apply_result(db, final(game_info(), 110, 105, hours_after_tip=3))

    # WHEN the result is vacated and the game voided later
    result = await apply_result(db, void(game_info(), "result vacated", hours_after_tip=40))

    # THEN every player is back to zero: no units, nothing wagered, no W-L-P, ROI undefined; each regrade is recorded
    assert (result.action, result.picks_regraded) == ("applied", 3)
    assert await stored_totals(db) == dict.fromkeys(users, ZERO)
    assert await db.fetchval('SELECT count(*) FROM "user" WHERE roi IS NOT NULL') == 0
    regrades = await db.fetch("SELECT old_status, new_status, new_result_units, reason FROM pick_regrade")
    assert {(r["new_status"], r["new_result_units"], r["reason"]) for r in regrades} == {
        ("void", D("0.00"), "game void: result vacated")
    }
    assert sorted(r["old_status"] for r in regrades) == ["lost", "lost", "won"]


async def test_a_final_reported_after_a_void_grades_the_picks(db: asyncpg.Pool) -> None:
    users, _ = await _three_players_on_one_game(db)
    await apply_result(db, void(game_info(), "not completed in time", hours_after_tip=36))

    result = await apply_result(db, final(game_info(), 110, 105, hours_after_tip=40))

    assert (result.action, result.picks_regraded) == ("applied", 3)
    assert (await stored_totals(db))[users[0]] == Totals(D("1.82"), D("2.00"), 1, 0, 0)
    assert await db.fetchval("SELECT DISTINCT reason FROM pick_regrade") == (
        "final score 110-105 reported after the game was void"
    )


async def test_an_older_void_arriving_after_the_final_is_ignored(db: asyncpg.Pool) -> None:
    await _three_players_on_one_game(db)
    await apply_result(db, final(game_info(), 110, 105, hours_after_tip=3))
    before = await stored_totals(db)

    result = await apply_result(db, void(game_info(), "postponed", hours_after_tip=1))

    assert result.action == "stale"
    assert await stored_totals(db) == before


async def test_grading_records_the_closing_line_falling_back_to_the_current_one(db: asyncpg.Pool) -> None:
    # GIVEN the spread has a closing consensus and the moneyline only a current one; the total has none
    _users, picks = await _three_players_on_one_game(db)
    game_id = await db.fetchval("SELECT id FROM game")
    await db.execute(
        "INSERT INTO market_line (game_id, snapshot_kind, market, selection, price, point, bookmaker, bookmaker_count, "
        "fetched_at) VALUES "
        "($1, 'current', 'spreads', 'home', -115, -4.5, 'fanduel', 5, $2), "
        "($1, 'closing', 'spreads', 'home', -108, -5.0, 'draftkings', 6, $2), "
        "($1, 'current', 'h2h', 'away', 170, NULL, 'betmgm', 4, $2)",
        game_id,
        TIP_OFF,
    )

    await apply_result(db, final(game_info(), 110, 105))

    rows = await picks_by_id(db)
    assert [(rows[p]["closing_price"], rows[p]["closing_point"]) for p in picks] == [
        (-108, D("-5.00")),
        (170, None),
        (None, None),
    ]
    # The pick keeps the price and line it was taken at.
    assert (rows[picks[0]]["price"], rows[picks[0]]["point"]) == (-110, D("-3.50"))


async def test_a_pick_left_pending_is_graded_when_the_result_is_delivered_again(db: asyncpg.Pool) -> None:
    # GIVEN a settled game and a pick that slipped in after it was settled (still pending)
    _users, _ = await _three_players_on_one_game(db)
    event = final(game_info(), 110, 105)
    await apply_result(db, event)
    late_user = (await insert_users(db, 1, prefix="late"))[0]
    game_id = await db.fetchval("SELECT id FROM game")
    await insert_picks(db, [PickRow(late_user, game_id, "h2h", "home", None, -200, D("3"))])

    # WHEN the same result is redelivered
    result = await apply_result(db, event)

    # THEN only that pick is graded
    assert (result.action, result.picks_written, result.users_updated) == ("duplicate", 1, 1)
    assert (await stored_totals(db))[late_user] == Totals(D("1.50"), D("3.00"), 1, 0, 0)
    assert await recompute_totals(db) == []


async def test_two_graders_settling_the_same_game_at_once_settle_it_once(db: asyncpg.Pool) -> None:
    # GIVEN 200 players with picks on one game
    info = game_info("contested")
    game_id = await insert_game(db, info)
    users = await insert_users(db, 200)
    await insert_picks(db, [PickRow(u, game_id, "h2h", "home" if u % 2 else "away", None, -110, D("1")) for u in users])
    event = final(info, 101, 99)

    # WHEN four graders apply the same event concurrently (each on its own connection)
    results = await asyncio.gather(*(apply_result(db, event) for _ in range(4)))

    # THEN exactly one applied it and every player is counted once
    assert sorted(r.action for r in results) == ["applied", "duplicate", "duplicate", "duplicate"]
    totals = await stored_totals(db)
    assert {t.wins + t.losses for t in totals.values()} == {1}
    assert sum(t.units for t in totals.values()) == 100 * D("0.91") - 100 * D("1")
    assert await recompute_totals(db) == []


async def test_two_graders_settling_games_with_shared_players_at_once_both_count(db: asyncpg.Pool) -> None:
    # GIVEN the same 100 players picked on two games
    games = [game_info("left"), game_info("right")]
    game_ids = [await insert_game(db, g) for g in games]
    users = await insert_users(db, 100)
    await insert_picks(db, [PickRow(u, g, "h2h", "home", None, 100, D("1")) for g in game_ids for u in users])

    # WHEN both games are settled at the same moment
    await asyncio.gather(apply_result(db, final(games[0], 100, 90)), apply_result(db, final(games[1], 100, 90)))

    # THEN both wins are in every player's totals
    assert set((await stored_totals(db)).values()) == {Totals(D("2.00"), D("2.00"), 2, 0, 0)}


async def test_a_result_re_reported_later_keeps_an_older_different_result_from_overtaking_it(db: asyncpg.Pool) -> None:
    # GIVEN 110-105 at 3 h after tip-off, re-reported unchanged at 8 h (same event id, newer timestamp)
    _users, _ = await _three_players_on_one_game(db)
    await apply_result(db, final(game_info(), 110, 105, hours_after_tip=3))
    assert (await apply_result(db, final(game_info(), 110, 105, hours_after_tip=8))).action == "duplicate"
    before = await stored_totals(db)

    # WHEN a different score stamped 5 h arrives last (it was superseded at 8 h)
    result = await apply_result(db, final(game_info(), 110, 112, hours_after_tip=5))

    # THEN it is stale: the source's newest word is still 110-105
    assert result.action == "stale"
    assert await stored_totals(db) == before
    assert await db.fetchval("SELECT last_update FROM game") == TIP_OFF + timedelta(hours=8)


async def test_a_void_and_a_final_with_the_same_timestamp_settle_as_the_final_in_either_order(db: asyncpg.Pool) -> None:
    # GIVEN two games with Alice's home -3.5 pick on each; each gets a void and a final stamped at the same instant
    users = await insert_users(db, 1)
    for g in ("a", "b"):
        game_id = await insert_game(db, game_info(g))
        await insert_picks(db, [PickRow(users[0], game_id, "spreads", "home", D("-3.5"), -110, D("2"))])
    events = {
        g: (final(game_info(g), 110, 105, hours_after_tip=30), void(game_info(g), hours_after_tip=30))
        for g in ("a", "b")
    }

    # WHEN game a gets the void first and game b the final first
    first_a = await apply_result(db, events["a"][1])
    second_a = await apply_result(db, events["a"][0])
    first_b = await apply_result(db, events["b"][0])
    second_b = await apply_result(db, events["b"][1])

    # THEN both end final (a real score outranks a void at the same instant) with the same result
    assert [r.action for r in (first_a, second_a, first_b, second_b)] == ["applied", "applied", "applied", "stale"]
    assert [r["status"] for r in await db.fetch("SELECT status FROM game ORDER BY external_id")] == ["final", "final"]
    spreads = await db.fetch("SELECT status, result_units FROM pick ORDER BY game_id")
    assert [tuple(r) for r in spreads] == [("won", D("1.82")), ("won", D("1.82"))]
    assert await recompute_totals(db) == []
