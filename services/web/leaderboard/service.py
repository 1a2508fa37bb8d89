"""Rank players over graded picks in one set-based statement (windows, sport filter, sorts, tie-breaks).

The same statement ranks a league: a `Restriction` keeps only its members' picks graded from its first UTC day, so a
league's leaderboard has exactly the global one's windows, sorts, minimums and tie-breaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from services.web.db import DbHandle
from services.web.leaderboard.schemas import (
    LeaderboardEntry,
    LeaderboardPublic,
    LeaderboardStanding,
    SortKey,
    Window,
)

# The rating pretends every player also made this many break-even picks (docs/grading.md, "Leaderboard ranking").
RATING_PRIOR_PICKS = 50

# Ratios need a sample: a 1-for-1 player must not top the ROI board. Units are already a total, so one pick suffices.
DEFAULT_MIN_PICKS = {SortKey.units: 1, SortKey.roi: 20, SortKey.win_rate: 20, SortKey.rating: 20}

# Whitelisted ORDER BY per sort (never built from input). After the sort key: more units, then less wagered (the same
# units from a smaller outlay), then the username case-insensitively, then exactly (usernames are unique that way).
_TIE_BREAKS = "units DESC, wagered ASC, lower(username) ASC, username ASC"
_ORDER_BY = {
    SortKey.units: f"units DESC, {_TIE_BREAKS}",
    SortKey.roi: f"roi_exact DESC, {_TIE_BREAKS}",
    SortKey.win_rate: f"win_rate_exact DESC NULLS LAST, {_TIE_BREAKS}",
    SortKey.rating: f"rating_exact DESC, {_TIE_BREAKS}",
}

# Every player's totals over the window (qualified or not), then the qualified ones ranked; the two statements below
# differ only in what they read from the ranking.
_RANKED = """
WITH totals AS (
    SELECT p.user_id,
           sum(p.result_units) AS units,
           sum(p.stake) AS wagered,
           count(*) FILTER (WHERE p.status = 'won') AS wins,
           count(*) FILTER (WHERE p.status = 'lost') AS losses,
           count(*) FILTER (WHERE p.status = 'push') AS pushes,
           count(*) AS picks
    FROM pick p
    {join_game}
    WHERE p.status IN ('won', 'lost', 'push'){filters}
    GROUP BY p.user_id
), scored AS (
    SELECT t.*, u.username,
           t.units / t.wagered AS roi_exact,
           t.wins::numeric / nullif(t.wins + t.losses, 0) AS win_rate_exact,
           t.units / t.wagered * t.picks / (t.picks + $2::int) AS rating_exact
    FROM totals t
    JOIN "user" u ON u.id = t.user_id
    WHERE t.picks >= $1
), ranked AS (
    SELECT scored.*, row_number() OVER (ORDER BY {order_by}) AS rank
    FROM scored
)
"""

_COLUMNS = """rank, username, units, wagered, round(roi_exact, 6) AS roi, wins, losses, pushes, picks,
           round(win_rate_exact, 6) AS win_rate, round(rating_exact, 6) AS rating"""

_PAGE_SQL = (
    _RANKED
    + f"""
SELECT c.total, r.*
FROM (SELECT count(*) AS total FROM scored) c
LEFT JOIN LATERAL (
    SELECT {_COLUMNS}
    FROM ranked
    WHERE rank > $3
    ORDER BY rank
    LIMIT $4
) r ON true
ORDER BY r.rank
"""
)

# $3 is the player: their own row wherever it ranks, and their graded picks in the window even when too few to rank.
_MINE_SQL = (
    _RANKED
    + f"""
SELECT c.total, (SELECT picks FROM totals WHERE user_id = $3) AS my_picks, r.*
FROM (SELECT count(*) AS total FROM scored) c
LEFT JOIN LATERAL (SELECT {_COLUMNS} FROM ranked WHERE user_id = $3) r ON true
"""
)


@dataclass(frozen=True)
class Restriction:
    """Rank only one league's members, over their picks graded on or after its start day (00:00 UTC)."""

    league_id: int
    start_date: date


def _since(*, window: Window, today: date, season_start: date, restriction: Restriction | None) -> datetime | None:
    since = window_start(window=window, today=today, season_start=season_start)
    if restriction is None:
        return since
    league_start = datetime.combine(restriction.start_date, time.min, tzinfo=UTC)
    return league_start if since is None else max(since, league_start)


