"""GET /api/games/{game_id}/consensus: share of picks and of units on each side of each market."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg

from tests.web.factories import api, make_game, make_pick, make_user


async def _consensus(game_id: int | str) -> dict:
    async with api() as client:
        response = await client.get(f"/api/games/{game_id}/consensus")
    assert response.status_code == 200, response.text
    return response.json()


async def test_shares_of_picks_and_units_per_side_count_pending_and_graded_but_not_void(db: asyncpg.Pool) -> None:
    # GIVEN a game with moneyline picks: three on home (1 + 1 + 2 units, one already graded), one on away for 4 units,
    # a void pick on away, and two spread picks on home at different numbers
    game = await make_game(db, commence_time=datetime.now(UTC) + timedelta(hours=2))
    users = [await make_user(db, f"player_{i}") for i in range(6)]
    await make_pick(db, user_id=users[0], game_id=game, selection="home", stake="1")
    await make_pick(db, user_id=users[1], game_id=game, selection="home", stake="1", status="won")
    await make_pick(db, user_id=users[2], game_id=game, selection="home", stake="2")
    await make_pick(db, user_id=users[3], game_id=game, selection="away", stake="4")
    await make_pick(db, user_id=users[4], game_id=game, selection="away", stake="5", status="void")
    await make_pick(
        db, user_id=users[0], game_id=game, market="spreads", selection="home", point=Decimal("-3.5"), stake="1.5"
    )
    await make_pick(db, user_id=users[1], game_id=game, market="spreads", selection="home", point=Decimal("-4"))
    # WHEN the consensus is read
    body = await _consensus(game)
    # THEN each market lists both sides with counts, units and shares; void picks are not counted
    h2h, spreads, totals = body["markets"]
    assert h2h == {
        "market": "h2h",
        "picks": 4,
        "units": "8.00",
        "sides": [
            {"selection": "home", "picks": 3, "units": "4.00", "pick_share": "0.750000", "unit_share": "0.500000"},
            {"selection": "away", "picks": 1, "units": "4.00", "pick_share": "0.250000", "unit_share": "0.500000"},
        ],
    }
    assert spreads["sides"] == [
        {"selection": "home", "picks": 2, "units": "2.50", "pick_share": "1.000000", "unit_share": "1.000000"},
        {"selection": "away", "picks": 0, "units": "0.00", "pick_share": "0.000000", "unit_share": "0.000000"},
    ]
    # AND a market nobody picked shows both sides with zero picks and no share
    assert totals == {
        "market": "totals",
        "picks": 0,
        "units": "0.00",
        "sides": [
            {"selection": "over", "picks": 0, "units": "0.00", "pick_share": None, "unit_share": None},
            {"selection": "under", "picks": 0, "units": "0.00", "pick_share": None, "unit_share": None},
        ],
    }
    assert (body["game_id"], body["picks"], body["units"]) == (game, 6, "10.50")


async def test_consensus_names_nobody(db: asyncpg.Pool) -> None:
    game = await make_game(db, commence_time=datetime.now(UTC) + timedelta(hours=2))
    await make_pick(db, user_id=await make_user(db, "secretive"), game_id=game)
    async with api() as client:
        response = await client.get(f"/api/games/{game}/consensus")
    assert "secretive" not in response.text and "user" not in response.text


async def test_unknown_game_is_a_404_and_an_impossible_id_a_422(db: asyncpg.Pool) -> None:
    async with api() as client:
        missing = await client.get("/api/games/12345/consensus")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "game_not_found"
        for bad in ("0", "-1", str(2**63), "abc"):
            response = await client.get(f"/api/games/{bad}/consensus")
            assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request", bad
