"""GET /api/users/{username}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from services.web.auth.schemas import USERNAME_PATTERN
from services.web.deps import Db, OptionalUser, Settings
from services.web.errors import error_responses
from services.web.users.schemas import UserProfile
from services.web.users.service import get_profile

router = APIRouter(prefix="/api", tags=["users"])


@router.get("/users/{username}", response_model=UserProfile, responses=error_responses(401, 404))
async def profile(
    username: Annotated[str, Path(pattern=USERNAME_PATTERN, description="Case-insensitive")],
    db: Db,
    settings: Settings,
    viewer: OptionalUser,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=200, description="Picks per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> UserProfile:
    """Show a player's record, units and ROI per window, CLV, units over time and the picks this viewer may see."""
    # What is visible depends on the viewer and on the clock (picks appear at tip-off): never in a shared cache.
    response.headers["Cache-Control"] = "private, no-cache"
    return await get_profile(
        db=db,
        username=username,
        viewer_id=viewer.id if viewer else None,
        season_start=settings.season_start,
        limit=limit,
        offset=offset,
    )
