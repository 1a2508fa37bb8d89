"""Builders shared by the tests: players, games, picks and result events inserted set-based, and a client for the web
API in process. (tests/web/ still has helpers of its own; they may move here.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from contracts.events import GameInfo, GameResultEvent
from contracts.markets import GameStatus
from services.grader.recompute import Totals

TIP_OFF = datetime(2026, 11, 1, 0, 30, tzinfo=UTC)


def game_info(
    external_id: str = "game-1", *, commence_time: datetime = TIP_OFF, sport_key: str = "basketball_nba"
) -> GameInfo:
    """A game's identity as the fetcher would publish it."""
    return GameInfo(
        external_id=external_id,
        sport_key=sport_key,
        sport_title="NBA" if sport_key == "basketball_nba" else sport_key,
        home_team=f"Home {external_id}",
        away_team=f"Away {external_id}",
        commence_time=commence_time,
    )


def final(game: GameInfo, home: int, away: int, *, hours_after_tip: float = 3) -> GameResultEvent:
    """A final score, reported some hours after tip-off."""
    return GameResultEvent(
        game=game,
        outcome=GameStatus.FINAL,
        home_score=home,
        away_score=away,
        last_update=game.commence_time + timedelta(hours=hours_after_tip),
    )


def void(game: GameInfo, reason: str = "cancelled", *, hours_after_tip: float = 36) -> GameResultEvent:
    """A void result, reported some hours after tip-off."""
    return GameResultEvent(
        game=game,
        outcome=GameStatus.VOID,
        reason=reason,
        last_update=game.commence_time + timedelta(hours=hours_after_tip),
    )


@dataclass(frozen=True)
class PickRow:
    user_id: int
    game_id: int
    market: str
    selection: str
    point: Decimal | None
    price: int
    stake: Decimal


async def insert_users(pool: asyncpg.Pool | asyncpg.Connection, count: int, *, prefix: str = "player") -> list[int]:
    """Insert `count` players named prefix1, prefix2, …; return their ids in order."""
    rows = await pool.fetch(
        'INSERT INTO "user" (username, email, password_hash) '
        "SELECT $1 || n, $1 || n || '@example.com', 'x' FROM generate_series(1, $2) AS n ORDER BY n RETURNING id",
        prefix,
        count,
    )
    return [r["id"] for r in rows]


async def insert_user(
    pool: asyncpg.Pool | asyncpg.Connection, username: str = "alice", email: str | None = None
) -> int:
    """Insert one player (email defaults to username@example.com); return the id."""
    return int(
        await pool.fetchval(
            'INSERT INTO "user" (username, email, password_hash) VALUES ($1, $2, $3) RETURNING id',
            username,
            email or f"{username}@example.com",
            "not-a-real-hash",
        )
    )


async def insert_game(pool: asyncpg.Pool | asyncpg.Connection, game: GameInfo | None = None) -> int:
    """Insert a game (by default `game_info()`, tipping off at TIP_OFF); return its id."""
    game = game or game_info()
    return int(
        await pool.fetchval(
            "INSERT INTO game (external_id, sport_key, sport_title, home_team, away_team, commence_time) "
            "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            game.external_id,
            game.sport_key,
            game.sport_title,
            game.home_team,
            game.away_team,
            game.commence_time,
        )
    )


async def insert_picks(pool: asyncpg.Pool, picks: list[PickRow]) -> list[int]:
    """Insert pending picks placed a day before TIP_OFF; return their ids in order."""
    rows = await pool.fetch(
        "INSERT INTO pick (user_id, game_id, market, selection, point, price, stake, placed_at) "
        "SELECT u, g, m, s, pt, pr, st, $8 FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], "
        "$5::numeric[], $6::int[], $7::numeric[]) WITH ORDINALITY AS t(u, g, m, s, pt, pr, st, n) ORDER BY n "
        "RETURNING id",
        [p.user_id for p in picks],
        [p.game_id for p in picks],
        [p.market for p in picks],
        [p.selection for p in picks],
        [p.point for p in picks],
        [p.price for p in picks],
        [p.stake for p in picks],
        TIP_OFF - timedelta(days=1),
    )
    return [r["id"] for r in rows]


async def stored_totals(pool: asyncpg.Pool) -> dict[int, Totals]:
    """Return every player's stored totals by id."""
    rows = await pool.fetch('SELECT id, total_units, total_wagered, wins, losses, pushes FROM "user" ORDER BY id')
    return {r["id"]: Totals(r["total_units"], r["total_wagered"], r["wins"], r["losses"], r["pushes"]) for r in rows}


async def picks_by_id(pool: asyncpg.Pool) -> dict[int, asyncpg.Record]:
    """Return every pick row by id."""
    return {r["id"]: r for r in await pool.fetch("SELECT * FROM pick ORDER BY id")}


ZERO = Totals(Decimal("0.00"), Decimal("0.00"), 0, 0, 0)


@asynccontextmanager
async def api_client(settings: Any = None, *, client_ip: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    """Yield an httpx client talking to a fresh web app in process (settings default to the environment's)."""
    from services.web.main import create_app

    transport = httpx.ASGITransport(app=create_app(settings), client=(client_ip, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client
