"""Leaderboard query and response models."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field


class Window(StrEnum):
    """Which graded picks count, by when they were graded (UTC; docs/grading.md)."""

    all = "all"
    season = "season"
    month = "month"
    week = "week"


class SortKey(StrEnum):
    """What the leaderboard is ranked by (highest first)."""

    units = "units"
    roi = "roi"
    win_rate = "win_rate"
    rating = "rating"


class LeaderboardEntry(BaseModel):
    rank: int = Field(description="Position 1..N in this ranking; ties are broken, never shared")
    username: str
    units: Decimal = Field(description="Net units won over the window's graded picks")
    wagered: Decimal = Field(description="Units staked on the window's graded picks (voids excluded)")
    roi: Decimal = Field(description="units / wagered, 6 decimal places")
    wins: int
    losses: int
    pushes: int
    picks: int = Field(description="Graded picks (won + lost + push)")
    win_rate: Decimal | None = Field(
        description="wins / (wins + losses), 6 decimal places; null when every pick pushed"
    )
    rating: Decimal = Field(description="ROI shrunk toward zero by sample size (docs/grading.md), 6 decimal places")


class LeaderboardPublic(BaseModel):
    window: Window
    since: datetime | None = Field(
        description="Picks graded at or after this instant count (the later of the window's and a league's start); "
        "null when every graded pick counts"
    )
    sport: str | None
    sort: SortKey
    min_picks: int = Field(description="Players with fewer graded picks in the window are not ranked")
    total: int = Field(description="Ranked players before limit/offset")
    limit: int
    offset: int
    entries: list[LeaderboardEntry]


class LeaderboardStanding(BaseModel):
    """The signed-in player's place in one ranking, wherever it falls (or why they are not ranked)."""

    window: Window
    since: datetime | None = Field(
        description="Picks graded at or after this instant count (the later of the window's and a league's start); "
        "null when every graded pick counts"
    )
    sport: str | None
    sort: SortKey
    min_picks: int = Field(description="Players with fewer graded picks in the window are not ranked")
    total: int = Field(description="Ranked players")
    picks: int = Field(description="My graded picks in the window (and sport), ranked or not")
    entry: LeaderboardEntry | None = Field(description="My row as the leaderboard shows it; null when I am not ranked")
