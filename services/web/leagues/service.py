"""Leagues: create, join by invite code, rotate the code, hand over, remove and leave, and read a league.

Membership changes of one league take its row `FOR UPDATE`, so they happen one after another (the member limit holds
under parallel joins); a player's joins and creations take an advisory lock on the player, so the per-player limit
holds too. Locks are always taken in that order (league, then player). Everything a non-member asks about a league is
answered exactly as for a league that does not exist (404 `league_not_found`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import asyncpg

from services.web.auth.schemas import CurrentUserModel
from services.web.consensus.service import split_markets
from services.web.db import DbHandle
from services.web.errors import Conflict, Forbidden, NotFound, Unprocessable
from services.web.leaderboard.schemas import LeaderboardPublic, LeaderboardStanding, SortKey, Window
from services.web.leaderboard.service import Restriction, get_leaderboard, get_my_standing
from services.web.leagues.schemas import (
    FeedGame,
    FeedPick,
    LeagueCreate,
    LeagueFeed,
    LeagueList,
    LeagueMember,
    LeagueMembers,
    LeaguePublic,
)
from services.web.limits import ClientLimit, check_client_limit, count_client_attempt
from services.web.settings import WebSettings

# How far from today (UTC) a start date may be: a league may count past picks, or wait for next season.
START_DATE_PAST = timedelta(days=3653)
START_DATE_FUTURE = timedelta(days=366)

_PLAYER_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"

_LEAGUES_SQL = """
SELECT l.id, l.name, l.description, l.sport_key AS sport, l.start_date, l.created_at, o.username AS owner,
       (SELECT count(*) FROM league_member c WHERE c.league_id = l.id) AS members,
       CASE WHEN l.owner_id = me.user_id THEN 'owner' ELSE 'member' END AS role,
       me.joined_at,
       CASE WHEN l.owner_id = me.user_id THEN l.invite_code END AS invite_code
FROM league_member me
JOIN league l ON l.id = me.league_id
JOIN "user" o ON o.id = l.owner_id
WHERE me.user_id = $1 {only_one}
ORDER BY me.joined_at DESC, l.id DESC
"""

_ACCESS_SQL = """
SELECT l.id, l.sport_key, l.start_date, l.owner_id, (now() AT TIME ZONE 'UTC')::date AS today
FROM league l
JOIN league_member m ON m.league_id = l.id AND m.user_id = $2
WHERE l.id = $1
"""

# A league row, locked for a membership change.
_LOCK_LEAGUE_SQL = "SELECT id, owner_id FROM league WHERE {where} FOR UPDATE"

# Read in a statement of its own once the row is locked: under READ COMMITTED that statement's snapshot sees every
# membership committed before the lock was granted (a subquery of the locking statement would not).
_MEMBERSHIP_SQL = """
SELECT EXISTS (SELECT 1 FROM league_member WHERE league_id = $1 AND user_id = $2) AS is_member,
       (SELECT count(*) FROM league_member WHERE league_id = $1) AS members
"""

_MEMBER_BY_NAME_SQL = """
SELECT u.id FROM league_member m JOIN "user" u ON u.id = m.user_id
WHERE m.league_id = $1 AND lower(u.username) = lower($2)
"""

_MEMBERS_SQL = """
SELECT u.username, CASE WHEN u.id = l.owner_id THEN 'owner' ELSE 'member' END AS role, m.joined_at
FROM league_member m
JOIN league l ON l.id = m.league_id
JOIN "user" u ON u.id = m.user_id
WHERE m.league_id = $1
ORDER BY u.id = l.owner_id DESC, m.joined_at, u.id
"""

# The feed's games: every game a member picked that has started by the database clock (the profile's rule: nobody sees
# a pick before tip-off), from the league's first day and in its sport; the last to start first.
_FEED_GAMES_SQL = """
WITH games AS (
    SELECT DISTINCT p.game_id
    FROM league_member m
    JOIN pick p ON p.user_id = m.user_id
    JOIN game g ON g.id = p.game_id
    WHERE m.league_id = $1 AND g.commence_time <= now() AND g.commence_time >= $2{sport}
)
SELECT c.total, r.*
FROM (SELECT count(*) AS total FROM games) c
LEFT JOIN LATERAL (
    SELECT g.id AS game_id, g.sport_key, g.home_team, g.away_team, g.commence_time, g.status, g.home_score,
           g.away_score
    FROM games x JOIN game g ON g.id = x.game_id
    ORDER BY g.commence_time DESC, g.id DESC
    LIMIT $3 OFFSET $4
) r ON true
ORDER BY r.commence_time DESC, r.game_id DESC
"""

_FEED_PICKS_SQL = """
SELECT p.game_id, p.id, u.username, p.market, p.selection, p.point, p.price, p.stake, p.placed_at, p.status,
       p.result_units
