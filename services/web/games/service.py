"""Read the board and single games: a few set-based queries, grouped in Python."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from contracts.markets import Market
from services.web.db import DbHandle
from services.web.errors import NotFound
from services.web.games.schemas import (
    BookmakerMarket,
    BookmakerPublic,
    GamePublic,
    MarketLinePublic,
    OutcomeLine,
    UpcomingGames,
)

_GAME_COLUMNS = """
    g.id, g.sport_key, g.sport_title, g.home_team, g.away_team, g.commence_time, g.status,
    g.commence_time <= now() AS started, g.home_score, g.away_score, g.completed_at, g.void_reason
"""
_MARKET_ORDER = {"h2h": 0, "spreads": 1, "totals": 2}
_SELECTION_ORDER = {"home": 0, "away": 1, "over": 0, "under": 1}


async def _lines(db: DbHandle, game_ids: list[int]) -> dict[int, dict[str, list[Any]]]:
    rows = await db.fetch(
        "SELECT game_id, market, selection, price, point, bookmaker, bookmaker_count, fetched_at FROM market_line "
        "WHERE snapshot_kind = 'current' AND game_id = ANY($1::bigint[])",
        game_ids,
    )
    by_game: dict[int, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        by_game[r["game_id"]][r["market"]].append(r)
    return by_game


def _market_lines(markets: dict[str, list[Any]]) -> list[MarketLinePublic]:
    result = []
    for market in sorted(markets, key=_MARKET_ORDER.__getitem__):
        sides = sorted(markets[market], key=lambda r: _SELECTION_ORDER[r["selection"]])
        result.append(
            MarketLinePublic(
                market=Market(market),
                bookmaker=sides[0]["bookmaker"],
                bookmaker_count=min(r["bookmaker_count"] for r in sides),
                outcomes=[OutcomeLine(selection=r["selection"], price=r["price"], point=r["point"]) for r in sides],
            )
        )
    return result


async def _bookmakers(db: DbHandle, game_ids: list[int]) -> dict[int, list[BookmakerPublic]]:
    rows = await db.fetch(
        "SELECT game_id, bookmaker, market, selection, price, point, last_update FROM odds "
        "WHERE snapshot_kind = 'current' AND game_id = ANY($1::bigint[]) ORDER BY game_id, bookmaker",
        game_ids,
    )
    grouped: dict[int, dict[str, dict[str, list[Any]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for r in rows:
        grouped[r["game_id"]][r["bookmaker"]][r["market"]].append(r)
    return {
        game_id: [
            BookmakerPublic(
                key=book,
                markets=[
                    BookmakerMarket(
                        market=Market(market),
                        last_update=max(r["last_update"] for r in sides),
                        outcomes=[
                            OutcomeLine(selection=r["selection"], price=r["price"], point=r["point"])
                            for r in sorted(sides, key=lambda r: _SELECTION_ORDER[r["selection"]])
                        ],
                    )
                    for market, sides in sorted(markets.items(), key=lambda kv: _MARKET_ORDER[kv[0]])
                ],
            )
            for book, markets in books.items()
        ]
        for game_id, books in grouped.items()
    }


async def _assemble(db: DbHandle, games: list[Any], *, with_bookmakers: bool) -> list[GamePublic]:
    ids = [g["id"] for g in games]
    lines = await _lines(db, ids)
    books = await _bookmakers(db, ids) if with_bookmakers else {}
    result = []
    for g in games:
        markets = lines.get(g["id"], {})
        taken = [r["fetched_at"] for sides in markets.values() for r in sides]
        result.append(
            GamePublic(
                **dict(g),
                odds_taken_at=max(taken) if taken else None,
                markets=_market_lines(markets),
                bookmakers=books.get(g["id"], []) if with_bookmakers else None,
            )
        )
    return result


async def upcoming_games(
    *,
    db: DbHandle,
    sport: str | None,
    day: date | None,
    with_bookmakers: bool,
    limit: int,
    offset: int,
) -> UpcomingGames:
    """List games not yet started by the database clock (optionally one sport, one UTC day), soonest first."""
    games = await db.fetch(
        f"""
        SELECT {_GAME_COLUMNS} FROM game g
        WHERE g.commence_time > now() AND g.status NOT IN ('final', 'void')
          AND ($1::text IS NULL OR g.sport_key = $1)
          AND ($2::date IS NULL OR (g.commence_time >= ($2::date::timestamp AT TIME ZONE 'UTC')
                                    AND g.commence_time < (($2::date + 1)::timestamp AT TIME ZONE 'UTC')))
        ORDER BY g.commence_time, g.id
        LIMIT $3 OFFSET $4
        """,
        sport,
        day,
        limit,
        offset,
    )
    return UpcomingGames(games=await _assemble(db, games, with_bookmakers=with_bookmakers))


async def get_game(*, db: DbHandle, game_id: int, with_bookmakers: bool) -> GamePublic:
    """Return one game with its status, score and current line; 404 when there is no such game."""
    game = await db.fetchrow(f"SELECT {_GAME_COLUMNS} FROM game g WHERE g.id = $1", game_id)
    if game is None:
        raise NotFound("No such game.", code="game_not_found")
    return (await _assemble(db, [game], with_bookmakers=with_bookmakers))[0]
