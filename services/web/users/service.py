"""Build a player's profile with a handful of set-based queries (never one query per pick)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import asyncpg

from contracts.odds_math import closing_line_value
from services.web.db import DbHandle
from services.web.errors import NotFound
from services.web.leaderboard.schemas import Window
from services.web.leaderboard.service import window_start
from services.web.picks.service import pick_closing_line_value
from services.web.users.schemas import (
    ClosingLineValue,
    ProfilePick,
    ProfilePicks,
    ProfileWindows,
    UnitsPoint,
    UserProfile,
    WindowStats,
)

_SIX_PLACES = Decimal("0.000001")

# Windows and the series come from the player's daily rollups (player_day, kept by the grader), not their picks.
_WINDOWS_SQL = """
SELECT w.name,
       coalesce(sum(d.wins), 0)::int AS wins,
       coalesce(sum(d.losses), 0)::int AS losses,
       coalesce(sum(d.pushes), 0)::int AS pushes,
       coalesce(sum(d.voids), 0)::int AS voids,
       coalesce(sum(d.wins + d.losses + d.pushes), 0)::int AS picks,
       coalesce(sum(d.units), 0)::numeric(14, 2) AS units,
       coalesce(sum(d.wagered), 0)::numeric(14, 2) AS wagered
FROM unnest($2::text[], $3::date[]) AS w(name, since)
LEFT JOIN player_day d ON d.user_id = $1 AND (w.since IS NULL OR d.day >= w.since)
GROUP BY w.name
"""

# CLV compares prices of the same line only: a spread taken at -3.5 that closed at -4.5 has no comparable closing
# price, so such picks (and picks without a closing line) are left out.
_COMPARABLE = "p.closing_price IS NOT NULL AND p.closing_point IS NOT DISTINCT FROM p.point"

_CLV_SQL = f"""
SELECT p.price, p.closing_price, count(*) AS n
FROM pick p
WHERE p.user_id = $1 AND p.status IN ('won', 'lost', 'push') AND {_COMPARABLE}
GROUP BY p.price, p.closing_price
"""

_SERIES_SQL = """
SELECT day, units, sum(units) OVER (ORDER BY day) AS cumulative_units
FROM (
    SELECT day, sum(units) AS units
    FROM player_day
    WHERE user_id = $1
    GROUP BY day
    HAVING sum(wins + losses + pushes) > 0
) d
ORDER BY day
"""

# Another player's pending pick is visible only once its game has locked by the database clock (the same clock that
# stops new picks), so nobody can copy or fade a pick before tip-off; the owner ($2) always sees their own.
_VISIBLE = "(p.status <> 'pending' OR g.commence_time <= now() OR $2::boolean)"

_PICKS_SQL = f"""
SELECT c.total, c.pending, r.*
FROM (
    SELECT count(*) AS total, count(*) FILTER (WHERE p.status = 'pending') AS pending
    FROM pick p JOIN game g ON g.id = p.game_id
    WHERE p.user_id = $1 AND {_VISIBLE}
) c
LEFT JOIN LATERAL (
    SELECT p.id, p.game_id, g.sport_key, g.home_team, g.away_team, g.commence_time, p.market, p.selection, p.point,
           p.price, p.stake, p.placed_at, p.status, p.result_units, p.graded_at, p.closing_price, p.closing_point
    FROM pick p JOIN game g ON g.id = p.game_id
    WHERE p.user_id = $1 AND {_VISIBLE}
    ORDER BY g.commence_time DESC, p.id DESC
    LIMIT $3 OFFSET $4
) r ON true
ORDER BY r.commence_time DESC, r.id DESC
"""


def _ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(_SIX_PLACES, rounding=ROUND_HALF_UP)


def _window_stats(row: asyncpg.Record) -> WindowStats:
    return WindowStats(
        wins=row["wins"],
        losses=row["losses"],
        pushes=row["pushes"],
        voids=row["voids"],
        picks=row["picks"],
        units=row["units"],
        wagered=row["wagered"],
        roi=_ratio(row["units"], row["wagered"]),
        win_rate=_ratio(row["wins"], row["wins"] + row["losses"]),
    )


def _clv(rows: list[asyncpg.Record]) -> ClosingLineValue:
    picks = sum(row["n"] for row in rows)
    values = [
        (closing_line_value(price_taken=row["price"], closing_price=row["closing_price"]), row["n"]) for row in rows
    ]
    beat = sum(n for value, n in values if value > 0)
    total = sum((value * n for value, n in values), Decimal(0))
    return ClosingLineValue(
        picks=picks, average=_ratio(total, picks), beat_close=beat, beat_close_share=_ratio(beat, picks)
    )


def _pick(row: asyncpg.Record) -> ProfilePick:
    fields = {k: row[k] for k in ProfilePick.model_fields if k != "closing_line_value"}
    return ProfilePick(
        **fields,
        closing_line_value=pick_closing_line_value(
            point=row["point"],
            price=row["price"],
            closing_point=row["closing_point"],
            closing_price=row["closing_price"],
        ),
    )


async def get_profile(
    *,
    db: DbHandle,
    username: str,
    viewer_id: int | None,
    season_start: date,
    limit: int,
    offset: int,
) -> UserProfile:
    """Return the player's profile as `viewer_id` may see it (None: an anonymous visitor); NotFound if no such user."""
    user = await db.fetchrow(
        "SELECT id, username, created_at, (now() AT TIME ZONE 'UTC')::date AS today FROM \"user\" "
        "WHERE lower(username) = lower($1)",
        username,
    )
    if user is None:
        raise NotFound(f"No player is called {username!r}.", code="user_not_found")
    user_id = user["id"]
    names = [w.value for w in Window]
    starts = [window_start(window=w, today=user["today"], season_start=season_start) for w in Window]
    days = [None if start is None else start.date() for start in starts]
    windows = {row["name"]: _window_stats(row) for row in await db.fetch(_WINDOWS_SQL, user_id, names, days)}
    clv_rows = await db.fetch(_CLV_SQL, user_id)
    series = await db.fetch(_SERIES_SQL, user_id)
    pick_rows = await db.fetch(_PICKS_SQL, user_id, viewer_id == user_id, limit, offset)
    return UserProfile(
        username=user["username"],
        joined_at=user["created_at"],
        pending=pick_rows[0]["pending"],
        windows=ProfileWindows(**windows),
        closing_line_value=_clv(clv_rows),
        units_over_time=[UnitsPoint(**dict(row)) for row in series],
        picks=ProfilePicks(
            total=pick_rows[0]["total"],
            limit=limit,
            offset=offset,
            items=[_pick(row) for row in pick_rows if row["id"] is not None],
        ),
    )
