"""The normalizer: raw Odds API JSON → contracts events, all three markets with their points, exact decimals."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from contracts.markets import Market, Selection
from services.fetcher.normalize import (
    NormalizationError,
    final_result,
    normalize_events,
    normalize_odds,
    normalize_scores,
)

FETCHED = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)

# Shaped like GET /v4/sports/basketball_nba/odds?markets=h2h,spreads,totals&oddsFormat=american&dateFormat=iso
RAW_ODDS = """
[{"id": "e912304de2b2ce35b473ce2ecd3d1502", "sport_key": "basketball_nba", "sport_title": "NBA",
  "commence_time": "2026-11-26T00:10:00Z", "home_team": "Boston Celtics", "away_team": "New York Knicks",
  "bookmakers": [
    {"key": "draftkings", "title": "DraftKings", "last_update": "2026-11-25T14:51:10Z", "markets": [
      {"key": "h2h", "last_update": "2026-11-25T14:51:10Z", "outcomes": [
        {"name": "Boston Celtics", "price": -240}, {"name": "New York Knicks", "price": 198}]},
      {"key": "spreads", "last_update": "2026-11-25T14:51:10Z", "outcomes": [
        {"name": "Boston Celtics", "price": -110, "point": -6.5}, {"name": "New York Knicks", "price": -110, "point": 6.5}]},
      {"key": "totals", "last_update": "2026-11-25T14:50:00Z", "outcomes": [
        {"name": "Over", "price": -112, "point": 221.5}, {"name": "Under", "price": -108, "point": 221.5}]}]},
    {"key": "fanduel", "title": "FanDuel", "last_update": "2026-11-25T14:40:00Z", "markets": [
      {"key": "h2h_lay", "outcomes": [{"name": "Boston Celtics", "price": -250}, {"name": "New York Knicks", "price": 200}]},
      {"key": "spreads", "last_update": "2026-11-25T14:40:00Z", "outcomes": [
        {"name": "Boston Celtics", "price": -105, "point": -7}, {"name": "Golden State Warriors", "price": -115, "point": 7}]},
      {"key": "totals", "last_update": "2026-11-25T14:40:00Z", "outcomes": [
        {"name": "Over", "price": 100, "point": 222}, {"name": "Under", "price": -120, "point": 222}]}]}
  ]}]
"""


def test_all_three_markets_are_normalized_with_sides_prices_and_points() -> None:
    # GIVEN a raw /odds response parsed with exact decimals, as the client does
    raw = json.loads(RAW_ODDS, parse_float=Decimal)
    # WHEN it is normalized
    result = normalize_odds(raw, fetched_at=FETCHED)
    # THEN the game is identified and DraftKings' three markets map to home/away and over/under with their points
    (event,) = result.items
    assert event.game.external_id == "e912304de2b2ce35b473ce2ecd3d1502"
    assert (event.game.home_team, event.game.away_team) == ("Boston Celtics", "New York Knicks")
    assert event.game.commence_time == datetime(2026, 11, 26, 0, 10, tzinfo=UTC)
    assert event.fetched_at == FETCHED
    dk = event.bookmakers[0]
    quotes = {q.market: q for q in dk.markets}
    assert [(o.selection, o.price, o.point) for o in quotes[Market.H2H].outcomes] == [
        (Selection.HOME, -240, None),
        (Selection.AWAY, 198, None),
    ]
    assert [(o.selection, o.price, o.point) for o in quotes[Market.SPREADS].outcomes] == [
        (Selection.HOME, -110, Decimal("-6.5")),
        (Selection.AWAY, -110, Decimal("6.5")),
    ]
    assert [(o.selection, o.price, o.point) for o in quotes[Market.TOTALS].outcomes] == [
        (Selection.OVER, -112, Decimal("221.5")),
        (Selection.UNDER, -108, Decimal("221.5")),
    ]
    assert quotes[Market.TOTALS].last_update == datetime(2026, 11, 25, 14, 50, tzinfo=UTC)


def test_a_bad_market_is_dropped_and_named_while_the_rest_of_the_bookmaker_is_kept() -> None:
    result = normalize_odds(json.loads(RAW_ODDS), fetched_at=FETCHED)
    fanduel = result.items[0].bookmakers[1]
    # spreads names a team not in the game: dropped; totals kept; h2h_lay is not a market we use
    assert [q.market for q in fanduel.markets] == [Market.TOTALS]
    assert fanduel.markets[0].outcomes[0].point == Decimal("222")
    assert result.problems == [
        "e912304de2b2ce35b473ce2ecd3d1502/fanduel/spreads: dropped: "
        "outcome 'Golden State Warriors' is not a side of spreads"
    ]


def test_points_read_from_floats_keep_the_decimal_the_api_sent() -> None:
    result = normalize_odds(json.loads(RAW_ODDS), fetched_at=FETCHED)
    spreads = result.items[0].bookmakers[0].markets[1]
    assert spreads.outcomes[0].point == Decimal("-6.5")


def test_only_the_requested_markets_are_kept() -> None:
    result = normalize_odds(json.loads(RAW_ODDS), fetched_at=FETCHED, markets=[Market.H2H])
    assert [[q.market for q in b.markets] for b in result.items[0].bookmakers] == [[Market.H2H]]


def test_a_response_that_is_not_a_list_is_refused() -> None:
    with pytest.raises(NormalizationError, match="list of games"):
        normalize_odds({"message": "oops"}, fetched_at=FETCHED)


def test_a_game_without_teams_is_dropped_and_named() -> None:
    result = normalize_events([{"id": "x", "sport_key": "basketball_nba", "commence_time": "2026-11-26T00:10:00Z"}])
    assert result.items == [] and result.problems == ["game dropped: game without 'home_team'"]


def test_scores_arrive_as_strings_keyed_by_team_and_become_a_final_result() -> None:
    raw = [
        {
            "id": "g1",
            "sport_key": "basketball_nba",
            "sport_title": "NBA",
            "commence_time": "2026-11-25T00:10:00Z",
            "completed": True,
            "home_team": "Boston Celtics",
            "away_team": "New York Knicks",
            "scores": [{"name": "New York Knicks", "score": "101"}, {"name": "Boston Celtics", "score": "110"}],
            "last_update": "2026-11-25T02:40:00Z",
        },
        {
            "id": "g2",
            "sport_key": "basketball_nba",
            "commence_time": "2026-11-26T00:10:00Z",
            "completed": False,
            "home_team": "Utah Jazz",
            "away_team": "Miami Heat",
            "scores": None,
            "last_update": None,
        },
    ]
    lines = normalize_scores(raw).items
    assert [(line.completed, line.home_score, line.away_score) for line in lines] == [
        (True, 110, 101),
        (False, None, None),
    ]
    event = final_result(lines[0])
    assert (event.outcome, event.home_score, event.away_score) == ("final", 110, 101)
    assert event.last_update == datetime(2026, 11, 25, 2, 40, tzinfo=UTC)
