"""Apply one `GameOddsEvent` to the database: the game, every bookmaker's odds and the consensus line, exactly once.

One transaction per event. The event's id is claimed in `processed_event` (consumer "ingest") in the same transaction as
its effect, so a redelivered message changes nothing. Snapshots may arrive in any order: `current` odds are replaced
only by a snapshot fetched later than the one stored (`game.odds_fetched_at`), and a snapshot fetched before tip-off
also becomes the `closing` line unless a later pre-tip snapshot is already stored. A newer snapshot also carries a
rescheduled `commence_time` into the game. Rows are written set-based, one statement per table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import asyncpg

from contracts.events import EventAction, GameOddsEvent
from contracts.markets import MARKET_SELECTIONS, Market, SnapshotKind
from contracts.odds_math import BookQuote, consensus_quote
from pickvs.db import Connection, transaction
from services.grader.games import bump_data_version, upsert_game

CONSUMER = "ingest"


@dataclass(frozen=True)
class IngestResult:
    """What one event did: `duplicate` (seen before), `applied`, or `stale` (older than what is stored)."""

    game_id: int | None
    action: EventAction
    current_replaced: bool = False
    closing_replaced: bool = False


@dataclass(frozen=True)
class _Rows:
    bookmaker: list[str]
    market: list[str]
    selection: list[str]
    price: list[int]
    point: list[Decimal | None]
    last_update: list[datetime]


def _odds_rows(event: GameOddsEvent) -> _Rows:
    rows = _Rows([], [], [], [], [], [])
    for book in event.bookmakers:
        for quote in book.markets:
            for outcome in quote.outcomes:
                rows.bookmaker.append(book.key)
                rows.market.append(str(quote.market))
                rows.selection.append(str(outcome.selection))
                rows.price.append(outcome.price)
                rows.point.append(outcome.point)
                rows.last_update.append(quote.last_update)
    return rows


def consensus_rows(
    event: GameOddsEvent, *, reference_bookmaker: str
) -> list[tuple[str, str, int, Decimal | None, str, int]]:
    """Return (market, selection, price, point, bookmaker, bookmaker_count) of the consensus line of each market."""
    out: list[tuple[str, str, int, Decimal | None, str, int]] = []
    for market in Market:
        quotes = [
            BookQuote(
                bookmaker=book.key,
                prices={o.selection: o.price for o in quote.outcomes},
                points={o.selection: o.point for o in quote.outcomes},
                last_update=quote.last_update,
            )
            for book in event.bookmakers
            for quote in book.markets
            if quote.market is market
        ]
        chosen = consensus_quote(market, quotes, reference_bookmaker=reference_bookmaker)
        if chosen is None:
            continue
        for selection in MARKET_SELECTIONS[market]:
            out.append(
                (
                    str(market),
                    str(selection),
                    chosen.prices[selection],
                    chosen.points.get(selection),
                    chosen.bookmaker,
                    len(quotes),
                )
            )
    return out


_CLAIM_EVENT_SQL = """
INSERT INTO processed_event (event_id, event_type, consumer) VALUES ($1, $2, $3)
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id
"""

# The row lock serializes every event of this game, so the comparisons that follow cannot race.
_LOCK_GAME_SQL = """
SELECT id, odds_fetched_at,
       (SELECT max(fetched_at) FROM odds o WHERE o.game_id = game.id AND o.snapshot_kind = 'closing')
           AS closing_fetched_at
FROM game WHERE external_id = $1
FOR UPDATE
"""

# Never touches status, scores or void_reason: a final or void game stays so.
_MOVE_GAME_SQL = """
UPDATE game
SET sport_title = $2, home_team = $3, away_team = $4, commence_time = $5, odds_fetched_at = $6, updated_at = now()
WHERE id = $1
"""

_DELETE_ODDS_SQL = "DELETE FROM odds WHERE game_id = $1 AND snapshot_kind = ANY($2::text[])"
_DELETE_LINES_SQL = "DELETE FROM market_line WHERE game_id = $1 AND snapshot_kind = ANY($2::text[])"

_INSERT_ODDS_SQL = """
INSERT INTO odds (game_id, snapshot_kind, bookmaker, market, selection, price, point, last_update, fetched_at)
SELECT $1, k.kind, r.bookmaker, r.market, r.selection, r.price, r.point, r.last_update, $2
FROM unnest($3::text[]) AS k(kind)
CROSS JOIN unnest($4::text[], $5::text[], $6::text[], $7::int[], $8::numeric[], $9::timestamptz[])
    AS r(bookmaker, market, selection, price, point, last_update)
