"""Builders shared by the grader tests: players, games, picks and result events, inserted set-based."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg

from contracts.events import GameInfo, GameResultEvent
from services.grader.recompute import Totals

TIP_OFF = datetime(2026, 11, 1, 0, 30, tzinfo=UTC)


def game_info(external_id: str = "game-1", *, commence_time: datetime = TIP_OFF) -> GameInfo:
    return GameInfo(
        external_id=external_id,
        sport_key="basketball_nba",
        sport_title="NBA",
        home_team=f"Home {external_id}",
        away_team=f"Away {external_id}",
        commence_time=commence_time,
    )


def final(game: GameInfo, home: int, away: int, *, hours_after_tip: float = 3) -> GameResultEvent:
    return GameResultEvent(
        game=game,
        outcome="final",
        home_score=home,
        away_score=away,
        last_update=game.commence_time + timedelta(hours=hours_after_tip),
    )


def void(game: GameInfo, reason: str = "cancelled", *, hours_after_tip: float = 36) -> GameResultEvent:
    return GameResultEvent(
        game=game, outcome="void", reason=reason, last_update=game.commence_time + timedelta(hours=hours_after_tip)
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


async def insert_users(pool: asyncpg.Pool, count: int, *, prefix: str = "player") -> list[int]:
    rows = await pool.fetch(
        'INSERT INTO "user" (username, email, password_hash) '
        "SELECT $1 || n, $1 || n || '@example.com', 'x' FROM generate_series(1, $2) AS n ORDER BY n RETURNING id",
        prefix,
        count,
    )
    return [r["id"] for r in rows]


async def insert_game(pool: asyncpg.Pool, game: GameInfo) -> int:
    return await pool.fetchval(
        "INSERT INTO game (external_id, sport_key, sport_title, home_team, away_team, commence_time) "
        "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        game.external_id,
        game.sport_key,
        game.sport_title,
        game.home_team,
        game.away_team,
        game.commence_time,
    )


async def insert_picks(pool: asyncpg.Pool, picks: list[PickRow]) -> list[int]:
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
    rows = await pool.fetch('SELECT id, total_units, total_wagered, wins, losses, pushes FROM "user" ORDER BY id')
    return {r["id"]: Totals(r["total_units"], r["total_wagered"], r["wins"], r["losses"], r["pushes"]) for r in rows}


async def picks_by_id(pool: asyncpg.Pool) -> dict[int, asyncpg.Record]:
    return {r["id"]: r for r in await pool.fetch("SELECT * FROM pick ORDER BY id")}


ZERO = Totals(Decimal("0.00"), Decimal("0.00"), 0, 0, 0)
