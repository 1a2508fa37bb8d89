"""GET /api/users/{username}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from services.web.auth.schemas import USERNAME_PATTERN
from services.web.cache import Cache, DataVersion
from services.web.deps import Db, OptionalUser, Settings
from services.web.errors import error_responses
from services.web.users.schemas import UserProfile
from services.web.users.service import get_profile, seconds_until_next_tip_off

# What a profile shows anyone but its owner changes only when picks are graded ('leaderboard'), when games change
# ('board'), on a new UTC day (the week and month windows), and when a game tips off (its pending picks become
# visible): an answer is kept until the first of those, so it can be shared by every visitor.
_NO_STORE_BEYOND_US = "private, no-cache"

router = APIRouter(prefix="/api", tags=["users"])


@router.get("/users/{username}", response_model=UserProfile, responses=error_responses(401, 404))
async def profile(
    username: Annotated[str, Path(pattern=USERNAME_PATTERN, description="Case-insensitive")],
    request: Request,
    db: Db,
    settings: Settings,
    cache: Cache,
    viewer: OptionalUser,
    limit: Annotated[int, Query(ge=1, le=200, description="Picks per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """Show a player's record, units and ROI per window, CLV, units over time and the picks this viewer may see."""
    owner = viewer is not None and viewer.username.lower() == username.lower()

    async def build(_: DataVersion) -> tuple[UserProfile, float | None]:
        shown = await get_profile(
            db=db,
            username=username,
            viewer_id=viewer.id if owner and viewer else None,
            season_start=settings.season_start,
            limit=limit,
            offset=offset,
        )
        return shown, None if owner else await seconds_until_next_tip_off(db=db)

    # The owner's view holds their own pending picks, which may change at any moment: it is never kept. Browsers and
    # proxies keep neither view (the viewer and the clock decide what is visible).
    return await cache.respond(
        request=request,
        db=db,
        scope=("leaderboard", "board"),
        key=f"{username.lower()}|{limit}|{offset}|{viewer.id if owner and viewer else ''}",
        build=build,
        private=owner,
        fresh_for=0.0 if owner else None,
        cache_control=_NO_STORE_BEYOND_US,
    )