def _query(
    template: str,
    *,
    sort: SortKey,
    since: datetime | None,
    sport: str | None,
    restriction: Restriction | None,
    args: list[object],
) -> tuple[str, list[object]]:
    """Fill the template's filters, adding only the ones that are set, and return the SQL and its arguments."""
    # Filters are added only when set (never "$n IS NULL OR ..."), so each shape gets a plan that can use the
    # graded_at index, and the game join happens only for a sport filter.
    filters = ""
    if restriction is not None:
        # The members drive the plan: each one's graded picks come from pick_user_graded_idx, so a league's
        # ranking reads its members' picks, never everyone's.
        args.append(restriction.league_id)
        filters += f"\n      AND p.user_id IN (SELECT m.user_id FROM league_member m WHERE m.league_id = ${len(args)})"
    if since is not None:
        args.append(since)
        filters += f"\n      AND p.graded_at >= ${len(args)}"
    if sport is not None:
        args.append(sport)
        filters += f"\n      AND g.sport_key = ${len(args)}"
    sql = template.format(
        order_by=_ORDER_BY[sort],
        filters=filters,
        join_game="JOIN game g ON g.id = p.game_id" if sport is not None else "",
    )
    return sql, args


def window_start(*, window: Window, today: date, season_start: date) -> datetime | None:
    """Return the first instant (UTC) whose graded picks count in the window; None for all time."""
    match window:
        case Window.all:
            return None
        case Window.season:
            day = season_start
        case Window.month:
            day = today.replace(day=1)
        case Window.week:
            day = today - timedelta(days=6)
    return datetime.combine(day, time.min, tzinfo=UTC)


async def get_leaderboard(
    *,
    db: DbHandle,
    window: Window,
    sport: str | None,
    sort: SortKey,
    min_picks: int | None,
    limit: int,
    offset: int,
    today: date,
    season_start: date,
    restriction: Restriction | None = None,
) -> LeaderboardPublic:
    """Rank the players with at least `min_picks` graded picks in the window (and sport), one page of them."""
    minimum = DEFAULT_MIN_PICKS[sort] if min_picks is None else min_picks
    since = _since(window=window, today=today, season_start=season_start, restriction=restriction)
    sql, args = _query(
        _PAGE_SQL,
        sort=sort,
        since=since,
        sport=sport,
        restriction=restriction,
        args=[minimum, RATING_PRIOR_PICKS, offset, limit],
    )
    rows = await db.fetch(sql, *args)
    entries = [
        LeaderboardEntry(**{k: v for k, v in dict(row).items() if k != "total"})
        for row in rows
        if row["rank"] is not None
    ]
    return LeaderboardPublic(
        window=window,
        since=since,
        sport=sport,
        sort=sort,
        min_picks=minimum,
        total=rows[0]["total"],
        limit=limit,
        offset=offset,
        entries=entries,
    )


async def get_my_standing(
    *,
    db: DbHandle,
    user_id: int,
    window: Window,
    sport: str | None,
    sort: SortKey,
    min_picks: int | None,
    today: date,
    season_start: date,
    restriction: Restriction | None = None,
) -> LeaderboardStanding:
    """Return the player's own row in this ranking (None when unranked) and their graded picks in the window."""
    minimum = DEFAULT_MIN_PICKS[sort] if min_picks is None else min_picks
    since = _since(window=window, today=today, season_start=season_start, restriction=restriction)
    sql, args = _query(
        _MINE_SQL,
        sort=sort,
        since=since,
        sport=sport,
        restriction=restriction,
        args=[minimum, RATING_PRIOR_PICKS, user_id],
    )
    row = await db.fetchrow(sql, *args)
    assert row is not None  # the count subquery always yields one row
    entry = None
    if row["rank"] is not None:
        entry = LeaderboardEntry(**{k: v for k, v in dict(row).items() if k not in ("total", "my_picks")})
    return LeaderboardStanding(
        window=window,
        since=since,
        sport=sport,
        sort=sort,
        min_picks=minimum,
        total=row["total"],
        picks=row["my_picks"] or 0,
        entry=entry,
    )
