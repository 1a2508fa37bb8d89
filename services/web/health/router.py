from __future__ import annotations

from fastapi import APIRouter, Response, status

from services.web.deps import Settings
from services.web.health.schemas import HealthPublic
from services.web.health.service import check_health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthPublic, responses={503: {"model": HealthPublic}})
async def healthz(settings: Settings, response: Response) -> HealthPublic:
    """Report whether the database and the queues answer (503 when any does not)."""
    health = await check_health(settings=settings)
    if health.status != "ok":
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return health
