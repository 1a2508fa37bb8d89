"""Rows for web tests, inserted with plain SQL, and a client for the app.

Graded picks get their units from the rulebook (contracts.grading) unless a test states them, so fixtures cannot drift
from the rules the grader applies; the players' totals and leaderboard rollups are then rebuilt from the picks as
`pickvs grade --recompute` does, since the board and profiles read those, never the picks.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import httpx

from contracts.grading import result_units
from contracts.markets import PickStatus
from services.grader.recompute import recompute_in
from services.web.auth.security import create_access_token
from services.web.main import create_app
from services.web.settings import WebSettings

_external_ids = itertools.count(1)


@asynccontextmanager
async def api(settings: WebSettings | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """Yield a client talking to a fresh app in-process."""
    app = create_app(settings or WebSettings())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        yield client


def auth_header(user_id: int, settings: WebSettings | None = None) -> dict[str, str]:
    """Return an Authorization header carrying a valid token for the user."""
    token = create_access_token(user_id=user_id, settings=settings or WebSettings()).token
    return {"Authorization": f"Bearer {token}"}


async def make_user(pool: asyncpg.Pool, username: str) -> int:
    return await pool.fetchval(
        'INSERT INTO "user" (username, email, password_hash) VALUES ($1, $2, $3) RETURNING id',
        username,
        f"{username.lower()}@example.com",
        "not-a-real-hash",
    )


async def make_game(
    pool: asyncpg.Pool,
    *,
    commence_time: datetime | None = None,
    sport_key: str = "basketball_nba",
    home_team: str = "Boston Celtics",
    away_team: str = "New York Knicks",
) -> int:
    return await pool.fetchval(
        "INSERT INTO game (external_id, sport_key, home_team, away_team, commence_time) "
        "VALUES ($1, $2, $3, $4, $5) RETURNING id",
        f"ev{next(_external_ids)}",
        sport_key,
        home_team,
        away_team,
        commence_time or datetime.now(UTC) - timedelta(days=1),
    )


async def make_games(
    pool: asyncpg.Pool, count: int, *, sport_key: str = "basketball_nba", commence_time: datetime | None = None
) -> list[int]:
    """Insert `count` games of one sport in one statement; return their ids in order."""
    start = next(_external_ids)
    for _ in range(count):
        next(_external_ids)
    rows = await pool.fetch(
        "INSERT INTO game (external_id, sport_key, home_team, away_team, commence_time) "
        "SELECT 'ev' || ($1 + i), $2, 'Home ' || i, 'Away ' || i, $3 FROM generate_series(1, $4) AS i "
        "ORDER BY i RETURNING id",
        start,
        sport_key,
        commence_time or datetime.now(UTC) - timedelta(days=1),
        count,
    )
    return sorted(row["id"] for row in rows)


async def sync_rollups(pool: asyncpg.Pool) -> None:
    """Rebuild totals and rollups from the picks, as the grader would have kept them for picks it graded."""
    async with pool.acquire() as conn, conn.transaction():
        await recompute_in(conn, fix=True)


async def make_pick(
    pool: asyncpg.Pool,
    *,
    user_id: int,
    game_id: int,
    status: str = "pending",
    market: str = "h2h",
    selection: str = "home",
    point: Decimal | None = None,
    price: int = -110,
    stake: Decimal | str = "1",
    graded_at: datetime | None = None,
    units: Decimal | str | None = None,
    closing_price: int | None = None,
    closing_point: Decimal | None = None,
) -> int:
    """Insert one pick; graded ones default to graded a minute ago with the rulebook's units."""
    stake = Decimal(stake)
    if status != "pending":
        graded_at = graded_at or datetime.now(UTC) - timedelta(minutes=1)
        if units is None:
            units = result_units(status=PickStatus(status), price=price, stake=stake)
    pick_id: int = await pool.fetchval(
        "INSERT INTO pick (user_id, game_id, market, selection, point, price, stake, status, result_units, graded_at,"
        " closing_price, closing_point) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        user_id,
        game_id,
        market,
        selection,
        point,
        price,
        stake,
        status,
        None if units is None else Decimal(units),
        graded_at,
        closing_price,
        closing_point,
    )
    if status != "pending":
        await sync_rollups(pool)
    return pick_id


async def make_record(
    pool: asyncpg.Pool,
    *,
    user_id: int,
    game_ids: Sequence[int],
    statuses: Sequence[str],
    price: int = 100,
    stake: Decimal | str = "1",
    graded_at: datetime | None = None,
) -> None:
    """Give the user one graded h2h pick per status, each on the next game, all at the same price and stake."""
    if len(statuses) > len(game_ids):
        raise ValueError("one game per pick: pass more games")
    stake = Decimal(stake)
    graded_at = graded_at or datetime.now(UTC) - timedelta(minutes=1)
    await pool.executemany(
        "INSERT INTO pick (user_id, game_id, market, selection, price, stake, status, result_units, graded_at) "
        "VALUES ($1, $2, 'h2h', 'home', $3, $4, $5, $6, $7)",
        [
            (
                user_id,
                game_id,
                price,
                stake,
                status,
                result_units(status=PickStatus(status), price=price, stake=stake),
                graded_at,
            )
            for game_id, status in zip(game_ids, statuses, strict=False)
        ],
    )
    await sync_rollups(pool)


async def bump(pool: asyncpg.Pool, scope: str) -> None:
    """Do what ingestion ('board') or grading ('leaderboard') does after changing data."""
    await pool.execute("UPDATE data_version SET version = version + 1, bumped_at = now() WHERE scope = $1", scope)
