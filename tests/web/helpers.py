"""Shared builders for the web tests: an app client, players, games with a consensus line."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg
import httpx

from services.web.main import create_app
from services.web.settings import WebSettings

PASSWORD = "correct horse battery"


@asynccontextmanager
async def client(
    settings: WebSettings | None = None, *, client_ip: str = "127.0.0.1"
) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to a fresh app in process."""
    transport = httpx.ASGITransport(app=create_app(settings or WebSettings()), client=(client_ip, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def register(
    c: httpx.AsyncClient, username: str = "alice", *, email: str | None = None, password: str = PASSWORD
) -> dict[str, Any]:
    """Register a player and return the token response (asserting it worked)."""
    response = await c.post(
        "/auth/register", json={"username": username, "email": email or f"{username}@example.com", "password": password}
    )
    assert response.status_code == 201, response.text
    return response.json()


def bearer(token_body: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_body['access_token']}"}


# A full consensus line: (market, selection) -> (price, point).
DEFAULT_LINE: dict[tuple[str, str], tuple[int, Decimal | None]] = {
    ("h2h", "home"): (-150, None),
    ("h2h", "away"): (130, None),
    ("spreads", "home"): (-110, Decimal("-3.5")),
    ("spreads", "away"): (-110, Decimal("3.5")),
    ("totals", "over"): (-105, Decimal("221.5")),
    ("totals", "under"): (-115, Decimal("221.5")),
}


async def add_game(
    db: asyncpg.Pool,
    *,
    commence_time: datetime | None = None,
    starts_in: str | None = "3 hours",
    external_id: str = "ev1",
    sport_key: str = "basketball_nba",
    home: str = "Boston Celtics",
    away: str = "New York Knicks",
    status: str = "scheduled",
    line: dict[tuple[str, str], tuple[int, Decimal | None]] | None = None,
    bookmakers: tuple[str, ...] = ("draftkings", "fanduel"),
) -> int:
    """Insert a game with a current consensus line and per-bookmaker odds; `starts_in` is relative to the DB clock."""
    line = DEFAULT_LINE if line is None else line
    async with db.acquire() as conn, conn.transaction():
        game_id = await conn.fetchval(
            "INSERT INTO game (external_id, sport_key, sport_title, home_team, away_team, commence_time, status) "
            "VALUES ($1, $2, 'NBA', $3, $4, coalesce($5, now() + $6::text::interval), $7) RETURNING id",
            external_id,
            sport_key,
            home,
            away,
            commence_time,
            starts_in,
            status,
        )
        markets = [m for m, _ in line]
        selections = [s for _, s in line]
        prices = [p for p, _ in line.values()]
        points = [pt for _, pt in line.values()]
        await conn.execute(
            "INSERT INTO market_line (game_id, snapshot_kind, market, selection, price, point, bookmaker, "
            "bookmaker_count, fetched_at) "
            "SELECT $1, 'current', m, s, p, pt, 'draftkings', $6, now() - interval '1 hour' "
            "FROM unnest($2::text[], $3::text[], $4::int[], $5::numeric[]) AS u(m, s, p, pt)",
            game_id,
            markets,
            selections,
            prices,
            points,
            len(bookmakers),
        )
        await conn.execute(
            "INSERT INTO odds (game_id, bookmaker, market, selection, price, point, last_update, snapshot_kind, "
            "fetched_at) SELECT $1, b, m, s, p, pt, now() - interval '90 minutes', 'current', "
            "now() - interval '1 hour' "
            "FROM unnest($2::text[], $3::text[], $4::int[], $5::numeric[]) AS u(m, s, p, pt) "
            "CROSS JOIN unnest($6::text[]) AS b",
            game_id,
            markets,
            selections,
            prices,
            points,
            list(bookmakers),
        )
    return game_id
