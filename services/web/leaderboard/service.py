"""Rank players from the grader's rollups in one set-based statement (windows, sport filter, sorts, tie-breaks).

The same statement ranks a league: a `Restriction` sums only its members' per-day rollups from its first UTC day on, so
a league's leaderboard has exactly the global one's windows, sorts, minimums and tie-breaks, at a cost that follows its
members.
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

# Whitelisted sort keys and ORDER BY per sort (never built from input). After the sort key: more units, then less
# wagered (the same units from a smaller outlay), then the username case-insensitively, then exactly (usernames are
# unique that way); a page sorts by everything but the username first (_CONTENDER_ORDER, see _PAGE_SQL). Only the sort
# key is computed for every ranked player; the other ratios only for the page shown (numeric arithmetic is most of a
# board's cost when a hundred thousand players qualify). The win rate's key is a float8 quotient of two integers:
# correctly rounded division keeps distinct fractions with denominators below 2**26 distinct and in order (they differ
# by more than 2**-52, twice the rounding error), so it ranks exactly as the fraction does for any player with fewer
# than 67 million decisions, at the cost of an integer division. The rating is one quotient, units × n ÷ (wagered ×
# (n + 50)), rounded once.
_SORT_KEY = {
    SortKey.units: "t.units",
    SortKey.roi: "t.units / t.wagered",
    SortKey.win_rate: "t.wins::float8 / nullif(t.wins + t.losses, 0)",
    SortKey.rating: "t.units * t.picks / (t.wagered * (t.picks + $4::int))",
}
_CONTENDER_ORDER = {
    SortKey.units: "units DESC, wagered ASC",
    SortKey.roi: "sort_key DESC NULLS LAST, units DESC, wagered ASC",
    SortKey.win_rate: "sort_key DESC NULLS LAST, units DESC, wagered ASC",
    SortKey.rating: "sort_key DESC NULLS LAST, units DESC, wagered ASC",
}
# ROI and rating have the sign of the units, so every player in profit ranks above everyone at or below break-even. When
# at least as many players are in profit as a page can reach, a page divides for those alone: the rest get no key and
# sort after them, beyond the page. Otherwise everyone gets their key.
_PROFIT_FIRST = {SortKey.roi, SortKey.rating}
_PROFIT_FIRST_KEY = "CASE WHEN (SELECT in_profit FROM tally) < $5::int + $6::int OR t.units > 0 THEN {key} END"
# A standing needs the keys of the players on the player's side of break-even alone: those in profit rank above anyone
# who is not, and a row without a key is counted by that.
_PROFIT_FIRST_MINE_KEY = "CASE WHEN (t.units > 0) = ((SELECT units FROM totals WHERE user_id = $5) > 0) THEN {key} END"
_ORDER_BY = {sort: f"{order}, lower(username) ASC, username ASC" for sort, order in _CONTENDER_ORDER.items()}
# Whether row {s} sorts before row {m} on everything but the username, and whether they tie on it: one row comparison
# each, the descending columns swapped across the two sides (no negation of every row's numerics); win_rate: nulls last.
_BEFORE = {
    SortKey.units: "ROW({m}.units, {s}.wagered) < ROW({s}.units, {m}.wagered)",
    SortKey.roi: "ROW({m}.sort_key, {m}.units, {s}.wagered) < ROW({s}.sort_key, {s}.units, {m}.wagered)",
    SortKey.win_rate: (
        "ROW({s}.sort_key IS NULL, coalesce({m}.sort_key, 0), {m}.units, {s}.wagered)"
        " < ROW({m}.sort_key IS NULL, coalesce({s}.sort_key, 0), {s}.units, {m}.wagered)"
    ),
    SortKey.rating: "ROW({m}.sort_key, {m}.units, {s}.wagered) < ROW({s}.sort_key, {s}.units, {m}.wagered)",
}
_TIED = "{s}.sort_key IS NOT DISTINCT FROM {m}.sort_key AND {s}.units = {m}.units AND {s}.wagered = {m}.wagered"

# Where a window's per-player totals come from (docs/grading.md, "How settlement works"): the rollups the grader keeps,
# never the picks. player_total holds all time, the season and each player's latest month, per sport and for every sport
# together ('*'); a week (or a season whose first day the rollups are not kept for) sums player_day since its first day.
# Each source yields one row per player: user_id, units, wagered, wins, losses, pushes (usernames are read only for the
# rows a statement shows or ties). $1 is the sport key ('*' for every sport), $2 the window's first day.
_TOTAL_COLUMNS = (
    "user_id, {p}units AS units, {p}wagered AS wagered, {p}wins AS wins, {p}losses AS losses, {p}pushes AS pushes"
)
_FROM_ALL = f"SELECT {_TOTAL_COLUMNS.format(p='')} FROM player_total WHERE sport_key = $1 AND $2::date IS NULL"
_FROM_SEASON = (
    f"SELECT {_TOTAL_COLUMNS.format(p='season_')} FROM player_total WHERE sport_key = $1 AND $2::date IS NOT NULL"
)
_FROM_MONTH = f"SELECT {_TOTAL_COLUMNS.format(p='month_')} FROM player_total WHERE sport_key = $1 AND month_start = $2"
_FROM_DAYS = """
SELECT user_id, units, wagered, wins, losses, pushes
FROM (SELECT user_id, sum(units) AS units, sum(wagered) AS wagered, sum(wins)::int AS wins,
             sum(losses)::int AS losses, sum(pushes)::int AS pushes
      FROM player_day
      WHERE day >= $2 AND ($1 = '*' OR sport_key = $1)
      GROUP BY user_id) d
