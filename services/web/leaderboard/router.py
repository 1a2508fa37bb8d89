"""GET /api/leaderboard and GET /api/leaderboard/me."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from services.web.cache import NOT_MODIFIED_RESPONSE, Cache, DataVersion
from services.web.deps import CurrentUser, Pool, Settings
from services.web.errors import error_responses
from services.web.leaderboard.schemas import LeaderboardPublic, LeaderboardStanding, SortKey, Window
from services.web.leaderboard.service import get_leaderboard, get_my_standing

router = APIRouter(prefix="/api", tags=["leaderboard"])

WindowQuery = Annotated[
    Window,
    Query(
        description="Which graded picks count: all, season, month (UTC calendar month) "
        "or week (the last 7 UTC days, today included)"
    ),
]
SportQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=64,
        pattern=r"^[a-z0-9_]+$",
        description="Only picks on this sport key, e.g. basketball_nba",
    ),
]
SortQuery = Annotated[
    SortKey, Query(description="Ranking key, highest first; ties: more units, less wagered, username")
]
MinPicksQuery = Annotated[
    int | None,
    Query(ge=1, le=100_000, description="Fewest graded picks to be ranked; default 1 for units, 20 otherwise"),
]


@router.get(
    "/leaderboard",
    response_model=LeaderboardPublic,
    responses={**NOT_MODIFIED_RESPONSE, **error_responses()},
)
async def leaderboard(
    request: Request,
    pool: Pool,
    settings: Settings,
    cache: Cache,
    window: WindowQuery = Window.all,
    sport: SportQuery = None,
    sort: SortQuery = SortKey.units,
    min_picks: MinPicksQuery = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """Rank players by units, ROI, win rate or rating over a window; cached until grading bumps the version."""

    async def build(current: DataVersion) -> LeaderboardPublic:
        return await get_leaderboard(
            pool=pool,
            window=window,
            sport=sport,
            sort=sort,
            min_picks=min_picks,
            limit=limit,
            offset=offset,
            today=current.today,
            season_start=settings.season_start,
        )

    key = f"{window}|{sport}|{sort}|{min_picks}|{limit}|{offset}"
    return await cache.respond(request=request, pool=pool, scope="leaderboard", key=key, build=build)


@router.get("/leaderboard/me", response_model=LeaderboardStanding, responses=error_responses(401))
async def my_standing(
    user: CurrentUser,
    pool: Pool,
    settings: Settings,
    cache: Cache,
    window: WindowQuery = Window.all,
    sport: SportQuery = None,
    sort: SortQuery = SortKey.units,
    min_picks: MinPicksQuery = None,
) -> LeaderboardStanding:
    """Return my row in the ranking with these controls, wherever it falls, or my graded picks when I am not ranked."""
    # The date comes from the same place as the leaderboard's, so both agree on the week and month windows.
    current = await cache.data_version(pool=pool, scope="leaderboard")
    return await get_my_standing(
        pool=pool,
        user_id=user.id,
        window=window,
        sport=sport,
        sort=sort,
        min_picks=min_picks,
        today=current.today,
        season_start=settings.season_start,
    )
