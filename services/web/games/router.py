"""Board endpoints: upcoming games (cached on the 'board' data version) and one game."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from contracts.ids import BIGINT_MAX
from services.web.cache import NOT_MODIFIED_RESPONSE, Cache, DataVersion
from services.web.deps import Db, Pool, Settings
from services.web.errors import Unprocessable, error_responses
from services.web.games import service
from services.web.games.schemas import GamePublic, UpcomingGames

router = APIRouter(prefix="/api/games", tags=["games"])

# A game on the board drops off at tip-off, which no data-version bump announces: bound a cached board's age.
BOARD_FRESH_SECONDS = 30.0

Detail = Annotated[
    Literal["bookmakers"] | None, Query(description="`bookmakers` adds each bookmaker's prices behind the consensus")
]


@router.get("/upcoming", response_model=UpcomingGames, responses={**NOT_MODIFIED_RESPONSE, **error_responses()})
async def upcoming(
    request: Request,
    pool: Pool,
    cache: Cache,
    settings: Settings,
    sport: Annotated[
        str | None, Query(max_length=64, pattern=r"^[a-z0-9_]+$", description="Sport key, e.g. basketball_nba")
    ] = None,
    day: Annotated[
        date | None, Query(alias="date", description="Only games starting on this UTC calendar date")
    ] = None,
    detail: Detail = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many games (capped by the server)")] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    """List games not yet started with the consensus line of every market and when those odds were taken."""
    if limit > settings.board_max_games:
        raise Unprocessable(
            f"limit may be at most {settings.board_max_games}.",
            code="invalid_request",
            details=[{"loc": ["query", "limit"], "msg": f"at most {settings.board_max_games}"}],
        )

    async def build(_: DataVersion) -> UpcomingGames:
        return await service.upcoming_games(
            db=pool, sport=sport, day=day, with_bookmakers=detail == "bookmakers", limit=limit, offset=offset
        )

    return await cache.respond(
        request=request,
        pool=pool,
        scope="board",
        key=f"{sport}|{day}|{detail}|{limit}|{offset}",
        build=build,
        fresh_for=BOARD_FRESH_SECONDS,
    )


@router.get("/{game_id}", response_model=GamePublic, responses=error_responses(404))
async def game(
    db: Db,
    game_id: Annotated[int, Path(ge=1, le=BIGINT_MAX)],
    detail: Detail = None,
) -> GamePublic:
    """Return one game: its status, final score when graded, whether it has started, and its current line."""
    return await service.get_game(db=db, game_id=game_id, with_bookmakers=detail == "bookmakers")