"""
# A league: each member's player_day rows from the later of the window's and the league's first day, summed member by
# member. The LATERAL keeps the plan a loop over the members, each an index range scan of player_day's primary key, so
# the cost follows the members and their days; a join lets the planner hash a scan of every player's days once a league
# has a thousand members. A member with no rows there sums to no picks and is not ranked. {league} is the league id's
# parameter.
_FROM_LEAGUE_DAYS = """
SELECT m.user_id, d.units, d.wagered, d.wins, d.losses, d.pushes
FROM league_member m
CROSS JOIN LATERAL (
    SELECT sum(pd.units) AS units, sum(pd.wagered) AS wagered, coalesce(sum(pd.wins), 0)::int AS wins,
           coalesce(sum(pd.losses), 0)::int AS losses, coalesce(sum(pd.pushes), 0)::int AS pushes
    FROM player_day pd
    WHERE pd.user_id = m.user_id AND pd.day >= $2 AND ($1 = '*' OR pd.sport_key = $1)
) d
WHERE m.league_id = {league}
"""

# Every player's totals over the window (qualified or not), then the qualified ones with their sort key; the
# statements below differ only in what they read from them. A player_total source is read twice (the count, the page)
# rather than copied once: a scan of its rows costs less than materializing them; an aggregate of player_day is
# computed once. No statement ranks every player's username: pages and standings read the accounts they show, and
# those of players tied with them.
_SCORED = """
WITH totals AS {materialized} (
    SELECT t.*, t.wins + t.losses + t.pushes AS picks FROM ({source}) t
){tally}, scored AS {materialized} (
    SELECT t.*, {sort_key} AS sort_key
    FROM totals t
    WHERE t.picks >= $3
)
"""

_COLUMNS = """r.username, r.units, r.wagered, round(r.units / r.wagered, 6) AS roi, r.wins, r.losses, r.pushes,
       r.picks, round(r.wins::numeric / nullif(r.wins + r.losses, 0), 6) AS win_rate,
       round(r.units * r.picks / (r.wagered * (r.picks + $4::int)), 6) AS rating"""

# The count of ranked players, and of those in profit among them, in one pass.
_TALLY = """, tally AS MATERIALIZED (
    SELECT count(*) FILTER (WHERE picks >= $3) AS total, count(*) FILTER (WHERE picks >= $3 AND units > 0) AS in_profit
    FROM totals
)"""

# A page in two passes. The first keeps the best offset + limit + _TIE_ROOM rows by everything but the username (a
# top-N sort of only what orders them, no account read): the contenders. The page is then the contenders with the rest
# of their totals and their usernames, in full order. Players tied on everything but the username are common (flat
# stakes at the same price), and the username decides between them: when the last contender still ties the last row a
# page can reach (the edge), players beyond the contenders may share the edge's place, so the contenders before the
# edge and every scored row equal to it are ranked instead (a second pass over the scored rows, gated so that it runs
# only then). Ranks are the offset plus the page's positions. $5 is the offset, $6 the limit, $7 the room.
_TIE_ROOM = 200
_PAGE_SQL = (
    _SCORED.replace("{tally}", _TALLY)
    + f"""
, contenders AS MATERIALIZED (
    SELECT s.*, row_number() OVER (ORDER BY {{contender_order}}) AS n
    FROM (
        SELECT user_id, sort_key, units, wagered
        FROM scored
        ORDER BY {{contender_order}}
        LIMIT $5::int + $6::int + $7::int
    ) s
), edge AS MATERIALIZED (
    SELECT e.*,
           EXISTS (SELECT FROM contenders l
                   WHERE l.n = $5::int + $6::int + $7::int AND {_TIED.format(s="l", m="e")}) AS tied
    FROM contenders e
    WHERE e.n = $5::int + $6::int
), candidates AS (
    SELECT c.*
    FROM contenders c
    LEFT JOIN edge e ON true
    WHERE NOT coalesce(e.tied, false) OR (c.n < e.n AND NOT ({_TIED.format(s="c", m="e")}))
    UNION ALL
    SELECT s.user_id, s.sort_key, s.units, s.wagered, NULL
    FROM edge e
    CROSS JOIN LATERAL (SELECT * FROM scored s WHERE e.tied AND {_TIED.format(s="s", m="e")}) s
)
SELECT c.total, {_COLUMNS}
FROM tally c
LEFT JOIN LATERAL (
    SELECT r.*, t.wins, t.losses, t.pushes, t.picks, u.username
    FROM candidates r
    JOIN totals t ON t.user_id = r.user_id
    JOIN "user" u ON u.id = r.user_id
    ORDER BY {{order_by}}
    OFFSET $5
    LIMIT $6
) r ON true
"""
)

# $5 is the player: their own row and rank wherever it falls, and their graded picks in the window even when too few to
# rank. Their rank is one more than the scored rows that sort before them, counted in the same pass as the total (their
# row is the outer side, so the pass reads it as parameters); a player tied with them but for the username has their
# account read to break the tie.
_MINE_SQL = (
    _SCORED.replace("{tally}", "")
    + f"""
