"""Consensus response models."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from contracts.markets import Market, Selection


class ConsensusSide(BaseModel):
    selection: Selection
    picks: int
    units: Decimal = Field(description="Units staked on this side")
    pick_share: Decimal | None = Field(
        description="This side's share of the market's picks, 0..1 to 6 decimal "
        "places; null when the market has no picks"
    )
    unit_share: Decimal | None = Field(
        description="This side's share of the market's units staked, 0..1 to 6 "
        "decimal places; null when the market has no picks"
    )


class ConsensusMarket(BaseModel):
    market: Market
    picks: int
    units: Decimal
    sides: list[ConsensusSide] = Field(description="Both sides, in the order home/away or over/under")


class GameConsensus(BaseModel):
    game_id: int
    picks: int = Field(description="Picks counted: pending and graded; void picks are left out")
    units: Decimal
    markets: list[ConsensusMarket] = Field(description="Every market (h2h, spreads, totals), even without picks")
