"""Rebuild every player's totals and leaderboard rollups from their graded picks, report what differed, and fix it in
the same transaction.

The settlement keeps totals and rollups by applying deltas; this is the from-scratch check that the deltas never
drifted (`pickvs grade --recompute`). It also moves the season rollups to another first day (PICKVS_SEASON_START).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import asyncpg

from pickvs.db import Connection, transaction
from services.grader.games import bump_data_version


@dataclass(frozen=True)
class Totals:
    """Units won/lost, units wagered (voids excluded) and the W-L-P record (and, for a day's rollup, the voids)."""

    units: Decimal
    wagered: Decimal
    wins: int
    losses: int
    pushes: int
    voids: int = 0


@dataclass(frozen=True)
class TotalsDifference:
    """A player whose stored totals (or one of their rollups, named by `rollup`) disagreed with their picks."""

    user_id: int
    username: str
    stored: Totals
    recomputed: Totals
    # None: the all-time totals on the player's account; else the rollup, e.g. "basketball_nba day 2026-11-02".
    rollup: str | None = None


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

# What every player's graded picks add up to per sport and UTC day of grading (the settlement's `moved` rows, summed).
_COMPUTED_DAYS = """
computed_day AS (
    SELECT p.user_id, g.sport_key, (p.graded_at AT TIME ZONE 'UTC')::date AS day,
           sum(p.result_units) AS units,
           coalesce(sum(p.stake) FILTER (WHERE p.status IN ('won', 'lost', 'push')), 0) AS wagered,
           count(*) FILTER (WHERE p.status = 'won')::int AS wins,
           count(*) FILTER (WHERE p.status = 'lost')::int AS losses,
           count(*) FILTER (WHERE p.status = 'push')::int AS pushes,
           count(*) FILTER (WHERE p.status = 'void')::int AS voids
    FROM pick p
    JOIN game g ON g.id = p.game_id
    WHERE p.status <> 'pending'
    GROUP BY 1, 2, 3
)"""

_RECOMPUTE_DAYS_SQL = f"""
WITH {_COMPUTED_DAYS},
differing AS (
    SELECT coalesce(c.user_id, d.user_id) AS user_id, coalesce(c.sport_key, d.sport_key) AS sport_key,
           coalesce(c.day, d.day) AS day,
           coalesce(d.units, 0) AS units, coalesce(d.wagered, 0) AS wagered, coalesce(d.wins, 0) AS wins,
           coalesce(d.losses, 0) AS losses, coalesce(d.pushes, 0) AS pushes, coalesce(d.voids, 0) AS voids,
           coalesce(c.units, 0) AS new_units, coalesce(c.wagered, 0) AS new_wagered, coalesce(c.wins, 0) AS new_wins,
           coalesce(c.losses, 0) AS new_losses, coalesce(c.pushes, 0) AS new_pushes, coalesce(c.voids, 0) AS new_voids
    FROM computed_day c
    FULL JOIN player_day d ON (d.user_id, d.sport_key, d.day) = (c.user_id, c.sport_key, c.day)
    WHERE (coalesce(d.units, 0), coalesce(d.wagered, 0), coalesce(d.wins, 0), coalesce(d.losses, 0),
           coalesce(d.pushes, 0), coalesce(d.voids, 0))
          <>
          (coalesce(c.units, 0), coalesce(c.wagered, 0), coalesce(c.wins, 0), coalesce(c.losses, 0),
           coalesce(c.pushes, 0), coalesce(c.voids, 0))
),
fixed AS (
    INSERT INTO player_day AS t (user_id, sport_key, day, units, wagered, wins, losses, pushes, voids)
    SELECT user_id, sport_key, day, new_units, new_wagered, new_wins, new_losses, new_pushes, new_voids
    FROM differing
    WHERE $1
    ON CONFLICT (user_id, sport_key, day) DO UPDATE
    SET units = excluded.units, wagered = excluded.wagered, wins = excluded.wins, losses = excluded.losses,
        pushes = excluded.pushes, voids = excluded.voids
    RETURNING 1
)
SELECT d.*, u.username, (SELECT count(*) FROM fixed) AS fixed
FROM differing d JOIN "user" u ON u.id = d.user_id
ORDER BY d.user_id, d.sport_key, d.day
"""

# $2: the season's first day. A row's month columns must hold what was graded in its `month_start` and nothing may have
# been graded after that month (the settlement only moves it forwards); a row that is new or wrong gets the latest month
# its player had a pick graded in.
_RECOMPUTE_TOTALS_SQL = f"""
WITH {_COMPUTED_DAYS},
days AS (
    SELECT user_id, sport_key, day, units, wagered, wins, losses, pushes FROM computed_day
    UNION ALL
    SELECT user_id, '*', day, sum(units), sum(wagered), sum(wins), sum(losses), sum(pushes)
    FROM computed_day
    GROUP BY user_id, day
),
months AS (
    SELECT user_id, sport_key, date_trunc('month', day)::date AS month,
           sum(units) AS units, sum(wagered) AS wagered, sum(wins)::int AS wins, sum(losses)::int AS losses,
           sum(pushes)::int AS pushes
    FROM days
    GROUP BY 1, 2, 3
),
computed AS (
    SELECT user_id, sport_key,
           sum(units) AS units, sum(wagered) AS wagered, sum(wins)::int AS wins, sum(losses)::int AS losses,
           sum(pushes)::int AS pushes,
           coalesce(sum(units) FILTER (WHERE day >= $2), 0) AS season_units,
           coalesce(sum(wagered) FILTER (WHERE day >= $2), 0) AS season_wagered,
           coalesce(sum(wins) FILTER (WHERE day >= $2), 0)::int AS season_wins,
           coalesce(sum(losses) FILTER (WHERE day >= $2), 0)::int AS season_losses,
           coalesce(sum(pushes) FILTER (WHERE day >= $2), 0)::int AS season_pushes,
           max(date_trunc('month', day))::date AS last_month
    FROM days
    GROUP BY 1, 2
),
compared AS (
    SELECT coalesce(c.sport_key, t.sport_key) AS k_sport, coalesce(c.user_id, t.user_id) AS k_user,
           t.units, t.wagered, t.wins, t.losses, t.pushes, t.season_units, t.season_wagered, t.season_wins,
           t.season_losses, t.season_pushes, t.month_start, t.month_units, t.month_wagered, t.month_wins,
           t.month_losses, t.month_pushes,
           coalesce(c.units, 0) AS new_units, coalesce(c.wagered, 0) AS new_wagered,
           coalesce(c.wins, 0) AS new_wins, coalesce(c.losses, 0) AS new_losses, coalesce(c.pushes, 0) AS new_pushes,
           coalesce(c.season_units, 0) AS new_season_units, coalesce(c.season_wagered, 0) AS new_season_wagered,
           coalesce(c.season_wins, 0) AS new_season_wins, coalesce(c.season_losses, 0) AS new_season_losses,
           coalesce(c.season_pushes, 0) AS new_season_pushes,
           CASE WHEN t.month_start >= c.last_month OR c.last_month IS NULL THEN t.month_start
                ELSE c.last_month END AS new_month_start
    FROM computed c
    FULL JOIN player_total t ON (t.sport_key, t.user_id) = (c.sport_key, c.user_id)
),
differing AS (
    SELECT x.*, u.username AS account_username,
           coalesce(m.units, 0) AS new_month_units, coalesce(m.wagered, 0) AS new_month_wagered,
           coalesce(m.wins, 0) AS new_month_wins, coalesce(m.losses, 0) AS new_month_losses,
           coalesce(m.pushes, 0) AS new_month_pushes
    FROM compared x
    JOIN "user" u ON u.id = x.k_user
    LEFT JOIN months m ON (m.user_id, m.sport_key, m.month) = (x.k_user, x.k_sport, x.new_month_start)
    WHERE (x.units, x.wagered, x.wins, x.losses, x.pushes,
           x.season_units, x.season_wagered, x.season_wins, x.season_losses, x.season_pushes,
           x.month_start, x.month_units, x.month_wagered, x.month_wins, x.month_losses, x.month_pushes)
          IS DISTINCT FROM
          (x.new_units, x.new_wagered, x.new_wins, x.new_losses, x.new_pushes,
           x.new_season_units, x.new_season_wagered, x.new_season_wins, x.new_season_losses, x.new_season_pushes,
           x.new_month_start, coalesce(m.units, 0), coalesce(m.wagered, 0), coalesce(m.wins, 0),
           coalesce(m.losses, 0), coalesce(m.pushes, 0))
),
fixed AS (
    INSERT INTO player_total AS t (sport_key, user_id, username, units, wagered, wins, losses, pushes,
                                   season_units, season_wagered, season_wins, season_losses, season_pushes,
                                   month_start, month_units, month_wagered, month_wins, month_losses, month_pushes)
    SELECT k_sport, k_user, account_username, new_units, new_wagered, new_wins, new_losses, new_pushes,
           new_season_units, new_season_wagered, new_season_wins, new_season_losses, new_season_pushes,
           new_month_start, new_month_units, new_month_wagered, new_month_wins, new_month_losses, new_month_pushes
    FROM differing
    WHERE $1
    ON CONFLICT (sport_key, user_id) DO UPDATE
    SET units = excluded.units, wagered = excluded.wagered, wins = excluded.wins, losses = excluded.losses,
        pushes = excluded.pushes, season_units = excluded.season_units, season_wagered = excluded.season_wagered,
        season_wins = excluded.season_wins, season_losses = excluded.season_losses,
        season_pushes = excluded.season_pushes, month_start = excluded.month_start,
        month_units = excluded.month_units, month_wagered = excluded.month_wagered, month_wins = excluded.month_wins,
        month_losses = excluded.month_losses, month_pushes = excluded.month_pushes
    RETURNING 1
)
SELECT d.*, (SELECT count(*) FROM fixed) AS fixed
FROM differing d
ORDER BY d.k_user, d.k_sport
"""


def _totals(row: asyncpg.Record, prefix: str) -> Totals:
    return Totals(
        units=row[f"{prefix}units"] if row[f"{prefix}units"] is not None else Decimal("0.00"),
        wagered=row[f"{prefix}wagered"] if row[f"{prefix}wagered"] is not None else Decimal("0.00"),
        wins=row[f"{prefix}wins"] or 0,
        losses=row[f"{prefix}losses"] or 0,
        pushes=row[f"{prefix}pushes"] or 0,
    )


def _sport(key: str) -> str:
    return "every sport" if key == "*" else key


async def _recompute_days(conn: Connection, *, fix: bool) -> list[TotalsDifference]:
    rows = await conn.fetch(_RECOMPUTE_DAYS_SQL, fix)
    return [
        TotalsDifference(
            user_id=r["user_id"],
            username=r["username"],
            stored=Totals(r["units"], r["wagered"], r["wins"], r["losses"], r["pushes"], r["voids"]),
            recomputed=Totals(
                r["new_units"], r["new_wagered"], r["new_wins"], r["new_losses"], r["new_pushes"], r["new_voids"]
            ),
            rollup=f"{r['sport_key']} day {r['day'].isoformat()}",
        )
        for r in rows
    ]


async def _recompute_rollups(conn: Connection, *, fix: bool, season_start: date) -> list[TotalsDifference]:
    differences: list[TotalsDifference] = []
    for r in await conn.fetch(_RECOMPUTE_TOTALS_SQL, fix, season_start):
        sport = _sport(r["k_sport"])
        new_month = r["new_month_start"].strftime("%Y-%m")
        held_month = r["month_start"].strftime("%Y-%m") if r["month_start"] else "none"
        month_label = f"{sport} month {new_month}" + (f" (held {held_month})" if held_month != new_month else "")
        parts = [
            (f"{sport} all time", _totals(r, ""), _totals(r, "new_"), False),
            (
                f"{sport} season since {season_start.isoformat()}",
                _totals(r, "season_"),
                _totals(r, "new_season_"),
                False,
            ),
            (month_label, _totals(r, "month_"), _totals(r, "new_month_"), held_month != new_month),
        ]
        for rollup, stored, recomputed, moved in parts:
            if stored != recomputed or moved:
                differences.append(
                    TotalsDifference(
                        user_id=r["k_user"],
                        username=r["account_username"],
                        stored=stored,
                        recomputed=recomputed,
                        rollup=rollup,
                    )
                )
    return differences


async def recompute_in(conn: Connection, *, fix: bool, season_start: date | None = None) -> list[TotalsDifference]:
    """Recompute totals and rollups inside the caller's transaction; return what differed (fixed when `fix`).

    `season_start` moves the season rollups to that first day (None: keep the day they are kept for). The caller locks
    the picks (or knows nothing settles meanwhile) and bumps the data version.
    """
    kept_for: date | None = await conn.fetchval("SELECT starts_on FROM rollup_season FOR UPDATE")
    season = season_start or kept_for
    if season is None:
        raise ValueError("no season start: rollup_season is empty and none was given")
    rows = await conn.fetch(_RECOMPUTE_SQL, fix)
    differences = [
        TotalsDifference(
            user_id=r["id"],
            username=r["username"],
            stored=Totals(r["total_units"], r["total_wagered"], r["wins"], r["losses"], r["pushes"]),
            recomputed=Totals(r["new_units"], r["new_wagered"], r["new_wins"], r["new_losses"], r["new_pushes"]),
        )
        for r in rows
    ]
    differences += await _recompute_days(conn, fix=fix)
    differences += await _recompute_rollups(conn, fix=fix, season_start=season)
    if fix and season != kept_for:
        await conn.execute(
            "INSERT INTO rollup_season (starts_on) VALUES ($1) "
            "ON CONFLICT (singleton) DO UPDATE SET starts_on = excluded.starts_on",
            season,
        )
    return sorted(differences, key=lambda d: (d.user_id, d.rollup or ""))


async def recompute_totals(
    pool: asyncpg.Pool, *, fix: bool = True, season_start: date | None = None
) -> list[TotalsDifference]:
    """Recompute every player's totals and rollups from graded picks; return what differed (fixed unless fix=False).

    `season_start` moves the season rollups to that first day (None: keep the day they are kept for).
    """
    async with transaction(pool) as conn:
        # SHARE conflicts with the settlement's writes to pick: wait for settlements in flight to commit and hold new
        # ones back, so the picks read below and the totals they are compared with describe the same moment.
        await conn.execute("LOCK TABLE pick IN SHARE MODE")
        differences = await recompute_in(conn, fix=fix, season_start=season_start)
        if differences and fix:
            await bump_data_version(conn, "leaderboard")
    return differences