, me AS MATERIALIZED (
    SELECT s.*, u.username, lower(u.username) AS folded
    FROM scored s
    JOIN "user" u ON u.id = s.user_id
    WHERE s.user_id = $5
)
SELECT c.total, c.rank, (SELECT picks FROM totals WHERE user_id = $5) AS my_picks, {_COLUMNS}
FROM (SELECT) one
LEFT JOIN me r ON true
CROSS JOIN LATERAL (
    SELECT count(*) AS total,
           count(*) FILTER (
               WHERE {{before}}
                  OR ({_TIED.format(s="s", m="r")}
                      AND (SELECT lower(u.username) FROM "user" u WHERE u.id = s.user_id) < r.folded)
           ) + 1 AS rank
    FROM scored s
) c
"""
)


@dataclass(frozen=True)
class Restriction:
    """Rank only one league's members, over their picks graded on or after its start day (00:00 UTC)."""

    league_id: int
    start_date: date


def _since(*, window: Window, today: date, season_start: date, restriction: Restriction | None) -> datetime | None:
    """Return the first instant whose graded picks count: the window's, or a league's start day if that is later."""
    since = window_start(window=window, today=today, season_start=season_start)
    if restriction is None:
        return since
    league_start = datetime.combine(restriction.start_date, time.min, tzinfo=UTC)
    return league_start if since is None else max(since, league_start)


async def _source(
    db: DbHandle, *, window: Window, since: datetime | None, season_start: date
) -> tuple[str, date | None]:
    """Pick the rollup that answers the window, and the first day its SQL takes as $2."""
    if since is None:
        return _FROM_ALL, None
    if window is Window.month:
        return _FROM_MONTH, since.date()
    if window is Window.season:
        kept_for = await db.fetchval("SELECT starts_on FROM rollup_season")
        if kept_for == season_start:
            return _FROM_SEASON, since.date()
    return _FROM_DAYS, since.date()


async def _query(
    db: DbHandle,
    template: str,
    *,
    window: Window,
    since: datetime | None,
    season_start: date,
    sort: SortKey,
    sport: str | None,
    restriction: Restriction | None,
    args: list[object],
) -> tuple[str, list[object]]:
    """Fill the template with the window's source and the sort's order, and return the SQL and its arguments."""
    args = [sport or "*", None, *args]
    if restriction is not None:
        # A league always starts on a day (since is set), and sums its members' days whatever the window.
        assert since is not None
        args[1] = since.date()
        args.append(restriction.league_id)
        source = _FROM_LEAGUE_DAYS.format(league=f"${len(args)}")
    else:
        source, args[1] = await _source(db, window=window, since=since, season_start=season_start)
    key, before = _SORT_KEY[sort], _BEFORE[sort].format(s="s", m="r")
    if sort in _PROFIT_FIRST:
        key = (_PROFIT_FIRST_KEY if template is _PAGE_SQL else _PROFIT_FIRST_MINE_KEY).format(key=key)
        before += " OR (s.sort_key IS NULL AND s.units > 0)"
    sql = template.format(
        source=source,
        # An aggregate of player_day (a window's or a league's) is computed once; a player_total scan is cheaper to
        # repeat than to copy.
        materialized="MATERIALIZED" if source is _FROM_DAYS or restriction is not None else "NOT MATERIALIZED",
        sort_key=key,
        order_by=_ORDER_BY[sort],
        contender_order=_CONTENDER_ORDER[sort],
        before=before,
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
    sql, args = await _query(
        db,
        _PAGE_SQL,
        window=window,
        since=since,
        season_start=season_start,
        sort=sort,
        sport=sport,
        restriction=restriction,
        args=[minimum, RATING_PRIOR_PICKS, offset, limit, _TIE_ROOM],
    )
    rows = await db.fetch(sql, *args)
    entries = [
        LeaderboardEntry(rank=offset + position, **{k: row[k] for k in LeaderboardEntry.model_fields if k != "rank"})
        for position, row in enumerate(rows, start=1)
        if row["username"] is not None
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
    sql, args = await _query(
        db,
        _MINE_SQL,
        window=window,
        since=since,
        season_start=season_start,
        sort=sort,
        sport=sport,
        restriction=restriction,
        args=[minimum, RATING_PRIOR_PICKS, user_id],
    )
    row = await db.fetchrow(sql, *args)
    assert row is not None  # the count subquery always yields one row
    entry = None
    if row["username"] is not None:
        entry = LeaderboardEntry(**{k: row[k] for k in LeaderboardEntry.model_fields})
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
