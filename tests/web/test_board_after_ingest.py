"""The web reads what ingestion writes: an ingested snapshot is on the board, and a new one moves the line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg

from contracts.events import BookmakerOdds, GameInfo, GameOddsEvent, MarketQuote, OutcomePrice
from contracts.markets import Market, Selection
from services.grader.ingest import ingest_game_odds
from tests.web.helpers import bearer, client, register

GAME = GameInfo(
    external_id="evt-lal-bos",
    sport_key="basketball_nba",
    sport_title="NBA",
    home_team="Boston Celtics",
    away_team="Los Angeles Lakers",
    commence_time=datetime.now(UTC).replace(microsecond=0) + timedelta(hours=4),
)


def _snapshot(*, fetched_at: datetime, spread: Decimal, spread_price: int) -> GameOddsEvent:
    def book(key: str) -> BookmakerOdds:
        return BookmakerOdds(
            key=key,
            title=key,
            last_update=fetched_at,
            markets=(
                MarketQuote(
                    market=Market.H2H,
                    last_update=fetched_at,
                    outcomes=(
                        OutcomePrice(selection=Selection.HOME, price=-160),
                        OutcomePrice(selection=Selection.AWAY, price=140),
                    ),
                ),
                MarketQuote(
                    market=Market.SPREADS,
                    last_update=fetched_at,
                    outcomes=(
                        OutcomePrice(selection=Selection.HOME, price=spread_price, point=-spread),
                        OutcomePrice(selection=Selection.AWAY, price=-110, point=spread),
                    ),
                ),
            ),
        )

    return GameOddsEvent(game=GAME, fetched_at=fetched_at, bookmakers=(book("draftkings"), book("fanduel")))


async def test_an_ingested_line_is_on_the_board_and_a_newer_one_moves_it(db: asyncpg.Pool) -> None:
    first_fetch = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    await ingest_game_odds(db, _snapshot(fetched_at=first_fetch, spread=Decimal("4.5"), spread_price=-110))
    async with client() as c:
        auth = bearer(await register(c))
        board = await c.get("/api/games/upcoming")
        game = board.json()["games"][0]
        spreads = next(m for m in game["markets"] if m["market"] == "spreads")
        home = spreads["outcomes"][0]
        placed = await c.post(
            "/api/picks",
            headers=auth,
            json={
                "picks": [
                    {
                        "game_id": game["id"],
                        "market": "spreads",
                        "selection": "home",
                        "point": home["point"],
                        "price": home["price"],
                        "stake": "1",
                    }
                ]
            },
        )

        await ingest_game_odds(
            db, _snapshot(fetched_at=first_fetch + timedelta(minutes=20), spread=Decimal("5.5"), spread_price=-105)
        )
        moved = await c.post(
            "/api/picks",
            headers=bearer(await register(c, "bob")),
            json={
                "picks": [
                    {
                        "game_id": game["id"],
                        "market": "spreads",
                        "selection": "home",
                        "point": home["point"],
                        "price": home["price"],
                        "stake": "1",
                    }
                ]
            },
        )

    assert (game["home_team"], game["odds_taken_at"]) == (
        "Boston Celtics",
        first_fetch.isoformat().replace("+00:00", "Z"),
    )
    assert (home["point"], home["price"]) == ("-4.50", -110)
    assert placed.status_code == 201, placed.text
    assert moved.status_code == 409
    assert moved.json()["error"]["details"][0]["current"] == {
        "market": "spreads",
        "selection": "home",
        "price": -105,
        "point": "-5.50",
    }
