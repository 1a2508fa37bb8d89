"""The event contracts: deterministic ids, strict parsing, and committed JSON Schemas that match the models."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from contracts.events import (
    BookmakerOdds,
    GameInfo,
    GameOddsEvent,
    GameResultEvent,
    MarketQuote,
    OutcomePrice,
    event_json_schemas,
    parse_game_odds_event,
    parse_game_result_event,
)
from contracts.markets import Market, Selection
from pickvs.settings import PROJECT_ROOT

TIP = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)
GAME = GameInfo(
    external_id="e1",
    sport_key="basketball_nba",
    sport_title="NBA",
    home_team="Boston Celtics",
    away_team="New York Knicks",
    commence_time=TIP,
)


def _odds_event(fetched_at: datetime, home_price: int = -150) -> GameOddsEvent:
    seen = TIP - timedelta(hours=6)
    return GameOddsEvent(
        game=GAME,
        fetched_at=fetched_at,
        bookmakers=(
            BookmakerOdds(
                key="draftkings",
                title="DraftKings",
                last_update=seen,
                markets=(
                    MarketQuote(
                        market=Market.H2H,
                        last_update=seen,
                        outcomes=(
                            OutcomePrice(selection=Selection.HOME, price=home_price),
                            OutcomePrice(selection=Selection.AWAY, price=130),
                        ),
                    ),
                    MarketQuote(
                        market=Market.SPREADS,
                        last_update=seen,
                        outcomes=(
                            OutcomePrice(selection=Selection.HOME, price=-110, point=Decimal("-3.5")),
                            OutcomePrice(selection=Selection.AWAY, price=-110, point=Decimal("3.5")),
                        ),
                    ),
                    MarketQuote(
                        market=Market.TOTALS,
                        last_update=seen,
                        outcomes=(
                            OutcomePrice(selection=Selection.OVER, price=-105, point=Decimal("221.5")),
                            OutcomePrice(selection=Selection.UNDER, price=-115, point=Decimal("221.5")),
                        ),
                    ),
                ),
            ),
        ),
    )


def test_the_same_prices_fetched_twice_have_the_same_event_id() -> None:
    first = _odds_event(TIP - timedelta(hours=8))
    again = _odds_event(TIP - timedelta(hours=7))
    assert first.event_id == again.event_id
    assert first.event_id != _odds_event(TIP - timedelta(hours=8), home_price=-160).event_id


def test_a_score_correction_is_a_new_event_and_a_repeat_is_not() -> None:
    final = GameResultEvent(game=GAME, outcome="final", home_score=101, away_score=99, last_update=TIP)
    repeat = GameResultEvent(
        game=GAME, outcome="final", home_score=101, away_score=99, last_update=TIP + timedelta(minutes=5)
    )
    corrected = GameResultEvent(game=GAME, outcome="final", home_score=101, away_score=100, last_update=TIP)
    assert final.event_id == repeat.event_id != corrected.event_id


def test_events_round_trip_through_json() -> None:
    odds = _odds_event(TIP - timedelta(hours=8))
    assert parse_game_odds_event(odds.model_dump_json()) == odds
    result = GameResultEvent(game=GAME, outcome="void", reason="postponed")
    assert parse_game_result_event(result.model_dump_json()) == result


def test_a_tampered_event_id_is_refused() -> None:
    body = json.loads(GameResultEvent(game=GAME, outcome="final", home_score=1, away_score=2).model_dump_json())
    body["home_score"] = 3
    with pytest.raises(ValidationError, match="event_id"):
        parse_game_result_event(json.dumps(body))


@pytest.mark.parametrize(
    "change",
    [
        {"outcome": "final", "home_score": None},
        {"outcome": "maybe"},
        {"schema_version": 2},
        {"unexpected": 1},
    ],
)
def test_malformed_results_are_refused(change: dict) -> None:
    body = {"game": GAME.model_dump(mode="json"), "outcome": "final", "home_score": 1, "away_score": 2, **change}
    with pytest.raises(ValidationError):
        parse_game_result_event(json.dumps(body))


def test_a_quote_must_price_both_sides_of_its_own_market() -> None:
    with pytest.raises(ValidationError):
        MarketQuote(
            market=Market.TOTALS,
            last_update=TIP,
            outcomes=(
                OutcomePrice(selection=Selection.HOME, price=-110, point=Decimal("220")),
                OutcomePrice(selection=Selection.UNDER, price=-110, point=Decimal("220")),
            ),
        )
    with pytest.raises(ValidationError):
        MarketQuote(
            market=Market.H2H,
            last_update=TIP,
            outcomes=(
                OutcomePrice(selection=Selection.HOME, price=-110, point=Decimal("1")),
                OutcomePrice(selection=Selection.AWAY, price=-110),
            ),
        )
    with pytest.raises(ValidationError):
        OutcomePrice(selection=Selection.HOME, price=50)


def test_the_committed_json_schemas_match_the_models() -> None:
    # `pickvs contracts export` regenerates them; a stale file means a consumer outside Python sees the wrong contract.
    for name, schema in event_json_schemas().items():
        committed = json.loads((PROJECT_ROOT / "contracts" / "jsonschema" / name).read_text())
        assert committed == schema, f"contracts/jsonschema/{name} is stale: run `pickvs contracts export`"
