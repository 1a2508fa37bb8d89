"""Rebuild every player's totals from their graded picks, report who differed, and fix them in the same transaction.

The settlement keeps totals by applying deltas; this is the from-scratch check that the deltas never drifted
(`pickvs grade --recompute`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import asyncpg

from pickvs.db import transaction
from services.grader.games import bump_data_version


@dataclass(frozen=True)
class Totals:
    """A player's running totals: units won/lost, units wagered (voids excluded) and the W-L-P record."""

    units: Decimal
    wagered: Decimal
    wins: int
    losses: int
    pushes: int


@dataclass(frozen=True)
class TotalsDifference:
    """A player whose stored totals disagreed with the totals recomputed from their picks."""

    user_id: int
    username: str
    stored: Totals
    recomputed: Totals


# One statement: aggregate every graded pick per player, compare with the stored totals, and (when $1) overwrite the
# ones that differ. ROI follows by itself (a generated column).
_RECOMPUTE_SQL = """
WITH computed AS (
    SELECT user_id,
           sum(result_units) AS units,
           sum(stake) FILTER (WHERE status IN ('won', 'lost', 'push')) AS wagered,
           count(*) FILTER (WHERE status = 'won') AS wins,
           count(*) FILTER (WHERE status = 'lost') AS losses,
           count(*) FILTER (WHERE status = 'push') AS pushes
    FROM pick
    WHERE status <> 'pending'
    GROUP BY user_id
),
differing AS (
    SELECT u.id, u.username,
           u.total_units, u.total_wagered, u.wins, u.losses, u.pushes,
           coalesce(c.units, 0) AS new_units, coalesce(c.wagered, 0) AS new_wagered,
           coalesce(c.wins, 0)::int AS new_wins, coalesce(c.losses, 0)::int AS new_losses,
           coalesce(c.pushes, 0)::int AS new_pushes
    FROM "user" u
    LEFT JOIN computed c ON c.user_id = u.id
    WHERE (u.total_units, u.total_wagered, u.wins, u.losses, u.pushes)
          IS DISTINCT FROM
          (coalesce(c.units, 0), coalesce(c.wagered, 0), coalesce(c.wins, 0), coalesce(c.losses, 0),
           coalesce(c.pushes, 0))
),
fixed AS (
    UPDATE "user" u
    SET total_units = d.new_units, total_wagered = d.new_wagered,
        wins = d.new_wins, losses = d.new_losses, pushes = d.new_pushes
    FROM differing d
    WHERE u.id = d.id AND $1
    RETURNING u.id
)
SELECT * FROM differing ORDER BY id
"""


async def recompute_totals(pool: asyncpg.Pool, *, fix: bool = True) -> list[TotalsDifference]:
    """Recompute every player's totals from graded picks; return the players that differed (fixed unless fix=False)."""
    async with transaction(pool) as conn:
        # SHARE conflicts with the settlement's writes to pick: wait for settlements in flight to commit and hold new
        # ones back, so the picks read below and the totals they are compared with describe the same moment.
        await conn.execute("LOCK TABLE pick IN SHARE MODE")
        rows = await conn.fetch(_RECOMPUTE_SQL, fix)
        if rows and fix:
            await bump_data_version(conn, "leaderboard")
    return [
        TotalsDifference(
            user_id=r["id"],
            username=r["username"],
            stored=Totals(r["total_units"], r["total_wagered"], r["wins"], r["losses"], r["pushes"]),
            recomputed=Totals(r["new_units"], r["new_wagered"], r["new_wins"], r["new_losses"], r["new_pushes"]),
        )
        for r in rows
    ]
