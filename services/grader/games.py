"""The statements both consumers share: a game row created from an event, and the data-version bump that tells every
web instance its cached board or leaderboard is out of date."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from contracts.events import GameInfo
from pickvs.db import Connection

# 'board' changes with games and odds (ingest), 'leaderboard' with graded picks and totals (settlement, recompute).
DataScope = Literal["board", "leaderboard"]

_UPSERT_GAME_SQL = """
INSERT INTO game (external_id, sport_key, sport_title, home_team, away_team, commence_time)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (external_id) DO NOTHING
"""

_BUMP_DATA_VERSION_SQL = """
UPDATE data_version SET version = version + 1, bumped_at = coalesce($2, now()) WHERE scope = $1
"""


async def upsert_game(conn: Connection, game: GameInfo) -> None:
    """Create the game if it is new; an existing row is left as it is (the caller locks and updates it)."""
    await conn.execute(
        _UPSERT_GAME_SQL,
        game.external_id,
        game.sport_key,
        game.sport_title,
        game.home_team,
        game.away_team,
        game.commence_time,
    )


async def bump_data_version(conn: Connection, scope: DataScope, *, at: datetime | None = None) -> None:
    """Bump a scope's data version in the caller's transaction (`at` defaults to the transaction's now())."""
    await conn.execute(_BUMP_DATA_VERSION_SQL, scope, at)
