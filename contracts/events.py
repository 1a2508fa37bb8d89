"""Events that cross SQS: the normalized game-with-odds snapshot and the game result.

Each event carries a schema version and a deterministic `event_id` derived from its content, so the same fact published
twice (a retried fetch, an SQS redelivery) has the same id and consumers can make its effect happen once.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from contracts.markets import GameStatus, Market, Selection, market_has_point, selection_fits_market

SCHEMA_VERSION: Literal[1] = 1

AmericanPrice = Annotated[int, Field(description="American odds: <= -100 or >= 100")]
Point = Annotated[Decimal, Field(max_digits=6, decimal_places=2)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GameInfo(_Frozen):
    """What identifies a game, as The Odds API describes it."""

    external_id: str = Field(min_length=1, max_length=64, description="The Odds API event id")
    sport_key: str = Field(min_length=1, max_length=64)
    sport_title: str | None = None
    home_team: str = Field(min_length=1, max_length=128)
    away_team: str = Field(min_length=1, max_length=128)
    commence_time: AwareDatetime

    @model_validator(mode="after")
    def _teams_differ(self) -> GameInfo:
        if self.home_team == self.away_team:
            raise ValueError("home_team and away_team must differ")
        return self


class OutcomePrice(_Frozen):
    """One side of one market at one bookmaker."""

    selection: Selection
    price: AmericanPrice
    point: Point | None = None

    @model_validator(mode="after")
    def _price_is_american(self) -> OutcomePrice:
        if -100 < self.price < 100:
            raise ValueError(f"American price must be <= -100 or >= 100, got {self.price}")
        return self


class MarketQuote(_Frozen):
    """A bookmaker's two prices for one market."""

    market: Market
    last_update: AwareDatetime
    outcomes: tuple[OutcomePrice, ...] = Field(min_length=2, max_length=2)

    @model_validator(mode="after")
    def _outcomes_fit_market(self) -> MarketQuote:
        selections = {outcome.selection for outcome in self.outcomes}
        if len(selections) != 2 or not all(selection_fits_market(self.market, s) for s in selections):
            raise ValueError(f"{self.market} needs one price for each of its two sides, got {sorted(selections)}")
        for outcome in self.outcomes:
            if market_has_point(self.market) != (outcome.point is not None):
                raise ValueError(
                    f"{self.market} {outcome.selection}: point must be "
                    f"{'set' if market_has_point(self.market) else 'absent'}"
                )
        return self

    def outcome(self, selection: Selection) -> OutcomePrice:
        """Return the price of one side."""
        return next(o for o in self.outcomes if o.selection == selection)


class BookmakerOdds(_Frozen):
    """Everything one bookmaker quoted for a game in one snapshot."""

    key: str = Field(min_length=1, max_length=64)
    title: str | None = None
    last_update: AwareDatetime
    markets: tuple[MarketQuote, ...]


def _content_id(kind: str, payload: dict[str, Any]) -> str:
    canonical = json.dumps({"kind": kind, **payload}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class _Event(_Frozen):
    schema_version: Literal[1] = SCHEMA_VERSION
    event_id: str = Field(default="", description="sha256 of the event's content; filled in when empty")

    def _identity(self) -> dict[str, Any]:
        raise NotImplementedError

    @model_validator(mode="after")
    def _fill_event_id(self) -> _Event:
        expected = _content_id(self.event_type, self._identity())  # type: ignore[attr-defined]
        if not self.event_id:
            object.__setattr__(self, "event_id", expected)
        elif self.event_id != expected:
            raise ValueError("event_id does not match the event's content")
        return self


class GameOddsEvent(_Event):
    """A game and every bookmaker's odds for it, as fetched at `fetched_at`."""

    event_type: Literal["game_odds"] = "game_odds"
    game: GameInfo
    fetched_at: AwareDatetime = Field(description="When the snapshot was taken; newer snapshots win")
    bookmakers: tuple[BookmakerOdds, ...]

    def _identity(self) -> dict[str, Any]:
        # The same prices re-fetched later are the same fact: fetched_at is left out on purpose.
        return {
            "schema_version": self.schema_version,
            "game": self.game.model_dump(mode="json"),
            "bookmakers": [b.model_dump(mode="json") for b in self.bookmakers],
        }


class GameResultEvent(_Event):
    """A game's final score, or that it is void (cancelled, or not completed in time)."""

    event_type: Literal["game_result"] = "game_result"
    game: GameInfo
    outcome: Literal[GameStatus.FINAL, GameStatus.VOID]
    home_score: int | None = Field(default=None, ge=0)
    away_score: int | None = Field(default=None, ge=0)
    last_update: AwareDatetime | None = Field(default=None, description="The source's last_update for this result")
    reason: str | None = Field(default=None, max_length=200, description="Why a game is void")

    @model_validator(mode="before")
    @classmethod
    def _scores_match_outcome(cls, data: Any) -> Any:
        if isinstance(data, dict):
            final = data.get("outcome") == "final"
            has_scores = data.get("home_score") is not None and data.get("away_score") is not None
            if final and not has_scores:
                raise ValueError("a final result needs home_score and away_score")
        return data

    def _identity(self) -> dict[str, Any]:
        # Same scores re-reported with a new last_update are the same fact; a correction is a new one.
        return {
            "schema_version": self.schema_version,
            "external_id": self.game.external_id,
            "outcome": self.outcome,
            "home_score": self.home_score,
            "away_score": self.away_score,
        }


class EventAction(StrEnum):
    """What consuming one event did: `applied` its effect, or nothing because it was a `duplicate` or `stale`."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    STALE = "stale"


def parse_game_odds_event(body: str | bytes) -> GameOddsEvent:
    """Parse one game-events message body."""
    return GameOddsEvent.model_validate_json(body)


def parse_game_result_event(body: str | bytes) -> GameResultEvent:
    """Parse one score-events message body."""
    return GameResultEvent.model_validate_json(body)


def event_json_schemas() -> dict[str, dict[str, Any]]:
    """Return the JSON Schema of every event, keyed by file name."""
    return {
        "game_odds.v1.json": GameOddsEvent.model_json_schema(),
        "game_result.v1.json": GameResultEvent.model_json_schema(),
    }