"""

_INSERT_LINES_SQL = """
INSERT INTO market_line (game_id, snapshot_kind, market, selection, price, point, bookmaker, bookmaker_count,
                         fetched_at)
SELECT $1, k.kind, l.market, l.selection, l.price, l.point, l.bookmaker, l.bookmaker_count, $2
FROM unnest($3::text[]) AS k(kind)
CROSS JOIN unnest($4::text[], $5::text[], $6::int[], $7::numeric[], $8::text[], $9::int[])
    AS l(market, selection, price, point, bookmaker, bookmaker_count)
"""


def _snapshot_kinds(event: GameOddsEvent, stored: asyncpg.Record) -> list[SnapshotKind]:
    """Which stored snapshots this event replaces: `current` if it is newer, `closing` if it is a later pre-tip one."""
    newer = stored["odds_fetched_at"] is None or event.fetched_at > stored["odds_fetched_at"]
    # A snapshot without prices tells nothing about the close; only one taken before tip-off can be the close.
    becomes_closing = (
        bool(event.bookmakers)
        and event.fetched_at < event.game.commence_time
        and (stored["closing_fetched_at"] is None or event.fetched_at > stored["closing_fetched_at"])
    )
    return [SnapshotKind.CURRENT] * newer + [SnapshotKind.CLOSING] * becomes_closing


async def _replace_snapshots(
    conn: Connection, game_id: int, event: GameOddsEvent, kinds: list[str], *, reference_bookmaker: str
) -> None:
    """Replace the game's odds and consensus lines of the given snapshot kinds with the event's, set-based."""
    await conn.execute(_DELETE_ODDS_SQL, game_id, kinds)
    await conn.execute(_DELETE_LINES_SQL, game_id, kinds)
    rows = _odds_rows(event)
    await conn.execute(
        _INSERT_ODDS_SQL,
        game_id,
        event.fetched_at,
        kinds,
        rows.bookmaker,
        rows.market,
        rows.selection,
        rows.price,
        rows.point,
        rows.last_update,
    )
    lines = consensus_rows(event, reference_bookmaker=reference_bookmaker)
    columns = [list(column) for column in zip(*lines, strict=True)] if lines else [[] for _ in range(6)]
    await conn.execute(_INSERT_LINES_SQL, game_id, event.fetched_at, kinds, *columns)


async def ingest_game_odds(
    pool: asyncpg.Pool, event: GameOddsEvent, *, reference_bookmaker: str = "draftkings"
) -> IngestResult:
    """Upsert the event's game and, where the snapshot is newer, its odds and consensus lines; once per event id."""
    game = event.game
    async with transaction(pool) as conn:
        if await conn.fetchval(_CLAIM_EVENT_SQL, event.event_id, event.event_type, CONSUMER) is None:
            return IngestResult(None, EventAction.DUPLICATE)
        await upsert_game(conn, game)
        stored = await conn.fetchrow(_LOCK_GAME_SQL, game.external_id)
        assert stored is not None  # upserted just above
        game_id: int = stored["id"]
        kinds = _snapshot_kinds(event, stored)
        if not kinds:
            return IngestResult(game_id, EventAction.STALE)
        newer = SnapshotKind.CURRENT in kinds
        if newer:
            await conn.execute(
                _MOVE_GAME_SQL,
                game_id,
                game.sport_title,
                game.home_team,
                game.away_team,
                game.commence_time,
                event.fetched_at,
            )
        await _replace_snapshots(
            conn, game_id, event, [str(kind) for kind in kinds], reference_bookmaker=reference_bookmaker
        )
        await bump_data_version(conn, "board")
        return IngestResult(
            game_id, EventAction.APPLIED, current_replaced=newer, closing_replaced=SnapshotKind.CLOSING in kinds
        )
