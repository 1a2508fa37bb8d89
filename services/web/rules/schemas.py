"""Response body of GET /api/rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from services.web.leaderboard.schemas import SortKey


class StakeRules(BaseModel):
    min: Decimal = Field(description="Smallest stake, in units")
    max: Decimal = Field(description="Largest stake, in units")
    step: Decimal = Field(description="A stake must be a multiple of this")


class LeaderboardRules(BaseModel):
    default_min_picks: dict[SortKey, int] = Field(description="Graded picks needed to be ranked, per sort")
    rating_prior_picks: int = Field(description="Break-even picks the rating adds to shrink ROI (docs/grading.md)")
    season_start: date = Field(description="First UTC day of the `season` window")


class LeagueRules(BaseModel):
    max_members: int = Field(description="The most members a league may have, its owner included")
    max_leagues_per_player: int = Field(description="The most leagues a player may belong to, owned or joined")


class RulesPublic(BaseModel):
    """The numbers behind the rules in docs/api.md and docs/grading.md, as this server is configured."""

    stake: StakeRules
    max_picks_per_slip: int
    password_min_length: int
    leaderboard: LeaderboardRules
    leagues: LeagueRules
