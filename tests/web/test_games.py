"""The board: upcoming games with their consensus line, filters, bookmaker detail, caching; one game."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg

from tests.web.helpers import add_game, client


async def test_the_board_lists_only_games_not_yet_started_by_the_server_clock(db: asyncpg.Pool) -> None:
    later = await add_game(db, external_id="later", starts_in="5 hours")
    soon = await add_game(db, external_id="soon", starts_in="1 hour")
    # Stale status: ingestion has not run since tip-off, so the row still says scheduled.
    await add_game(db, external_id="started", starts_in="-1 second")
    await add_game(db, external_id="void", starts_in="2 hours", status="void")
    async with client() as c:
        response = await c.get("/api/games/upcoming")
    assert response.status_code == 200
    assert [g["id"] for g in response.json()["games"]] == [soon, later]


async def test_each_board_game_carries_every_market_line_and_when_the_odds_were_taken(db: asyncpg.Pool) -> None:
    await add_game(db)
    taken_at = await db.fetchval("SELECT max(fetched_at) FROM market_line")
    async with client() as c:
        game = (await c.get("/api/games/upcoming")).json()["games"][0]
    assert game["started"] is False and game["status"] == "scheduled"
    assert datetime.fromisoformat(game["odds_taken_at"]) == taken_at
    markets = {m["market"]: m for m in game["markets"]}
    assert [(o["selection"], o["price"], o["point"]) for o in markets["h2h"]["outcomes"]] == [
        ("home", -150, None),
        ("away", 130, None),
    ]
    assert [(o["selection"], o["price"], o["point"]) for o in markets["spreads"]["outcomes"]] == [
        ("home", -110, "-3.50"),
        ("away", -110, "3.50"),
    ]
    assert [(o["selection"], o["price"], o["point"]) for o in markets["totals"]["outcomes"]] == [
        ("over", -105, "221.50"),
        ("under", -115, "221.50"),
    ]
    assert markets["h2h"]["bookmaker_count"] == 2
    assert game["bookmakers"] is None


async def test_bookmaker_detail_is_added_on_request(db: asyncpg.Pool) -> None:
    await add_game(db, bookmakers=("draftkings", "fanduel", "betmgm"))
    async with client() as c:
        game = (await c.get("/api/games/upcoming", params={"detail": "bookmakers"})).json()["games"][0]
    assert [b["key"] for b in game["bookmakers"]] == ["betmgm", "draftkings", "fanduel"]
    assert [m["market"] for m in game["bookmakers"][0]["markets"]] == ["h2h", "spreads", "totals"]


async def test_the_board_filters_by_sport_and_utc_date(db: asyncpg.Pool) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
    nba = await add_game(db, external_id="nba", commence_time=tomorrow)
    await add_game(db, external_id="nhl", sport_key="icehockey_nhl", commence_time=tomorrow)
    await add_game(db, external_id="nba-later", commence_time=tomorrow + timedelta(days=1))
    async with client() as c:
        response = await c.get(
            "/api/games/upcoming", params={"sport": "basketball_nba", "date": tomorrow.date().isoformat()}
        )
    assert [g["id"] for g in response.json()["games"]] == [nba]


async def test_the_board_answers_304_when_the_etag_still_matches_and_changes_after_a_bump(db: asyncpg.Pool) -> None:
    await add_game(db)
    async with client() as c:
        first = await c.get("/api/games/upcoming")
        etag = first.headers["etag"]
        again = await c.get("/api/games/upcoming", headers={"If-None-Match": etag})
        await add_game(db, external_id="ev2")
        await db.execute("UPDATE data_version SET version = version + 1 WHERE scope = 'board'")
        await _wait_for_version_ttl()
        changed = await c.get("/api/games/upcoming", headers={"If-None-Match": etag})
    assert "max-age" in first.headers["cache-control"]
    assert again.status_code == 304
    assert changed.status_code == 200 and len(changed.json()["games"]) == 2


async def _wait_for_version_ttl() -> None:
    import asyncio

    from services.web.settings import WebSettings

    await asyncio.sleep(WebSettings().cache_version_ttl_seconds + 0.05)


async def test_the_board_limit_is_capped_by_settings(db: asyncpg.Pool) -> None:
    async with client() as c:
        response = await c.get("/api/games/upcoming", params={"limit": 999})
    assert response.status_code == 422 and response.json()["error"]["details"][0]["loc"] == ["query", "limit"]


async def test_one_game_shows_its_status_and_final_score(db: asyncpg.Pool) -> None:
    game_id = await add_game(db, starts_in="-3 hours")
    await db.execute(
        "UPDATE game SET status = 'final', home_score = 101, away_score = 99, completed_at = now() WHERE id = $1",
        game_id,
    )
    async with client() as c:
        response = await c.get(f"/api/games/{game_id}")
    body = response.json()
    assert response.status_code == 200
    assert (body["status"], body["started"], body["home_score"], body["away_score"]) == ("final", True, 101, 99)


async def test_one_game_reports_started_even_when_its_status_is_stale(db: asyncpg.Pool) -> None:
    game_id = await add_game(db, starts_in="-1 second")
    async with client() as c:
        body = (await c.get(f"/api/games/{game_id}")).json()
    assert body["status"] == "scheduled" and body["started"] is True


async def test_an_unknown_game_is_404_in_the_error_body(db: asyncpg.Pool) -> None:
    async with client() as c:
        response = await c.get("/api/games/999")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "game_not_found", "message": "No such game.", "details": None}}
