"""The one place raw Odds API JSON becomes `contracts` models.

Team names become home/away selections, "Over"/"Under" become over/under, spreads and totals keep their `point`, and
every bookmaker's prices are kept. What cannot be trusted is dropped piece by piece (a market, a bookmaker, a game) and
named in `problems`, so one odd bookmaker never costs the whole snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from pydantic import ValidationError

from contracts.events import BookmakerOdds, GameInfo, GameOddsEvent, GameResultEvent, MarketQuote, OutcomePrice
from contracts.markets import GameStatus, Market, Selection, market_has_point

T = TypeVar("T")


class NormalizationError(ValueError):
    """A piece of the response does not have the shape The Odds API documents."""


@dataclass
class Normalized(Generic[T]):
    """What could be normalized, and a line for each piece that was dropped."""

    items: list[T] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ScoreLine:
    """One game of a /scores response."""

    game: GameInfo
    completed: bool
    home_score: int | None
    away_score: int | None
    last_update: datetime | None


def parse_json(text: str) -> Any:
    """Parse a response body with fractions as exact Decimals (a point of -6.5 never passes through a float)."""
    try:
        return json.loads(text, parse_float=Decimal)
    except ValueError:
        raise NormalizationError(f"the body is not JSON: {text[:80]!r}") from None


def parse_time(value: Any) -> datetime:
    """Parse an ISO-8601 timestamp (as sent with dateFormat=iso) into an aware UTC datetime."""
    if not isinstance(value, str):
        raise NormalizationError(f"expected an ISO timestamp, got {value!r}")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise NormalizationError(f"not an ISO timestamp: {value!r}") from None
    if moment.tzinfo is None:
        raise NormalizationError(f"timestamp without a timezone: {value!r}")
    return moment.astimezone(UTC)


def game_info(raw: Any) -> GameInfo:
    """Build the game's identity from an /events, /odds or /scores entry."""
    if not isinstance(raw, dict):
        raise NormalizationError(f"expected a game object, got {type(raw).__name__}")
    try:
        return GameInfo(
            external_id=raw["id"],
            sport_key=raw["sport_key"],
            sport_title=raw.get("sport_title"),
            home_team=raw["home_team"],
            away_team=raw["away_team"],
            commence_time=parse_time(raw["commence_time"]),
        )
    except KeyError as exc:
        raise NormalizationError(f"game without {exc.args[0]!r}") from None
    except ValidationError as exc:
        raise NormalizationError(f"game {raw.get('id')!r}: {exc.errors()[0]['msg']}") from None


def _selection(market: Market, name: Any, game: GameInfo) -> Selection:
    if market is Market.TOTALS:
        lowered = str(name).strip().lower()
        if lowered in ("over", "under"):
            return Selection(lowered)
    elif name == game.home_team:
        return Selection.HOME
    elif name == game.away_team:
        return Selection.AWAY
    raise NormalizationError(f"outcome {name!r} is not a side of {market}")


def _price(value: Any) -> int:
    # American prices are whole numbers; a float that is not one means decimal odds were sent by mistake.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal) or value != int(value):
        raise NormalizationError(f"not an American price: {value!r}")
    return int(value)


def _point(value: Any) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise NormalizationError(f"missing or invalid point: {value!r}")
    try:
        # str() first: a float's repr is the short decimal the API sent (-6.5), not its binary expansion.
        return Decimal(str(value))
    except InvalidOperation:
        raise NormalizationError(f"invalid point: {value!r}") from None


def _market_quote(raw: dict[str, Any], market: Market, game: GameInfo, fallback_update: datetime) -> MarketQuote:
    outcomes = raw.get("outcomes")
    if not isinstance(outcomes, list):
        raise NormalizationError(f"{market} without outcomes")
    prices = [
        OutcomePrice(
            selection=_selection(market, outcome.get("name"), game),
            price=_price(outcome.get("price")),
            point=_point(outcome.get("point")) if market_has_point(market) else None,
        )
        for outcome in outcomes
    ]
    last_update = parse_time(raw["last_update"]) if raw.get("last_update") else fallback_update
    try:
        return MarketQuote(market=market, last_update=last_update, outcomes=tuple(prices))
    except ValidationError as exc:
        raise NormalizationError(f"{market}: {exc.errors()[0]['msg']}") from None


