"""What the fetcher reads from the game table to decide whether a paid call is worth it (it never writes games)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from contracts.events import GameInfo

_AWAITING_RESULTS_SQL = """
SELECT external_id, sport_key, sport_title, home_team, away_team, commence_time
FROM game
WHERE sport_key = $1 AND status IN ('scheduled', 'live') AND commence_time <= $2
ORDER BY commence_time, external_id
"""


async def games_awaiting_results(pool: asyncpg.Pool, *, sport_key: str, now: datetime) -> list[GameInfo]:
    """Return the games of a sport that have tipped off and are neither final nor void, oldest first."""
    rows = await pool.fetch(_AWAITING_RESULTS_SQL, sport_key, now)
    return [GameInfo(**dict(row)) for row in rows]
