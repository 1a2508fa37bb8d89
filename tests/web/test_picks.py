"""Placing a slip (all or nothing, lock by the server clock, current line only), listing and cancelling picks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from services.web.settings import WebSettings
from tests.web.helpers import add_game, bearer, client, register


def _pick(
    game_id: int,
    market: str = "h2h",
    selection: str = "home",
    *,
    point: str | None = None,
    price: int = -150,
    stake: str = "2",
) -> dict[str, Any]:
    return {
        "game_id": game_id,
        "market": market,
        "selection": selection,
        "point": point,
        "price": price,
        "stake": stake,
    }


async def _place(c: httpx.AsyncClient, auth: dict[str, str], *picks: dict[str, Any]) -> httpx.Response:
    return await c.post("/api/picks", json={"picks": list(picks)}, headers=auth)


async def _stored(db: asyncpg.Pool) -> int:
    return await db.fetchval("SELECT count(*) FROM pick")


async def test_a_slip_is_stored_at_the_line_and_price_it_was_taken_at(db: asyncpg.Pool) -> None:
    game_id = await add_game(db)
    async with client() as c:
        auth = bearer(await register(c))
        response = await _place(
            c,
            auth,
            _pick(game_id),
            _pick(game_id, "spreads", "away", point="3.5", price=-110, stake="1.5"),
            _pick(game_id, "totals", "under", point="221.5", price=-115, stake="5"),
        )
    assert response.status_code == 201, response.text
    picks = response.json()["picks"]
    assert [p["market"] for p in picks] == ["h2h", "spreads", "totals"]  # in slip order
    assert {(p["market"], p["selection"], p["point"], p["price"], p["stake"], p["status"]) for p in picks} == {
        ("h2h", "home", None, -150, "2.00", "pending"),
        ("spreads", "away", "3.50", -110, "1.50", "pending"),
        ("totals", "under", "221.50", -115, "5.00", "pending"),
    }
    # The stored line survives the consensus moving afterwards.
    await db.execute("UPDATE market_line SET price = 200, point = CASE WHEN point IS NULL THEN NULL ELSE point + 1 END")
    rows = await db.fetch("SELECT market, price, point FROM pick ORDER BY market")
    assert [(r["market"], r["price"], r["point"]) for r in rows] == [
        ("h2h", -150, None),
        ("spreads", -110, Decimal("3.50")),
        ("totals", -115, Decimal("221.50")),
    ]


async def test_a_pick_one_second_after_tip_off_is_refused_though_the_status_says_scheduled(db: asyncpg.Pool) -> None:
    game_id = await add_game(db, starts_in="-1 second")
    assert await db.fetchval("SELECT status FROM game WHERE id = $1", game_id) == "scheduled"
    async with client() as c:
        response = await _place(c, bearer(await register(c)), _pick(game_id))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "game_started"
    assert response.json()["error"]["details"][0]["index"] == 0
    assert await _stored(db) == 0


async def test_a_moved_line_is_409_with_the_current_line_attached(db: asyncpg.Pool) -> None:
    game_id = await add_game(db)
    async with client() as c:
        response = await _place(
            c, bearer(await register(c)), _pick(game_id, "spreads", "home", point="-2.5", price=-110)
        )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "line_moved"
    assert error["details"] == [
        {
            "index": 0,
            "code": "line_moved",
            "message": error["details"][0]["message"],
            "current": {"market": "spreads", "selection": "home", "price": -110, "point": "-3.50"},
        }
    ]


async def test_a_changed_price_alone_is_a_moved_line(db: asyncpg.Pool) -> None:
    game_id = await add_game(db)
    async with client() as c:
        response = await _place(c, bearer(await register(c)), _pick(game_id, price=-140))
    assert response.status_code == 409
    assert response.json()["error"]["details"][0]["current"]["price"] == -150


async def test_nothing_of_a_slip_with_one_bad_pick_is_stored_and_each_failure_is_listed(db: asyncpg.Pool) -> None:
    open_game = await add_game(db, external_id="open")
    started = await add_game(db, external_id="started", starts_in="-5 minutes")
    async with client() as c:
        response = await _place(
            c,
            bearer(await register(c)),
            _pick(open_game),
            _pick(started),
            _pick(open_game, "totals", "over", point="220.5", price=-105),
            _pick(999_999),
        )
    assert response.status_code == 404  # the most basic failure (an unknown game) sets the status
    error = response.json()["error"]
    assert error["code"] == "slip_refused"
    assert [(d["index"], d["code"]) for d in error["details"]] == [
        (1, "game_started"),
        (2, "line_moved"),
        (3, "game_not_found"),
    ]
    assert await _stored(db) == 0


async def test_stakes_outside_the_range_or_off_the_steps_are_refused(db: asyncpg.Pool) -> None:
    game_id = await add_game(db)
    async with client() as c:
        auth = bearer(await register(c))
        response = await _place(
            c,
            auth,
            _pick(game_id, stake="0.5"),
            _pick(game_id, "spreads", "home", point="-3.5", price=-110, stake="5.5"),
            _pick(game_id, "totals", "over", point="221.5", price=-105, stake="1.25"),
        )
    assert response.status_code == 422
    assert [d["code"] for d in response.json()["error"]["details"]] == [
        "stake_out_of_range",
        "stake_out_of_range",
        "stake_not_in_steps",
    ]
    assert await _stored(db) == 0


async def test_the_stake_rules_come_from_settings(db: asyncpg.Pool) -> None:
    game_id = await add_game(db)
    settings = WebSettings(stake_min=Decimal("10"), stake_max=Decimal("100"), stake_step=Decimal("10"))
    async with client(settings) as c:
        auth = bearer(await register(c))
        refused = await _place(c, auth, _pick(game_id, stake="5"))
        placed = await _place(c, auth, _pick(game_id, stake="20"))
    assert refused.status_code == 422 and placed.status_code == 201


async def test_an_unknown_market_or_selection_is_422_naming_the_pick(db: asyncpg.Pool) -> None:
    game_id = await add_game(db)
    async with client() as c:
        auth = bearer(await register(c))
        unknown_market = await _place(c, auth, _pick(game_id, "props"))
        wrong_side = await _place(c, auth, _pick(game_id, "totals", "home", point="221.5"))
        h2h_with_point = await _place(c, auth, _pick(game_id, point="1.5"))
        spread_without_point = await _place(c, auth, _pick(game_id, "spreads", price=-110))
    assert unknown_market.status_code == 422
    assert unknown_market.json()["error"]["details"][0]["loc"] == ["body", "picks", 0, "market"]
    assert [r.json()["error"]["code"] for r in (wrong_side, h2h_with_point, spread_without_point)] == [
        "selection_not_in_market",
        "point_not_allowed",
        "point_required",
    ]
    assert await _stored(db) == 0


async def test_a_market_without_a_line_is_refused(db: asyncpg.Pool) -> None:
    game_id = await add_game(db, line={("h2h", "home"): (-150, None), ("h2h", "away"): (130, None)})
    async with client() as c:
        response = await _place(
            c, bearer(await register(c)), _pick(game_id, "totals", "over", point="221.5", price=-105)
        )
    assert response.status_code == 409 and response.json()["error"]["code"] == "market_unavailable"


async def test_a_second_pick_on_the_same_game_and_market_is_409(db: asyncpg.Pool) -> None:
    game_id = await add_game(db)
    async with client() as c:
        auth = bearer(await register(c))
        first = await _place(c, auth, _pick(game_id))
        again = await _place(c, auth, _pick(game_id, selection="away", price=130))
        same_slip = await _place(
            c,
            auth,
            _pick(game_id, "totals", "over", point="221.5", price=-105),
            _pick(game_id, "totals", "under", point="221.5", price=-115),
        )
        other_player = await _place(c, bearer(await register(c, "bob")), _pick(game_id))
    assert first.status_code == 201 and other_player.status_code == 201
    assert again.status_code == 409 and again.json()["error"]["code"] == "duplicate_pick"
    assert same_slip.status_code == 409
    assert [(d["index"], d["code"]) for d in same_slip.json()["error"]["details"]] == [(1, "duplicate_pick")]
    assert await _stored(db) == 2


async def test_a_slip_holds_at_most_the_configured_number_of_picks(db: asyncpg.Pool) -> None:
    game_ids = [await add_game(db, external_id=f"ev{i}") for i in range(21)]
    async with client() as c:
        auth = bearer(await register(c))
        too_many = await _place(c, auth, *(_pick(g) for g in game_ids))
        twenty = await _place(c, auth, *(_pick(g) for g in game_ids[:20]))
    assert too_many.status_code == 422 and too_many.json()["error"]["code"] == "too_many_picks"
    assert twenty.status_code == 201 and len(twenty.json()["picks"]) == 20


async def test_placing_picks_needs_a_login(db: asyncpg.Pool) -> None:
    game_id = await add_game(db)
    async with client() as c:
        response = await c.post("/api/picks", json={"picks": [_pick(game_id)]})
    assert response.status_code == 401 and await _stored(db) == 0


async def test_my_picks_list_results_and_audit_fields_filtered_by_status(db: asyncpg.Pool) -> None:
    graded_game = await add_game(db, external_id="graded")
    open_game = await add_game(db, external_id="open")
    async with client() as c:
        auth = bearer(await register(c))
        await _place(c, auth, _pick(graded_game, "spreads", "home", point="-3.5", price=-110))
        await _place(c, auth, _pick(open_game))
        await _place(c, bearer(await register(c, "bob")), _pick(open_game))
        await db.execute(
            "UPDATE pick SET status = 'won', result_units = 3.64, graded_at = now(), graded_home_score = 110, "
            "graded_away_score = 100, closing_point = -3.5, closing_price = -120 WHERE game_id = $1",
            graded_game,
        )
        await db.execute(
            "INSERT INTO pick_regrade (pick_id, old_status, new_status, old_result_units, "
            "new_result_units, reason) SELECT id, 'lost', 'won', -4, 3.64, 'score corrected' FROM pick "
            "WHERE game_id = $1",
            graded_game,
        )
        everything = (await c.get("/api/picks/me", headers=auth)).json()["picks"]
        won = (await c.get("/api/picks/me", params={"status": "won"}, headers=auth)).json()["picks"]
        pending = (await c.get("/api/picks/me", params={"status": "pending"}, headers=auth)).json()["picks"]
    assert len(everything) == 2
    assert [p["game_id"] for p in pending] == [open_game] and pending[0]["cancellable"] is True
    [pick] = won
    assert (pick["result_units"], pick["graded_home_score"], pick["graded_away_score"]) == ("3.64", 110, 100)
    assert (pick["closing_point"], pick["closing_price"], pick["cancellable"]) == ("-3.50", -120, False)
    assert Decimal(pick["closing_line_value"]) > 0  # closed at -120 after being taken at -110
    assert [(r["old_status"], r["new_status"], r["reason"]) for r in pick["regrades"]] == [
        ("lost", "won", "score corrected")
    ]


async def test_a_pick_can_be_cancelled_by_its_owner_until_tip_off(db: asyncpg.Pool) -> None:
    game_id = await add_game(db)
    async with client() as c:
        alice, bob = bearer(await register(c)), bearer(await register(c, "bob"))
        pick_id = (await _place(c, alice, _pick(game_id))).json()["picks"][0]["id"]
        by_bob = await c.delete(f"/api/picks/{pick_id}", headers=bob)
        missing = await c.delete("/api/picks/999999", headers=bob)
        await db.execute("UPDATE game SET commence_time = now() - interval '1 second'")
        after_tip_off = await c.delete(f"/api/picks/{pick_id}", headers=alice)
        await db.execute("UPDATE game SET commence_time = now() + interval '1 hour'")
        cancelled = await c.delete(f"/api/picks/{pick_id}", headers=alice)
        replaced = await _place(c, alice, _pick(game_id, selection="away", price=130))
    assert by_bob.status_code == 404 and by_bob.json() == missing.json()
    assert after_tip_off.status_code == 409 and after_tip_off.json()["error"]["code"] == "game_started"
    assert cancelled.status_code == 204
    assert replaced.status_code == 201  # cancelling frees the market for a new pick


async def test_two_identical_slips_sent_at_once_store_one_pick(db: asyncpg.Pool) -> None:
    import asyncio

    game_id = await add_game(db)
    async with client() as c:
        auth = bearer(await register(c))
        responses = await asyncio.gather(*(_place(c, auth, _pick(game_id)) for _ in range(4)))
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409]
    assert await _stored(db) == 1
