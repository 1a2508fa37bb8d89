"""Request and response bodies of the league endpoints."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from contracts.markets import Market, PickStatus, Selection
from services.web.auth.schemas import USERNAME_PATTERN
from services.web.consensus.schemas import ConsensusMarket

# secrets.token_urlsafe(12): 16 characters of A-Z a-z 0-9 - _, 96 bits of randomness (the database checks the shape).
INVITE_CODE_PATTERN = r"^[A-Za-z0-9_-]{16}$"
SPORT_PATTERN = r"^[a-z0-9_]+$"
# No control characters in a name (the database refuses them too); a description may break lines.
_NAME_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]+$"
_DESCRIPTION_PATTERN = r"^[^\x00-\x08\x0b-\x1f\x7f-\x9f]+$"


def _stripped(value: Any) -> Any:
    # Trimmed before the length and pattern are checked, so what is validated is exactly what is stored.
    return value.strip() if isinstance(value, str) else value


def _stripped_or_none(value: Any) -> Any:
    value = _stripped(value)
    return None if value == "" else value


class Role(StrEnum):
    owner = "owner"
    member = "member"


class LeagueCreate(BaseModel):
    """A new league; its creator owns it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "Friday Five", "description": "Office pool", "sport": "basketball_nba"}]
        },
    )

    name: Annotated[str, BeforeValidator(_stripped)] = Field(
        min_length=1, max_length=64, pattern=_NAME_PATTERN, description="1–64 characters, trimmed"
    )
    description: Annotated[str | None, BeforeValidator(_stripped_or_none)] = Field(
        default=None, max_length=500, pattern=_DESCRIPTION_PATTERN, description="Up to 500 characters"
    )
    sport: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=SPORT_PATTERN,
        description="Count only picks on this sport key (e.g. basketball_nba); null for every sport",
    )
    start_date: date | None = Field(
        default=None,
        description="Picks graded on or after this UTC day count (from 00:00 UTC); default: today (UTC). "
        "At most 10 years back and one year ahead",
    )


class JoinRequest(BaseModel):
    """Join a league with its invite code (the last part of its join link)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"code": "q7Xb2mN0Zp4-Tr_9"}]})

    code: str = Field(pattern=INVITE_CODE_PATTERN, description="16 URL-safe characters")


class HandOver(BaseModel):
    """Make another member the owner."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"username": "bob"}]})

    username: str = Field(pattern=USERNAME_PATTERN, description="A member of the league (any case)")


class LeaguePublic(BaseModel):
    """A league as one of its members sees it."""

    id: int
    name: str
    description: str | None
    sport: str | None = Field(description="Only picks on this sport count; null for every sport")
    start_date: date = Field(description="Picks graded on or after this UTC day (from 00:00 UTC) count")
    created_at: datetime
    owner: str = Field(description="The owner's username")
    members: int = Field(description="Members, the owner included")
    max_members: int = Field(description="The most members a league may have")
    role: Role = Field(description="My role in the league")
    joined_at: datetime = Field(description="When I joined")
    invite_code: str | None = Field(
        description="The code of the join link (/join/{code}); shown to the owner only, null for other members"
    )


class LeagueList(BaseModel):
    """My leagues, the most recently joined first."""

    leagues: list[LeaguePublic]
    max_leagues: int = Field(description="The most leagues a player may belong to")


class LeagueMember(BaseModel):
    username: str
    role: Role
    joined_at: datetime


class LeagueMembers(BaseModel):
    """A league's members, the owner first, then in the order they joined."""

    members: list[LeagueMember]


class FeedPick(BaseModel):
    """A member's pick on a game that has started."""

    id: int
    username: str
    market: Market
    selection: Selection
    point: Decimal | None = Field(description="The line taken (null for h2h)")
    price: int = Field(description="The American odds taken")
    stake: Decimal
    placed_at: datetime
    status: PickStatus
    result_units: Decimal | None = Field(description="Units won (+) or lost (-); null while pending")


class FeedGame(BaseModel):
    """A game members picked, once it has started: their picks and how the league split on each market."""

    game_id: int
    sport_key: str
    home_team: str
    away_team: str
    commence_time: datetime
    status: str = Field(description="scheduled, live, final or void, as last ingested or graded")
    home_score: int | None
    away_score: int | None
    split: list[ConsensusMarket] = Field(
        description="How the league picked: each market's sides with the members' picks and units on them and their "
        "shares (void picks left out)"
    )
    picks: list[FeedPick] = Field(description="The members' picks on the game, the newest first")


class LeagueFeed(BaseModel):
    """Members' picks on started games (never before tip-off), the game that started last first."""

    total: int = Field(description="Games in the feed before limit/offset")
    limit: int
    offset: int
    games: list[FeedGame]
