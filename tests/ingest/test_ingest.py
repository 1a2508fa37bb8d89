"""The ingest consumer: idempotent upserts, newer snapshots win whatever the delivery order, rescheduled games move,
and the last snapshot before tip-off is kept as the closing line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.events import BookmakerOdds, GameInfo, GameOddsEvent, MarketQuote, OutcomePrice
from contracts.markets import Market, Selection
from pickvs.runner import LambdaContext
from services.grader.ingest import ingest_game_odds
from services.grader.ingest_handler import handle
from tests.conftest import truncate_all

TIP = datetime(2026, 11, 26, 0, 30, tzinfo=UTC)
GAME = GameInfo(
    external_id="ev-1",
    sport_key="basketball_nba",
    sport_title="NBA",
    home_team="Boston Celtics",
    away_team="New York Knicks",
    commence_time=TIP,
)


def _book(key: str, *, home: int, spread: str, total: str, at: datetime) -> BookmakerOdds:
    away = -home if abs(home) >= 100 else 100
    point = Decimal(spread)
    return BookmakerOdds(
        key=key,
        title=key.title(),
        last_update=at,
        markets=(
            MarketQuote(
                market=Market.H2H,
                last_update=at,
                outcomes=(
                    OutcomePrice(selection=Selection.HOME, price=home),
                    OutcomePrice(selection=Selection.AWAY, price=away),
                ),
            ),
            MarketQuote(
                market=Market.SPREADS,
                last_update=at,
                outcomes=(
                    OutcomePrice(selection=Selection.HOME, price=-110, point=point),
                    OutcomePrice(selection=Selection.AWAY, price=-110, point=-point),
                ),
            ),
            MarketQuote(
                market=Market.TOTALS,
                last_update=at,
                outcomes=(
                    OutcomePrice(selection=Selection.OVER, price=-110, point=Decimal(total)),
                    OutcomePrice(selection=Selection.UNDER, price=-110, point=Decimal(total)),
                ),
            ),
        ),
    )


def snapshot(fetched_at: datetime, *, spread: str = "-6.5", game: GameInfo = GAME) -> GameOddsEvent:
    """Three books; the spread moves with `spread` so different snapshots are different facts."""
    at = fetched_at - timedelta(minutes=5)
    return GameOddsEvent(
        game=game,
        fetched_at=fetched_at,
        bookmakers=(
            _book("draftkings", home=-240, spread=spread, total="221.5", at=at),
            _book("fanduel", home=-250, spread=str(Decimal(spread) - Decimal("0.5")), total="222", at=at),
            _book("betmgm", home=-230, spread=str(Decimal(spread) + Decimal("0.5")), total="221", at=at),
        ),
    )


async def _lines(db: asyncpg.Pool, kind: str) -> dict[tuple[str, str], tuple[int, Decimal | None, str, int]]:
    rows = await db.fetch(
        "SELECT market, selection, price, point, bookmaker, bookmaker_count, fetched_at "
        "FROM market_line WHERE snapshot_kind = $1",
        kind,
    )
    return {(r["market"], r["selection"]): (r["price"], r["point"], r["bookmaker"], r["bookmaker_count"]) for r in rows}


async def _odds_fetched(db: asyncpg.Pool, kind: str) -> set[datetime]:
    return {
        r["fetched_at"] for r in await db.fetch("SELECT DISTINCT fetched_at FROM odds WHERE snapshot_kind = $1", kind)
    }


async def test_a_snapshot_fills_game_odds_and_the_consensus_line(db: asyncpg.Pool) -> None:
    # WHEN a pre-tip snapshot of three books is ingested
    fetched = TIP - timedelta(hours=9)
    result = await ingest_game_odds(db, snapshot(fetched))
    # THEN the game exists, every book's 6 prices are stored as current and closing, and the line is the median book's
    assert result.action == "applied" and result.current_replaced and result.closing_replaced
    game = await db.fetchrow("SELECT * FROM game")
    assert (game["external_id"], game["commence_time"], game["status"], game["odds_fetched_at"]) == (
        "ev-1",
        TIP,
        "scheduled",
        fetched,
    )
    assert await db.fetchval("SELECT count(*) FROM odds WHERE snapshot_kind = 'current'") == 3 * 6
    current = await _lines(db, "current")
    assert current[("spreads", "home")] == (-110, Decimal("-6.50"), "draftkings", 3)
    assert current[("spreads", "away")] == (-110, Decimal("6.50"), "draftkings", 3)
    assert current[("totals", "over")] == (-110, Decimal("221.50"), "draftkings", 3)
    assert current[("h2h", "home")] == (-240, None, "draftkings", 3)
    assert await _lines(db, "closing") == current
    assert await db.fetchval("SELECT version FROM data_version WHERE scope = 'board'") == 1


async def test_the_same_event_twice_changes_nothing(db: asyncpg.Pool) -> None:
    event = snapshot(TIP - timedelta(hours=9))
    await ingest_game_odds(db, event)
    before = [tuple(r) for r in await db.fetch("SELECT * FROM odds ORDER BY id")]
    assert (await ingest_game_odds(db, event)).action == "duplicate"
    assert [tuple(r) for r in await db.fetch("SELECT * FROM odds ORDER BY id")] == before
    assert await db.fetchval("SELECT count(*) FROM processed_event WHERE consumer = 'ingest'") == 1
    assert await db.fetchval("SELECT version FROM data_version WHERE scope = 'board'") == 1


async def test_an_older_snapshot_delivered_late_does_not_overwrite_a_newer_one(db: asyncpg.Pool) -> None:
    # GIVEN the 15:00 snapshot (spread -7.5) was ingested first
    newer, older = TIP - timedelta(hours=2), TIP - timedelta(hours=9)
    await ingest_game_odds(db, snapshot(newer, spread="-7.5"))
    # WHEN the 09:00 snapshot (spread -6.5) arrives afterwards
    result = await ingest_game_odds(db, snapshot(older, spread="-6.5"))
    # THEN nothing changes: current and closing stay the newer snapshot
    assert result.action == "stale"
    assert await db.fetchval("SELECT odds_fetched_at FROM game") == newer
    assert await _odds_fetched(db, "current") == {newer} == await _odds_fetched(db, "closing")
    assert (await _lines(db, "current"))[("spreads", "home")][1] == Decimal("-7.50")


async def test_the_last_snapshot_before_tip_off_is_kept_as_the_closing_line(db: asyncpg.Pool) -> None:
    # GIVEN two pre-tip snapshots and one taken after tip-off, delivered out of order
    early, late, after = TIP - timedelta(hours=9), TIP - timedelta(minutes=20), TIP + timedelta(minutes=5)
    await ingest_game_odds(db, snapshot(after, spread="-8"))
    await ingest_game_odds(db, snapshot(early, spread="-6.5"))
    await ingest_game_odds(db, snapshot(late, spread="-7.5"))
    # THEN current is the newest, closing is the last one before tip-off
    assert await _odds_fetched(db, "current") == {after}
    assert await _odds_fetched(db, "closing") == {late}
    assert (await _lines(db, "closing"))[("spreads", "home")][1] == Decimal("-7.50")
    assert (await _lines(db, "current"))[("spreads", "home")][1] == Decimal("-8.00")


async def test_a_rescheduled_game_gets_its_new_commence_time(db: asyncpg.Pool) -> None:
    await ingest_game_odds(db, snapshot(TIP - timedelta(hours=9)))
    moved = GAME.model_copy(update={"commence_time": TIP + timedelta(days=1)})
    await ingest_game_odds(db, snapshot(TIP - timedelta(hours=2), game=moved))
    assert await db.fetchval("SELECT commence_time FROM game") == TIP + timedelta(days=1)
    assert await db.fetchval("SELECT count(*) FROM game") == 1


async def test_a_final_game_stays_final_when_odds_arrive_late(db: asyncpg.Pool) -> None:
    await ingest_game_odds(db, snapshot(TIP - timedelta(hours=9)))
    await db.execute("UPDATE game SET status = 'final', home_score = 110, away_score = 101, completed_at = now()")
    await ingest_game_odds(db, snapshot(TIP - timedelta(hours=1), spread="-7"))
    assert await db.fetchval("SELECT status FROM game") == "final"


def _record(message_id: str, body: str, receive_count: int = 1) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": f"AQEB{message_id}==",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": "1764082800000",
            "SenderId": "AIDAEXAMPLE",
            "ApproximateFirstReceiveTimestamp": "1764082800001",
        },
        "messageAttributes": {
            "event_type": {
                "stringValue": "game_odds",
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": "String",
            }
        },
        "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:000000000000:game-events",
        "awsRegion": "us-east-1",
    }


async def test_the_handler_applies_good_records_and_reports_only_the_bad_one(db: asyncpg.Pool) -> None:
    # GIVEN an SQS batch as Lambda delivers it: a good event, an unparseable body, and a redelivered duplicate
    good = snapshot(TIP - timedelta(hours=9)).model_dump_json()
    event = {
        "Records": [
            _record("m-1", good),
            _record("m-2", json.dumps({"event_type": "game_odds"})),
            _record("m-3", good, receive_count=2),
        ]
    }
    # WHEN the handler runs
    response = await handle(event, LambdaContext("ingest"))
    # THEN only the bad record is retried; the duplicate is a success that changes nothing
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-2"}]}
    assert await db.fetchval("SELECT count(*) FROM game") == 1
    assert await db.fetchval("SELECT count(*) FROM odds WHERE snapshot_kind = 'current'") == 18


async def _state(db: asyncpg.Pool) -> tuple:
    game = await db.fetchrow("SELECT commence_time, odds_fetched_at FROM game")
    odds = await db.fetch(
        "SELECT snapshot_kind, bookmaker, market, selection, price, point, fetched_at FROM odds ORDER BY 1, 2, 3, 4"
    )
    lines = await db.fetch(
        "SELECT snapshot_kind, market, selection, price, point, bookmaker, fetched_at FROM market_line ORDER BY 1, 2, 3"
    )
    return tuple(game), [tuple(r) for r in odds], [tuple(r) for r in lines]


_HOURS_BEFORE_TIP = [9, 5, 2, 0.25, -0.1]  # the last one was taken after tip-off
_SPREADS = ["-6.5", "-7", "-7.5", "-6", "-8"]


@given(
    order=st.permutations(range(5)).flatmap(
        lambda p: st.lists(st.sampled_from(p), min_size=0, max_size=3).map(lambda extra: list(p) + extra)
    )
)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_any_delivery_order_with_duplicates_ends_in_the_same_state(db: asyncpg.Pool, order: list[int]) -> None:
    # GIVEN five snapshots of one game (four before tip-off, one after)
    snapshots = [snapshot(TIP - timedelta(hours=h), spread=s) for h, s in zip(_HOURS_BEFORE_TIP, _SPREADS, strict=True)]
    # WHEN they are delivered in order
    await truncate_all(db)
    for event in snapshots:
        await ingest_game_odds(db, event)
    expected = await _state(db)
    # AND, from scratch, shuffled with redeliveries
    await truncate_all(db)
    for index in order:
        await ingest_game_odds(db, snapshots[index])
    # THEN the stored game, odds and lines are the same: current is the newest, closing the last before tip-off
    assert await _state(db) == expected
    assert {row[0]: row[6] for row in expected[1]} == {
        "current": TIP + timedelta(hours=0.1),
        "closing": TIP - timedelta(hours=0.25),
    }
