"""Request and response bodies of the pick endpoints."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from contracts.ids import BIGINT_MAX
from contracts.markets import Market, PickStatus, Selection


class PickCreate(BaseModel):
    """One pick of a slip, at the line and price the player was shown."""

    model_config = ConfigDict(extra="forbid")

    game_id: int = Field(ge=1, le=BIGINT_MAX)
    market: Market
    selection: Selection = Field(description="home/away for h2h and spreads, over/under for totals")
    point: Decimal | None = Field(
        default=None,
        max_digits=6,
        decimal_places=2,
        allow_inf_nan=False,
        description="The spread or total shown; null for h2h",
    )
    price: int = Field(ge=-100_000, le=100_000, description="The American odds shown, e.g. -110 or 135")
    stake: Decimal = Field(
        gt=0,
        max_digits=8,
        decimal_places=2,
        allow_inf_nan=False,
        description="Units staked, within the configured range and steps (default 1-5 by 0.5)",
    )

    @field_validator("price")
    @classmethod
    def _american_odds(cls, price: int) -> int:
        if -100 < price < 100:
            raise ValueError("American odds are <= -100 or >= 100")
        return price


class PickSlip(BaseModel):
    """A bet slip: every pick is stored, or none is."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "picks": [
                        {
                            "game_id": 1,
                            "market": "h2h",
                            "selection": "home",
                            "point": None,
                            "price": -150,
                            "stake": "2",
                        },
                        {
                            "game_id": 1,
                            "market": "spreads",
                            "selection": "away",
                            "point": "3.5",
                            "price": -110,
                            "stake": "1.5",
                        },
                    ]
                }
            ]
        },
    )

    picks: list[PickCreate] = Field(min_length=1, description="At most the configured number (default 20)")


class LinePublic(BaseModel):
    """A side's current consensus line."""

    market: Market
    selection: Selection
    price: int
    point: Decimal | None


class PickError(BaseModel):
    """Why one pick of a refused slip was refused (an item of the error body's `details`)."""

    index: int = Field(description="Position of the pick in the slip, from 0")
    code: str
    message: str
    current: LinePublic | None = Field(default=None, description="The line now on offer (for `line_moved`)")


class PickRegradePublic(BaseModel):
    """A re-grade of the pick (a score correction or a void after a result)."""

    old_status: PickStatus
    new_status: PickStatus
    old_result_units: Decimal | None
    new_result_units: Decimal | None
    reason: str
    regraded_at: datetime


class PickSummary(BaseModel):
    """A pick as anyone allowed to see it sees it: the game, the line and price taken, the stake and the result."""

    id: int
    game_id: int
    sport_key: str
    home_team: str
    away_team: str
    commence_time: datetime
    market: Market
    selection: Selection
    point: Decimal | None = Field(description="The line taken (null for h2h)")
    price: int = Field(description="The American odds taken")
    stake: Decimal
    placed_at: datetime
    status: PickStatus
    result_units: Decimal | None = Field(description="Units won (+) or lost (-); null while pending")
    graded_at: datetime | None
    closing_point: Decimal | None
    closing_price: int | None
    closing_line_value: Decimal | None = Field(
        description="Closing minus taken implied probability (6 places), when the line closed at the point taken"
    )


class PickPublic(PickSummary):
    """One of my picks: the summary plus whether I can still cancel it and its full audit trail."""

    cancellable: bool = Field(description="Pending and the game has not started: DELETE may cancel it")
    graded_home_score: int | None
    graded_away_score: int | None
    regrades: list[PickRegradePublic]


class PickList(BaseModel):
    """My picks, newest first."""

    picks: list[PickPublic]