def _bookmaker(raw: Any, game: GameInfo, wanted: set[Market], problems: list[str]) -> BookmakerOdds | None:
    key = raw.get("key") if isinstance(raw, dict) else None
    if not key:
        problems.append(f"{game.external_id}: a bookmaker without a key was dropped")
        return None
    try:
        updated = parse_time(raw.get("last_update"))
    except NormalizationError as exc:
        problems.append(f"{game.external_id}/{key}: dropped: {exc}")
        return None
    quotes: dict[Market, MarketQuote] = {}
    for raw_market in raw.get("markets") or []:
        try:
            market = Market(raw_market.get("key"))
        except ValueError:
            continue  # a market we did not ask for (h2h_lay, alternate lines…) is simply not ours
        if market not in wanted or market in quotes:
            continue
        try:
            quotes[market] = _market_quote(raw_market, market, game, updated)
        except (NormalizationError, ValueError, AttributeError) as exc:
            problems.append(f"{game.external_id}/{key}/{market}: dropped: {exc}")
    if not quotes:
        return None
    ordered = tuple(quotes[m] for m in Market if m in quotes)
    return BookmakerOdds(key=key, title=raw.get("title"), last_update=updated, markets=ordered)


def normalize_odds(
    raw: Any, *, fetched_at: datetime, markets: Iterable[Market] = tuple(Market)
) -> Normalized[GameOddsEvent]:
    """Turn an /odds response into one `GameOddsEvent` per game, keeping every usable bookmaker price."""
    if not isinstance(raw, list):
        raise NormalizationError(f"an /odds response is a list of games, got {type(raw).__name__}")
    wanted = set(markets)
    result: Normalized[GameOddsEvent] = Normalized()
    for raw_game in raw:
        try:
            game = game_info(raw_game)
        except NormalizationError as exc:
            result.problems.append(f"game dropped: {exc}")
            continue
        books: dict[str, BookmakerOdds] = {}
        for raw_book in raw_game.get("bookmakers") or []:
            book = _bookmaker(raw_book, game, wanted, result.problems)
            if book is not None and book.key not in books:
                books[book.key] = book
        result.items.append(GameOddsEvent(game=game, fetched_at=fetched_at, bookmakers=tuple(books.values())))
    return result


def normalize_events(raw: Any) -> Normalized[GameInfo]:
    """Turn an /events response into game identities."""
    if not isinstance(raw, list):
        raise NormalizationError(f"an /events response is a list of games, got {type(raw).__name__}")
    result: Normalized[GameInfo] = Normalized()
    for raw_game in raw:
        try:
            result.items.append(game_info(raw_game))
        except NormalizationError as exc:
            result.problems.append(f"game dropped: {exc}")
    return result


def _score(raw_scores: Any, team: str) -> int | None:
    for entry in raw_scores or []:
        if isinstance(entry, dict) and entry.get("name") == team:
            try:
                return int(str(entry.get("score")))
            except ValueError:
                raise NormalizationError(f"score of {team!r} is not a whole number: {entry.get('score')!r}") from None
    return None


def normalize_scores(raw: Any) -> Normalized[ScoreLine]:
    """Turn a /scores response into score lines (scores arrive as strings keyed by team name)."""
    if not isinstance(raw, list):
        raise NormalizationError(f"a /scores response is a list of games, got {type(raw).__name__}")
    result: Normalized[ScoreLine] = Normalized()
    for raw_game in raw:
        try:
            game = game_info(raw_game)
            completed = raw_game.get("completed") is True
            home, away = _score(raw_game.get("scores"), game.home_team), _score(raw_game.get("scores"), game.away_team)
            if completed and (home is None or away is None):
                raise NormalizationError(f"game {game.external_id} is completed without both scores")
            updated = parse_time(raw_game["last_update"]) if raw_game.get("last_update") else None
            result.items.append(ScoreLine(game, completed, home, away, updated))
        except NormalizationError as exc:
            result.problems.append(f"score dropped: {exc}")
    return result


def final_result(line: ScoreLine) -> GameResultEvent:
    """Build the final-result event of a completed game."""
    if not line.completed or line.home_score is None or line.away_score is None:
        raise ValueError(f"game {line.game.external_id} is not completed")
    return GameResultEvent(
        game=line.game,
        outcome=GameStatus.FINAL,
        home_score=line.home_score,
        away_score=line.away_score,
        last_update=line.last_update,
    )


def void_result(game: GameInfo, *, reason: str) -> GameResultEvent:
    """Build the void event of a game that will not be completed (postponed or cancelled)."""
    return GameResultEvent(game=game, outcome=GameStatus.VOID, reason=reason[:200])
