"""Response bodies of the board."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from contracts.markets import GameStatus, Market, Selection


class OutcomeLine(BaseModel):
    """One side's price (American odds) and, for spreads and totals, its point."""

    selection: Selection
    price: int = Field(description="American odds, e.g. -110 or +135")
    point: Decimal | None = Field(description="Spread or total line; null for h2h")


class MarketLinePublic(BaseModel):
    """The consensus line of one market: the median book's two sides (docs/grading.md)."""

    market: Market
    bookmaker: str = Field(description="The book whose prices are the consensus")
    bookmaker_count: int = Field(description="How many books quoted this market")
    outcomes: list[OutcomeLine]


class BookmakerMarket(BaseModel):
    market: Market
    last_update: datetime
    outcomes: list[OutcomeLine]


class BookmakerPublic(BaseModel):
    """One bookmaker's current prices for the game."""

    key: str
    markets: list[BookmakerMarket]


class GamePublic(BaseModel):
    """A game with its status, score (once final) and current consensus line."""

    id: int
    sport_key: str
    sport_title: str | None
    home_team: str
    away_team: str
    commence_time: datetime
    status: GameStatus = Field(description="As last ingested; see `started` for whether picks are closed")
    started: bool = Field(description="commence_time has passed by the server clock: picks are closed")
    home_score: int | None
    away_score: int | None
    completed_at: datetime | None
    void_reason: str | None
    odds_taken_at: datetime | None = Field(description="When the odds behind the consensus line were fetched")
    markets: list[MarketLinePublic]
    bookmakers: list[BookmakerPublic] | None = Field(
        default=None, description="Each bookmaker's prices; only with `detail=bookmakers`"
    )


class UpcomingGames(BaseModel):
    """Games not yet started, soonest first."""

    games: list[GamePublic]
