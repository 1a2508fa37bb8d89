"""League endpoints: create and list mine, join by code, rotate the code, hand over, remove and leave, delete; and a
league's page: the league, its members, its leaderboard (and my row in it) and its feed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status

from contracts.ids import BIGINT_MAX
from services.web.auth.schemas import USERNAME_PATTERN
from services.web.deps import ClientIp, CurrentUser, Db, Settings
from services.web.errors import error_responses
from services.web.leaderboard.router import MinPicksQuery, SortQuery, SportQuery, WindowQuery
from services.web.leaderboard.schemas import LeaderboardPublic, LeaderboardStanding, SortKey, Window
from services.web.leagues import service
from services.web.leagues.schemas import (
    HandOver,
    JoinRequest,
    LeagueCreate,
    LeagueFeed,
    LeagueList,
    LeagueMembers,
    LeaguePublic,
)
from services.web.leagues.service import LeagueAccess
from services.web.links import link, profile_of, with_links

router = APIRouter(prefix="/api/leagues", tags=["leagues"])

LEAGUE_PATH = "/api/leagues/{league_id}"
# Everything about a league depends on who asks (members only) and, for the feed, on the clock: never shared.
PRIVATE = "private, no-cache"

LeagueId = Annotated[int, Path(ge=1, le=BIGINT_MAX)]


async def member_league(league_id: LeagueId, user: CurrentUser, db: Db) -> LeagueAccess:
    """Resolve the path's league for one of its members; 404 for anyone else, exactly as for no such league."""
    return await service.league_access(db=db, user_id=user.id, league_id=league_id)


MemberLeague = Annotated[LeagueAccess, Depends(member_league)]


def _league_links(pointer: str, *, code: str | None = None) -> dict[str, Any]:
    """Links from a league in a response (its id at `pointer`) to what can be done with it."""
    league_id = {"league_id": pointer}
    links = {
        "League": link(LEAGUE_PATH, "get", description="The league", parameters=league_id),
        "Members": link(f"{LEAGUE_PATH}/members", "get", description="Its members", parameters=league_id),
        "Leaderboard": link(f"{LEAGUE_PATH}/leaderboard", "get", description="Its ranking", parameters=league_id),
        "MyStanding": link(f"{LEAGUE_PATH}/leaderboard/me", "get", description="My row in it", parameters=league_id),
        "Feed": link(f"{LEAGUE_PATH}/feed", "get", description="Its feed", parameters=league_id),
        "RotateInvite": link(f"{LEAGUE_PATH}/invite", "post", description="A new join link", parameters=league_id),
    }
    if code is not None:
        links["Join"] = link("/api/leagues/join", "post", description="Join it by its code", requestBody={"code": code})
    return links


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=LeaguePublic,
    responses=with_links(
        error_responses(401, 409), 201, **_league_links("$response.body#/id", code="$response.body#/invite_code")
    ),
)
async def create_league(body: LeagueCreate, user: CurrentUser, db: Db, settings: Settings) -> LeaguePublic:
    """Create a league I own, counting picks graded from its start date (default today, UTC) in its sport."""
    return await service.create_league(db=db, settings=settings, user=user, league=body)


@router.get(
    "",
    response_model=LeagueList,
    responses=with_links(error_responses(401), 200, **_league_links("$response.body#/leagues/0/id")),
)
async def my_leagues(user: CurrentUser, db: Db, settings: Settings, response: Response) -> LeagueList:
    """List the leagues I belong to, the most recently joined first."""
    response.headers["Cache-Control"] = PRIVATE
    return await service.list_leagues(db=db, settings=settings, user_id=user.id)


@router.post(
    "/join",
    response_model=LeaguePublic,
    responses=with_links(error_responses(401, 404, 409, 429), 200, **_league_links("$response.body#/id")),
)
async def join_league(
    body: JoinRequest, user: CurrentUser, db: Db, settings: Settings, client: ClientIp
) -> LeaguePublic:
    """Join the league of an invite code (already a member: the league as it is); unknown codes are rate-limited."""
    return await service.join_league(db=db, settings=settings, user=user, code=body.code, client=client)


@router.get(
    "/{league_id}",
    response_model=LeaguePublic,
    responses=with_links(error_responses(401, 404), 200, Owner=profile_of("$response.body#/owner")),
)
async def get_league(
    league: MemberLeague, user: CurrentUser, db: Db, settings: Settings, response: Response
) -> LeaguePublic:
    """Show a league I belong to (its invite code only to its owner); 404 for anyone else."""
    response.headers["Cache-Control"] = PRIVATE
    return await service.get_league(db=db, settings=settings, user_id=user.id, league_id=league.id)


