"""GET /api/rules."""

from __future__ import annotations

from fastapi import APIRouter, Response

from services.web.deps import Settings
from services.web.errors import error_responses
from services.web.rules.schemas import RulesPublic
from services.web.rules.service import get_rules

router = APIRouter(prefix="/api", tags=["rules"])


@router.get("/rules", response_model=RulesPublic, responses=error_responses())
async def rules(settings: Settings, response: Response) -> RulesPublic:
    """Return the stakes, the slip size, the password length, the leaderboard minimums and the league limits."""
    # Settings change only with a deploy; a client may keep them for a few minutes.
    response.headers["Cache-Control"] = "public, max-age=300"
    return get_rules(settings=settings)
