"""Profile response models."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from services.web.picks.schemas import PickSummary


class WindowStats(BaseModel):
    wins: int
    losses: int
    pushes: int
    voids: int = Field(description="Void picks: stake returned, not part of units, wagered, ROI or W-L-P")
    picks: int = Field(description="Graded picks (won + lost + push)")
    units: Decimal
    wagered: Decimal
    roi: Decimal | None = Field(description="units / wagered, 6 decimal places; null before any graded pick")
    win_rate: Decimal | None = Field(description="wins / (wins + losses), 6 decimal places; null without decisions")


class ProfileWindows(BaseModel):
    all: WindowStats
    season: WindowStats
    month: WindowStats
    week: WindowStats


class ClosingLineValue(BaseModel):
    picks: int = Field(description="Graded picks that have a closing price to compare with")
    average: Decimal | None = Field(
        description="Mean of closing minus taken implied probability, 6 decimal places; "
        "positive means the player beat the close"
    )
    beat_close: int = Field(description="Picks taken at a better price than the close (CLV > 0)")
    beat_close_share: Decimal | None = Field(description="beat_close / picks, 6 decimal places")


class UnitsPoint(BaseModel):
    day: date = Field(description="UTC day picks were graded on")
    units: Decimal = Field(description="Units won that day")
    cumulative_units: Decimal = Field(description="Units won up to and including that day")


class ProfilePick(PickSummary):
    """A pick on a profile: graded, or pending on a game that has locked (or the viewer's own)."""


class ProfilePicks(BaseModel):
    total: int = Field(description="Picks this viewer may see, before limit/offset")
    limit: int
    offset: int
    items: list[ProfilePick] = Field(description="Newest game first")


class UserProfile(BaseModel):
    username: str
    joined_at: datetime
    pending: int = Field(description="Pending picks this viewer may see (others' only once their game locked)")
    windows: ProfileWindows
    closing_line_value: ClosingLineValue
    units_over_time: list[UnitsPoint] = Field(description="One point per UTC day with graded picks, oldest first")
    picks: ProfilePicks