FROM league_member m
JOIN pick p ON p.user_id = m.user_id
JOIN "user" u ON u.id = m.user_id
WHERE m.league_id = $1 AND p.game_id = ANY($2::bigint[])
ORDER BY p.game_id, p.placed_at DESC, p.id DESC
"""

# How the league picked: members' picks and units per side (void picks left out, as in the game's consensus).
_FEED_SPLIT_SQL = """
SELECT p.game_id, p.market, p.selection, count(*) AS picks, sum(p.stake)::numeric(14, 2) AS units
FROM league_member m
JOIN pick p ON p.user_id = m.user_id
WHERE m.league_id = $1 AND p.game_id = ANY($2::bigint[]) AND p.status <> 'void'
GROUP BY p.game_id, p.market, p.selection
"""


@dataclass(frozen=True)
class LeagueAccess:
    """A league the caller belongs to, with what its reads need (and the database's UTC date)."""

    id: int
    sport: str | None
    start_date: date
    owner_id: int
    today: date


def join_limit(settings: WebSettings) -> ClientLimit:
    """Return the per-client limit on joins with an invite code that names no league."""
    return ClientLimit(
        action="league_join",
        max_attempts=settings.league_join_max_failures_per_client,
        window_seconds=settings.league_join_window_seconds,
        code="too_many_join_attempts",
        message="Too many joins with unknown invite codes from here; try again later.",
    )


def new_invite_code() -> str:
    """Return a fresh invite code: 96 random bits, URL-safe."""
    return secrets.token_urlsafe(12)


def _league_not_found(league_id: int) -> NotFound:
    # The same answer whether the league does not exist or the caller is not in it: nothing reveals a league.
    return NotFound(f"You are in no league {league_id}.", code="league_not_found")


def _not_owner() -> Forbidden:
    return Forbidden("Only the league's owner can do this.", code="not_league_owner")


async def _player_lock(db: DbHandle, user_id: int) -> None:
    await db.execute(_PLAYER_LOCK, f"leagues:player:{user_id}")


async def _too_many_leagues(db: DbHandle, *, settings: WebSettings, user_id: int) -> Conflict | None:
    count = await db.fetchval("SELECT count(*) FROM league_member WHERE user_id = $1", user_id)
    if count < settings.league_max_per_player:
        return None
    return Conflict(
        f"You are in {count} leagues, the most a player may belong to; leave one first.",
        code="too_many_leagues",
        details={"max_leagues": settings.league_max_per_player},
    )


def _public(row: asyncpg.Record, settings: WebSettings) -> LeaguePublic:
    return LeaguePublic(**dict(row), max_members=settings.league_max_members)


async def get_league(*, db: DbHandle, settings: WebSettings, user_id: int, league_id: int) -> LeaguePublic:
    """Return the league as this member sees it; NotFound when there is none or the player is not in it."""
    row = await db.fetchrow(_LEAGUES_SQL.format(only_one="AND l.id = $2"), user_id, league_id)
    if row is None:
        raise _league_not_found(league_id)
    return _public(row, settings)


async def list_leagues(*, db: DbHandle, settings: WebSettings, user_id: int) -> LeagueList:
    """Return the player's leagues, the most recently joined first."""
    rows = await db.fetch(_LEAGUES_SQL.format(only_one=""), user_id)
    return LeagueList(leagues=[_public(r, settings) for r in rows], max_leagues=settings.league_max_per_player)


async def league_access(*, db: DbHandle, user_id: int, league_id: int) -> LeagueAccess:
    """Return the league for one of its members; NotFound for anyone else."""
    row = await db.fetchrow(_ACCESS_SQL, league_id, user_id)
    if row is None:
        raise _league_not_found(league_id)
    return LeagueAccess(
        id=row["id"], sport=row["sport_key"], start_date=row["start_date"], owner_id=row["owner_id"], today=row["today"]
    )


async def create_league(
    *, db: DbHandle, settings: WebSettings, user: CurrentUserModel, league: LeagueCreate
) -> LeaguePublic:
    """Create a league owned (and joined) by the player; 422 for a start date out of range, 409 past the limit."""
    async with db.transaction():
        await _player_lock(db, user.id)
        today: date = await db.fetchval("SELECT (now() AT TIME ZONE 'UTC')::date")
        start = league.start_date or today
        if not today - START_DATE_PAST <= start <= today + START_DATE_FUTURE:
            raise Unprocessable(
                "The start date must be within 10 years before and one year after today (UTC).",
                code="start_date_out_of_range",
                details=[{"loc": ["body", "start_date"], "msg": "out of range"}],
            )
        if refusal := await _too_many_leagues(db, settings=settings, user_id=user.id):
            raise refusal
        league_id = await db.fetchval(
            "INSERT INTO league (name, description, sport_key, start_date, owner_id, invite_code) "
            "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            league.name,
            league.description,
            league.sport,
            start,
            user.id,
            new_invite_code(),
        )
        await db.execute("INSERT INTO league_member (league_id, user_id) VALUES ($1, $2)", league_id, user.id)
    return await get_league(db=db, settings=settings, user_id=user.id, league_id=league_id)


async def join_league(
    *, db: DbHandle, settings: WebSettings, user: CurrentUserModel, code: str, client: str
) -> LeaguePublic:
    """Join the league whose invite code this is (a no-op for a member); 404 for an unknown code, 409, 429."""
    limit = join_limit(settings)
    league_id: int | None = None
    async with db.transaction():
        # Checked first, so a client past the limit learns nothing, not even from a right code.
        await check_client_limit(db=db, limit=limit, client=client)
        league = await db.fetchrow(_LOCK_LEAGUE_SQL.format(where="invite_code = $1"), code)
        if league is None:
            # Counted in this transaction, which must commit: the refusal is raised once it has.
            await count_client_attempt(db=db, limit=limit, client=client)
        else:
            league_id = league["id"]
            membership = await _membership(db, league_id=league["id"], user_id=user.id)
            if not membership["is_member"]:
                if membership["members"] >= settings.league_max_members:
                    raise Conflict(
                        f"The league is full: it has {membership['members']} members, the most a league may have.",
                        code="league_full",
                        details={"max_members": settings.league_max_members},
                    )
                await _player_lock(db, user.id)
                if refusal := await _too_many_leagues(db, settings=settings, user_id=user.id):
                    raise refusal
                await db.execute("INSERT INTO league_member (league_id, user_id) VALUES ($1, $2)", league_id, user.id)
    if league_id is None:
        raise NotFound(
            "No league has this invite code. The owner may have replaced the link with a new one.",
            code="invite_not_found",
        )
    return await get_league(db=db, settings=settings, user_id=user.id, league_id=league_id)


async def _membership(db: DbHandle, *, league_id: int, user_id: int) -> asyncpg.Record:
    row = await db.fetchrow(_MEMBERSHIP_SQL, league_id, user_id)
    assert row is not None  # a SELECT without FROM returns its one row
    return row


async def _lock_for_member(db: DbHandle, *, league_id: int, user_id: int) -> asyncpg.Record:
    """Lock the league row for a membership change; 404 when there is none or the player is not in it."""
    league = await db.fetchrow(_LOCK_LEAGUE_SQL.format(where="id = $1"), league_id)
    if league is None or not (await _membership(db, league_id=league_id, user_id=user_id))["is_member"]:
        raise _league_not_found(league_id)
    return league


async def _lock_for_owner(db: DbHandle, *, league_id: int, user_id: int) -> asyncpg.Record:
    """Lock the league row for a change only its owner may make; 404 for non-members, 403 for other members."""
    league = await _lock_for_member(db, league_id=league_id, user_id=user_id)
    if league["owner_id"] != user_id:
        raise _not_owner()
    return league


async def rotate_invite(*, db: DbHandle, settings: WebSettings, user: CurrentUserModel, league_id: int) -> LeaguePublic:
    """Give the league a new invite code; links with the old one stop working. Owner only."""
    async with db.transaction():
        await _lock_for_owner(db, league_id=league_id, user_id=user.id)
        await db.execute("UPDATE league SET invite_code = $2 WHERE id = $1", league_id, new_invite_code())
    return await get_league(db=db, settings=settings, user_id=user.id, league_id=league_id)


async def hand_over(
    *, db: DbHandle, settings: WebSettings, user: CurrentUserModel, league_id: int, username: str
) -> LeaguePublic:
    """Make another member the owner (the old owner stays a member). Owner only; 404 for a non-member."""
    async with db.transaction():
        await _lock_for_owner(db, league_id=league_id, user_id=user.id)
        new_owner = await db.fetchval(_MEMBER_BY_NAME_SQL, league_id, username)
        if new_owner is None:
            raise NotFound(f"{username!r} is not a member of this league.", code="member_not_found")
        await db.execute("UPDATE league SET owner_id = $2 WHERE id = $1", league_id, new_owner)
    return await get_league(db=db, settings=settings, user_id=user.id, league_id=league_id)


async def remove_member(*, db: DbHandle, user: CurrentUserModel, league_id: int, username: str) -> None:
    """Leave (my own username) or, as the owner, remove a member; the owner must hand over or delete instead."""
    async with db.transaction():
        league = await _lock_for_member(db, league_id=league_id, user_id=user.id)
        member = await db.fetchval(_MEMBER_BY_NAME_SQL, league_id, username)
        if member is None:
            raise NotFound(f"{username!r} is not a member of this league.", code="member_not_found")
        if member != user.id and league["owner_id"] != user.id:
            raise _not_owner()
        if member == league["owner_id"]:
            raise Conflict(
                "The owner cannot leave: hand the league over to another member, or delete it.",
                code="owner_cannot_leave",
            )
        await db.execute("DELETE FROM league_member WHERE league_id = $1 AND user_id = $2", league_id, member)


async def delete_league(*, db: DbHandle, user: CurrentUserModel, league_id: int) -> None:
    """Delete the league and every membership of it (picks are untouched). Owner only."""
    async with db.transaction():
        await _lock_for_owner(db, league_id=league_id, user_id=user.id)
        await db.execute("DELETE FROM league WHERE id = $1", league_id)


async def list_members(*, db: DbHandle, league: LeagueAccess) -> LeagueMembers:
    """Return the league's members, the owner first, then in the order they joined."""
    rows = await db.fetch(_MEMBERS_SQL, league.id)
    return LeagueMembers(members=[LeagueMember(**dict(r)) for r in rows])


def _sport(league: LeagueAccess, sport: str | None) -> str | None:
    """Return the sport the ranking is for: the league's, or the one asked for when the league has none."""
    if league.sport is None or sport is None or sport == league.sport:
        return league.sport or sport
    raise Unprocessable(
        f"This league counts only {league.sport} picks.",
        code="sport_not_in_league",
        details=[{"loc": ["query", "sport"], "msg": f"this league's sport is {league.sport}"}],
    )


async def league_leaderboard(
    *,
    db: DbHandle,
    league: LeagueAccess,
    window: Window,
    sport: str | None,
    sort: SortKey,
    min_picks: int | None,
    limit: int,
    offset: int,
    season_start: date,
) -> LeaderboardPublic:
    """Rank the league's members exactly as the global leaderboard ranks players, over the league's picks."""
    return await get_leaderboard(
        db=db,
        window=window,
        sport=_sport(league, sport),
        sort=sort,
        min_picks=min_picks,
        limit=limit,
        offset=offset,
        today=league.today,
        season_start=season_start,
        restriction=Restriction(league_id=league.id, start_date=league.start_date),
    )


async def league_standing(
    *,
    db: DbHandle,
    league: LeagueAccess,
    user_id: int,
    window: Window,
    sport: str | None,
    sort: SortKey,
    min_picks: int | None,
    season_start: date,
) -> LeaderboardStanding:
    """Return my row in the league's ranking wherever it falls, or my graded picks there when I am not ranked."""
    return await get_my_standing(
        db=db,
        user_id=user_id,
        window=window,
        sport=_sport(league, sport),
        sort=sort,
        min_picks=min_picks,
        today=league.today,
        season_start=season_start,
        restriction=Restriction(league_id=league.id, start_date=league.start_date),
    )


async def league_feed(*, db: DbHandle, league: LeagueAccess, limit: int, offset: int) -> LeagueFeed:
    """Return the games members picked that have started, each with their picks and how the league split."""
    # Games from the league's first day on (00:00 UTC), like its leaderboard counts picks graded from then.
    from_instant = datetime.combine(league.start_date, time.min, tzinfo=UTC)
    args: list[object] = [league.id, from_instant, limit, offset]
    sport = ""
    if league.sport is not None:
        args.append(league.sport)
        sport = f" AND g.sport_key = ${len(args)}"
    game_rows = await db.fetch(_FEED_GAMES_SQL.format(sport=sport), *args)
    games = [r for r in game_rows if r["game_id"] is not None]
    ids = [r["game_id"] for r in games]
    picks: dict[int, list[FeedPick]] = {game_id: [] for game_id in ids}
    counts: dict[int, dict[tuple[str, str], tuple[int, Decimal]]] = {game_id: {} for game_id in ids}
    if ids:
        for row in await db.fetch(_FEED_PICKS_SQL, league.id, ids):
            picks[row["game_id"]].append(FeedPick(**{k: v for k, v in dict(row).items() if k != "game_id"}))
        for row in await db.fetch(_FEED_SPLIT_SQL, league.id, ids):
            counts[row["game_id"]][row["market"], row["selection"]] = (row["picks"], row["units"])
    return LeagueFeed(
        total=game_rows[0]["total"],
        limit=limit,
        offset=offset,
        games=[
            FeedGame(
                **{k: v for k, v in dict(r).items() if k != "total"},
                split=split_markets(counts[r["game_id"]]),
                picks=picks[r["game_id"]],
            )
            for r in games
        ],
    )
