"""Pick endpoints: place a slip, list mine, cancel one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from contracts.ids import BIGINT_MAX
from contracts.markets import PickStatus
from services.web.deps import CurrentUser, Db, Pool, Settings
from services.web.errors import error_responses
from services.web.picks import service
from services.web.picks.schemas import PickList, PickSlip

router = APIRouter(prefix="/api/picks", tags=["picks"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=PickList, responses=error_responses(401, 404, 409))
async def place_picks(slip: PickSlip, user: CurrentUser, pool: Pool, settings: Settings) -> PickList:
    """Place a slip, all or nothing; a refusal lists each failing pick (`details[].index`, `code`, `current`)."""
    return PickList(picks=await service.place_picks(pool=pool, settings=settings, user=user, picks=slip.picks))


@router.get("/me", response_model=PickList, responses=error_responses(401))
async def my_picks(
    user: CurrentUser,
    db: Db,
    pick_status: Annotated[PickStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> PickList:
    """List my picks, newest first, with results, the closing line and any re-grades."""
    return await service.list_my_picks(db=db, user=user, status=pick_status, limit=limit, offset=offset)


@router.delete(
    "/{pick_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(401, 404, 409),
)
async def cancel_pick(user: CurrentUser, pool: Pool, pick_id: Annotated[int, Path(ge=1, le=BIGINT_MAX)]) -> Response:
    """Cancel my pending pick before its game starts (404 for a pick that is not mine)."""
    await service.cancel_pick(pool=pool, user=user, pick_id=pick_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
