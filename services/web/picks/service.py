"""Place, list and cancel picks. The slip is checked as a whole; the insert re-checks the lock and line in SQL."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from contracts.markets import PickStatus, market_has_point, selection_fits_market
from contracts.odds_math import closing_line_value
from services.web.auth.schemas import CurrentUserModel
from services.web.db import DbHandle
from services.web.errors import Conflict, DomainError, NotFound, Unprocessable
from services.web.picks.schemas import (
    LinePublic,
    PickCreate,
    PickError,
    PickList,
    PickPublic,
    PickRegradePublic,
)
from services.web.settings import WebSettings

# Which status a refused slip answers with when its picks fail for different reasons: the most basic problem wins,
# so a client fixes malformed picks before it is told about prices.
_STATUS_OF = {
    "selection_not_in_market": 422,
    "point_required": 422,
    "point_not_allowed": 422,
    "stake_out_of_range": 422,
    "stake_not_in_steps": 422,
    "game_not_found": 404,
    "game_started": 409,
    "market_unavailable": 409,
    "line_moved": 409,
    "duplicate_pick": 409,
}
_STATUS_ORDER = (422, 404, 409)


def _static_problem(pick: PickCreate, settings: WebSettings) -> tuple[str, str] | None:
    if not selection_fits_market(pick.market, pick.selection):
        return "selection_not_in_market", f"'{pick.selection}' is not a side of the {pick.market} market."
    if market_has_point(pick.market) and pick.point is None:
        return "point_required", f"A {pick.market} pick needs the point it was offered at."
    if not market_has_point(pick.market) and pick.point is not None:
        return "point_not_allowed", "A moneyline (h2h) pick has no point."
    if not settings.stake_min <= pick.stake <= settings.stake_max:
        return "stake_out_of_range", f"The stake must be between {settings.stake_min} and {settings.stake_max} units."
    if pick.stake % settings.stake_step != 0:
        return "stake_not_in_steps", f"The stake must be a multiple of {settings.stake_step} units."
    return None


def _refuse(errors: list[PickError]) -> DomainError:
    status = next(s for s in _STATUS_ORDER if any(_STATUS_OF[e.code] == s for e in errors))
    codes = {e.code for e in errors}
    code = codes.pop() if len(codes) == 1 else "slip_refused"
    noun = "pick was" if len(errors) == 1 else "picks were"
    return DomainError(
        f"The slip was refused ({len(errors)} {noun} refused); nothing was stored.",
        code=code,
        status_code=status,
        details=[e.model_dump(mode="json") for e in errors],
    )


async def _check_against_database(
    db: DbHandle, *, user: CurrentUserModel, picks: list[PickCreate], pending: dict[int, PickCreate]
) -> list[PickError]:
    game_ids = sorted({p.game_id for p in picks})
    # FOR SHARE: ingestion cannot move a game's start or its line between this check and the insert below.
    games = {
        r["id"]: r["open"]
        for r in await db.fetch(
            "SELECT id, commence_time > clock_timestamp() AS open FROM game WHERE id = ANY($1::bigint[]) "
            "ORDER BY id FOR SHARE",
            game_ids,
        )
    }
    lines = {
        (r["game_id"], r["market"], r["selection"]): r
        for r in await db.fetch(
            "SELECT game_id, market, selection, price, point FROM market_line "
            "WHERE snapshot_kind = 'current' AND game_id = ANY($1::bigint[]) "
            "ORDER BY game_id, market, selection FOR SHARE",
            game_ids,
        )
    }
    taken = {
        (r["game_id"], r["market"])
        for r in await db.fetch(
            "SELECT game_id, market FROM pick WHERE user_id = $1 AND game_id = ANY($2::bigint[])", user.id, game_ids
        )
    }
    errors = []
    for index, pick in pending.items():
        line = lines.get((pick.game_id, pick.market.value, pick.selection.value))
        if pick.game_id not in games:
            errors.append(PickError(index=index, code="game_not_found", message="No such game."))
        elif not games[pick.game_id]:
            errors.append(
                PickError(index=index, code="game_started", message="The game has started; picks on it are closed.")
            )
        elif line is None:
            errors.append(
                PickError(
                    index=index, code="market_unavailable", message=f"No {pick.market} line is on offer for this game."
                )
            )
        elif line["price"] != pick.price or line["point"] != pick.point:
            errors.append(
                PickError(
                    index=index,
                    code="line_moved",
                    message="The line has moved; the current line is attached.",
                    current=LinePublic(
                        market=line["market"], selection=line["selection"], price=line["price"], point=line["point"]
                    ),
                )
            )
        elif (pick.game_id, pick.market.value) in taken:
            errors.append(
                PickError(
                    index=index, code="duplicate_pick", message=f"You already have a {pick.market} pick on this game."
                )
            )
    return errors


async def place_picks(
    *, db: DbHandle, settings: WebSettings, user: CurrentUserModel, picks: list[PickCreate]
) -> list[PickPublic]:
    """Store every pick of the slip at the current line, or refuse the slip with one error per failing pick."""
    if len(picks) > settings.max_picks_per_slip:
        raise Unprocessable(
            f"A slip holds at most {settings.max_picks_per_slip} picks.",
            code="too_many_picks",
            details={"max_picks": settings.max_picks_per_slip, "received": len(picks)},
        )
    errors: list[PickError] = []
    pending: dict[int, PickCreate] = {}
    seen: set[tuple[int, str]] = set()
    for index, pick in enumerate(picks):
        problem = _static_problem(pick, settings)
        if problem is not None:
            errors.append(PickError(index=index, code=problem[0], message=problem[1]))
        elif (pick.game_id, pick.market) in seen:
            errors.append(
                PickError(
                    index=index,
                    code="duplicate_pick",
                    message=f"The slip already has a {pick.market} pick on this game.",
                )
            )
        else:
            pending[index] = pick
        seen.add((pick.game_id, pick.market))

    # Every lock wait is bounded, so a slip held up by an ingest or a recompute answers 503 instead of waiting on.
    async with db.transaction(lock_timeout_ms=settings.pick_lock_timeout_ms):
        stored: set[tuple[int, str]] = set()
        if not errors:
            # Optimistic: the one statement that inserts also checks the lock and the line, so a slip that passes
            # costs a single round trip. A slip that stored fewer picks than it holds is looked at pick by pick below
            # to say why, once what it did store is taken out again (the transaction then rolls back anyway).
            rows = await db.fetch(_PLACE_SQL, user.id, *_columns(picks))
            if len(rows) == len(picks):
                placed = {(r["game_id"], r["market"]): _placed(r) for r in rows}
                return [placed[(p.game_id, p.market.value)] for p in picks]  # in slip order
            stored = {(r["game_id"], r["market"]) for r in rows}
            if rows:
                await db.execute("DELETE FROM pick WHERE id = ANY($1::bigint[])", [r["id"] for r in rows])
        if pending:
            errors += await _check_against_database(db, user=user, picks=picks, pending=pending)
        if errors:
            raise _refuse(sorted(errors, key=lambda e: e.index))
        await _refuse_started_games(db, picks=picks, stored=stored)
        raise Conflict(
            "The board changed while the slip was placed; nothing was stored. Reload and retry.",
            code="slip_changed",
        )


# The lock and the line are checked by the statement that inserts, so a slip that straddles tip-off or a line change
# stores nothing it should not (the caller compares the count). The game and line rows are locked FOR SHARE first, as
# the check below does (an ingest cannot move them until the transaction ends), and only then is the clock read:
# clock_timestamp(), when the row is written, never now() (the transaction's start, which a lock wait can leave before
# tip-off). The answer carries what the response shows, so nothing is read back.
_PLACE_SQL = """
WITH g AS MATERIALIZED (
    SELECT id, commence_time, sport_key, home_team, away_team
    FROM game WHERE id = ANY($2::bigint[])
    ORDER BY id
    FOR SHARE
), ml AS MATERIALIZED (
    SELECT game_id, market, selection, price, point
    FROM market_line WHERE snapshot_kind = 'current' AND game_id = ANY($2::bigint[])
    ORDER BY game_id, market, selection
    FOR SHARE
), placed AS (
    INSERT INTO pick (user_id, game_id, market, selection, point, price, stake, placed_at)
    SELECT $1, u.game_id, u.market, u.selection, u.point, u.price, u.stake, clock_timestamp()
    FROM unnest($2::bigint[], $3::text[], $4::text[], $5::numeric[], $6::int[], $7::numeric[])
         AS u(game_id, market, selection, point, price, stake)
    JOIN g ON g.id = u.game_id AND g.commence_time > clock_timestamp()
    JOIN ml ON ml.game_id = u.game_id AND ml.market = u.market AND ml.selection = u.selection
         AND ml.price = u.price AND ml.point IS NOT DISTINCT FROM u.point
    ON CONFLICT (user_id, game_id, market) DO NOTHING
    RETURNING id, game_id, market, selection, point, price, stake, placed_at
)
SELECT p.*, g.sport_key, g.home_team, g.away_team, g.commence_time
FROM placed p JOIN g ON g.id = p.game_id
"""


def _columns(picks: list[PickCreate]) -> list[list[Any]]:
    return [
        [p.game_id for p in picks],
        [p.market.value for p in picks],
        [p.selection.value for p in picks],
        [p.point for p in picks],
        [p.price for p in picks],
        [p.stake for p in picks],
    ]


def _placed(row: Any) -> PickPublic:
    """A pick just placed: pending, cancellable until its game starts, nothing graded yet."""
    return PickPublic(
        **dict(row),
        status=PickStatus.PENDING,
        cancellable=True,
        result_units=None,
        graded_at=None,
        graded_home_score=None,
        graded_away_score=None,
        closing_point=None,
        closing_price=None,
        closing_line_value=None,
        regrades=[],
    )


async def _refuse_started_games(db: DbHandle, *, picks: list[PickCreate], stored: set[tuple[int, str]]) -> None:
    """Refuse with `game_started` the unstored picks whose game tipped off while the slip waited, if any."""
    missing = {i: p for i, p in enumerate(picks) if (p.game_id, p.market.value) not in stored}
    started = {
        r["id"]
        for r in await db.fetch(
            "SELECT id FROM game WHERE id = ANY($1::bigint[]) AND commence_time <= clock_timestamp()",
            sorted({p.game_id for p in missing.values()}),
        )
    }
    errors = [
        PickError(index=i, code="game_started", message="The game has started; picks on it are closed.")
        for i, p in missing.items()
        if p.game_id in started
    ]
    if errors:
        raise _refuse(errors)


def pick_closing_line_value(
    *, point: Decimal | None, price: int, closing_point: Decimal | None, closing_price: int | None
) -> Decimal | None:
    """Return a pick's closing-line value, or None when it closed at another point (other lines' prices differ)."""
    if closing_price is None or closing_point != point:
        return None
    return closing_line_value(price_taken=price, closing_price=closing_price).quantize(
        Decimal("0.000001"), rounding=ROUND_HALF_UP
    )


def _clv(row: Any) -> Decimal | None:
    return pick_closing_line_value(
        point=row["point"], price=row["price"], closing_point=row["closing_point"], closing_price=row["closing_price"]
    )


async def _list(
    db: DbHandle,
    *,
    user_id: int,
    pick_ids: list[int] | None = None,
    status: PickStatus | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> PickList:
    rows = await db.fetch(
        """
        SELECT p.id, p.game_id, g.sport_key, g.home_team, g.away_team, g.commence_time, p.market, p.selection,
               p.point, p.price, p.stake, p.placed_at, p.status,
               p.status = 'pending' AND g.commence_time > clock_timestamp() AS cancellable,
               p.result_units, p.graded_at, p.graded_home_score, p.graded_away_score, p.closing_point, p.closing_price
        FROM pick p JOIN game g ON g.id = p.game_id
        WHERE p.user_id = $1 AND ($2::bigint[] IS NULL OR p.id = ANY($2)) AND ($3::text IS NULL OR p.status = $3)
        ORDER BY p.placed_at DESC, p.id DESC
        LIMIT $4 OFFSET $5
        """,
        user_id,
        pick_ids,
        status.value if status else None,
        limit,
        offset,
    )
    regrades: dict[int, list[PickRegradePublic]] = defaultdict(list)
    for r in await db.fetch(
        "SELECT pick_id, old_status, new_status, old_result_units, new_result_units, reason, regraded_at "
        "FROM pick_regrade WHERE pick_id = ANY($1::bigint[]) ORDER BY regraded_at, id",
        [r["id"] for r in rows],
    ):
        regrades[r["pick_id"]].append(PickRegradePublic(**{k: v for k, v in r.items() if k != "pick_id"}))
    return PickList(picks=[PickPublic(**dict(r), closing_line_value=_clv(r), regrades=regrades[r["id"]]) for r in rows])


async def list_my_picks(
    *, db: DbHandle, user: CurrentUserModel, status: PickStatus | None, limit: int, offset: int
) -> PickList:
    """List my picks, newest first, optionally of one status, with results and audit fields."""
    return await _list(db, user_id=user.id, status=status, limit=limit, offset=offset)


async def cancel_pick(*, db: DbHandle, settings: WebSettings, user: CurrentUserModel, pick_id: int) -> None:
    """Delete my pending pick while its game has not started (database clock); someone else's pick is a 404."""
    # As for placing: a bounded lock wait, and the clock read by the DELETE itself. A value computed by the locking
    # SELECT would be read before it waited for the locks, so it could still say "open" after tip-off.
    async with db.transaction(lock_timeout_ms=settings.pick_lock_timeout_ms):
        row = await db.fetchrow(
            "SELECT p.status, p.game_id FROM pick p JOIN game g ON g.id = p.game_id "
            "WHERE p.id = $1 AND p.user_id = $2 FOR UPDATE OF p FOR SHARE OF g",
            pick_id,
            user.id,
        )
        if row is None:
            raise NotFound("No such pick.", code="pick_not_found")
        deleted = await db.fetchval(
            "DELETE FROM pick p USING game g WHERE p.id = $1 AND g.id = p.game_id AND p.status = 'pending' "
            "AND g.commence_time > clock_timestamp() RETURNING p.id",
            pick_id,
        )
        if deleted is not None:
            return
        if not await db.fetchval("SELECT commence_time > clock_timestamp() FROM game WHERE id = $1", row["game_id"]):
            raise Conflict("The game has started; the pick can no longer be cancelled.", code="game_started")
        raise Conflict("The pick has been graded; it can no longer be cancelled.", code="pick_graded")
