"""GET /api/games/{game_id}/consensus."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from contracts.ids import BIGINT_MAX
from services.web.consensus.schemas import GameConsensus
from services.web.consensus.service import get_consensus
from services.web.deps import Pool
from services.web.errors import error_responses

router = APIRouter(prefix="/api", tags=["games"])

# game.id is a bigint: anything larger cannot exist and must be a clean 422, not a database overflow.


@router.get("/games/{game_id}/consensus", response_model=GameConsensus, responses=error_responses(404))
async def consensus(game_id: Annotated[int, Path(ge=1, le=BIGINT_MAX)], pool: Pool) -> GameConsensus:
    """Show the community split: share of picks and of units staked on each side of each market of a game."""
    return await get_consensus(pool=pool, game_id=game_id)