@router.delete(
    "/{league_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(401, 403, 404),
)
async def delete_league(league_id: LeagueId, user: CurrentUser, db: Db) -> Response:
    """Delete a league I own, with every membership of it (nobody's picks change)."""
    await service.delete_league(db=db, user=user, league_id=league_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{league_id}/invite",
    response_model=LeaguePublic,
    responses=with_links(error_responses(401, 403, 404), 200, **_league_links("$response.body#/id")),
)
async def rotate_invite(league_id: LeagueId, user: CurrentUser, db: Db, settings: Settings) -> LeaguePublic:
    """Replace my league's invite code: links with the old code stop working. Owner only."""
    return await service.rotate_invite(db=db, settings=settings, user=user, league_id=league_id)


@router.post(
    "/{league_id}/owner",
    response_model=LeaguePublic,
    responses=with_links(error_responses(401, 403, 404), 200, **_league_links("$response.body#/id")),
)
async def hand_over(league_id: LeagueId, body: HandOver, user: CurrentUser, db: Db, settings: Settings) -> LeaguePublic:
    """Hand my league over to another member, who becomes its owner; I stay a member. Owner only."""
    return await service.hand_over(db=db, settings=settings, user=user, league_id=league_id, username=body.username)


@router.get(
    "/{league_id}/members",
    response_model=LeagueMembers,
    responses=with_links(
        error_responses(401, 404),
        200,
        Profile=profile_of("$response.body#/members/0/username"),
        Remove=link(
            f"{LEAGUE_PATH}/members/{{username}}",
            "delete",
            description="Remove the first member listed (the owner: 409)",
            parameters={"league_id": "$request.path.league_id", "username": "$response.body#/members/0/username"},
        ),
    ),
)
async def members(league: MemberLeague, db: Db, response: Response) -> LeagueMembers:
    """List a league's members, the owner first."""
    response.headers["Cache-Control"] = PRIVATE
    return await service.list_members(db=db, league=league)


@router.delete(
    "/{league_id}/members/{username}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(401, 403, 404, 409),
)
async def remove_member(
    league_id: LeagueId,
    username: Annotated[str, Path(pattern=USERNAME_PATTERN, description="Case-insensitive; my own to leave")],
    user: CurrentUser,
    db: Db,
) -> Response:
    """Leave a league (my own username) or, as its owner, remove a member; an owner hands over or deletes instead."""
    await service.remove_member(db=db, user=user, league_id=league_id, username=username)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{league_id}/leaderboard",
    response_model=LeaderboardPublic,
    responses=with_links(error_responses(401, 404), 200, Profile=profile_of("$response.body#/entries/0/username")),
)
async def leaderboard(
    league: MemberLeague,
    db: Db,
    settings: Settings,
    response: Response,
    window: WindowQuery = Window.all,
    sport: SportQuery = None,
    sort: SortQuery = SortKey.units,
    min_picks: MinPicksQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> LeaderboardPublic:
    """Rank a league's members like the leaderboard, over their picks graded from its start date in its sport."""
    response.headers["Cache-Control"] = PRIVATE
    return await service.league_leaderboard(
        db=db,
        league=league,
        window=window,
        sport=sport,
        sort=sort,
        min_picks=min_picks,
        limit=limit,
        offset=offset,
        season_start=settings.season_start,
    )


@router.get("/{league_id}/leaderboard/me", response_model=LeaderboardStanding, responses=error_responses(401, 404))
async def my_standing(
    league: MemberLeague,
    user: CurrentUser,
    db: Db,
    settings: Settings,
    response: Response,
    window: WindowQuery = Window.all,
    sport: SportQuery = None,
    sort: SortQuery = SortKey.units,
    min_picks: MinPicksQuery = None,
) -> LeaderboardStanding:
    """Return my row in the league's ranking with these controls, or my graded picks there when I am not ranked."""
    response.headers["Cache-Control"] = PRIVATE
    return await service.league_standing(
        db=db,
        league=league,
        user_id=user.id,
        window=window,
        sport=sport,
        sort=sort,
        min_picks=min_picks,
        season_start=settings.season_start,
    )


@router.get("/{league_id}/feed", response_model=LeagueFeed, responses=error_responses(401, 404))
async def feed(
    league: MemberLeague,
    db: Db,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=50, description="Games per page")] = 10,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> LeagueFeed:
    """Show members' picks on games that have started (never before tip-off) and how the league split on each."""
    response.headers["Cache-Control"] = PRIVATE
    return await service.league_feed(db=db, league=league, limit=limit, offset=offset)
