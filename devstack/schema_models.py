"""SQLModel classes mirroring the tables the SQL migrations create: a typed map of the schema for dev tooling.

The migrations are the source of truth; tests/foundation/test_schema.py proves these agree with the migrated database
column by column. Production code runs its SQL through asyncpg and never imports this module, so SQLModel, SQLAlchemy
and greenlet are dev dependencies only (docs/decisions.md).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, Computed, Date, DateTime, Integer, Numeric, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


def _ts(nullable: bool = False) -> Any:
    return Field(sa_column=Column(DateTime(timezone=True), nullable=nullable))


def _num(precision: int, scale: int, nullable: bool = False) -> Any:
    return Field(sa_column=Column(Numeric(precision, scale), nullable=nullable))


def _bigint_pk() -> Any:
    return Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))


def _bigint(nullable: bool = False, primary_key: bool = False) -> Any:
    return Field(sa_column=Column(BigInteger, nullable=nullable, primary_key=primary_key))


def _int(nullable: bool = False) -> Any:
    return Field(sa_column=Column(Integer, nullable=nullable))


def _text(nullable: bool = False, primary_key: bool = False) -> Any:
    return Field(sa_column=Column(Text, nullable=nullable, primary_key=primary_key))


class User(SQLModel, table=True):
    __tablename__ = "user"
    id: int | None = _bigint_pk()
    username: str = _text()
    email: str = _text()
    password_hash: str = _text()
    total_units: Decimal = _num(14, 2)
    total_wagered: Decimal = _num(14, 2)
    roi: Decimal | None = Field(
        default=None,
        sa_column=Column(
            Numeric(12, 6), Computed("CASE WHEN total_wagered > 0 THEN round(total_units / total_wagered, 6) END")
        ),
    )
    wins: int = _int()
    losses: int = _int()
    pushes: int = _int()
    created_at: datetime = _ts()


class Game(SQLModel, table=True):
    __tablename__ = "game"
    id: int | None = _bigint_pk()
    external_id: str = _text()
    sport_key: str = _text()
    sport_title: str | None = _text(nullable=True)
    home_team: str = _text()
    away_team: str = _text()
    commence_time: datetime = _ts()
    status: str = _text()
    home_score: int | None = _int(nullable=True)
    away_score: int | None = _int(nullable=True)
    completed_at: datetime | None = _ts(nullable=True)
    last_update: datetime | None = _ts(nullable=True)
    void_reason: str | None = _text(nullable=True)
    result_event_id: str | None = _text(nullable=True)
    odds_fetched_at: datetime | None = _ts(nullable=True)
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    settled_at: datetime | None = _ts(nullable=True)


class Odds(SQLModel, table=True):
    __tablename__ = "odds"
    id: int | None = _bigint_pk()
    game_id: int = _bigint()
    bookmaker: str = _text()
    market: str = _text()
    selection: str = _text()
    price: int = _int()
    point: Decimal | None = _num(6, 2, nullable=True)
    last_update: datetime = _ts()
    snapshot_kind: str = _text()
    fetched_at: datetime = _ts()


class MarketLine(SQLModel, table=True):
    __tablename__ = "market_line"
    game_id: int = _bigint(primary_key=True)
    snapshot_kind: str = _text(primary_key=True)
    market: str = _text(primary_key=True)
    selection: str = _text(primary_key=True)
    price: int = _int()
    point: Decimal | None = _num(6, 2, nullable=True)
    bookmaker: str = _text()
    bookmaker_count: int = _int()
    fetched_at: datetime = _ts()


class Pick(SQLModel, table=True):
    __tablename__ = "pick"
    id: int | None = _bigint_pk()
    user_id: int = _bigint()
    game_id: int = _bigint()
    market: str = _text()
    selection: str = _text()
    point: Decimal | None = _num(6, 2, nullable=True)
    price: int = _int()
    stake: Decimal = _num(8, 2)
    placed_at: datetime = _ts()
    status: str = _text()
    result_units: Decimal | None = _num(12, 2, nullable=True)
    graded_at: datetime | None = _ts(nullable=True)
    graded_home_score: int | None = _int(nullable=True)
    graded_away_score: int | None = _int(nullable=True)
    closing_point: Decimal | None = _num(6, 2, nullable=True)
    closing_price: int | None = _int(nullable=True)


class PickRegrade(SQLModel, table=True):
    __tablename__ = "pick_regrade"
    id: int | None = _bigint_pk()
    pick_id: int = _bigint()
    old_status: str = _text()
    new_status: str = _text()
    old_result_units: Decimal | None = _num(12, 2, nullable=True)
    new_result_units: Decimal | None = _num(12, 2, nullable=True)
    reason: str = _text()
    event_id: str | None = _text(nullable=True)
    regraded_at: datetime = _ts()


class ProcessedEvent(SQLModel, table=True):
    __tablename__ = "processed_event"
    event_id: str = _text(primary_key=True)
    event_type: str = _text()
    consumer: str = _text()
    processed_at: datetime = _ts()


class OddsApiCall(SQLModel, table=True):
    __tablename__ = "odds_api_call"
    id: int | None = _bigint_pk()
    called_at: datetime = _ts()
    job: str = _text()
    endpoint: str = _text()
    sport_key: str | None = _text(nullable=True)
    params: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    status_code: int | None = _int(nullable=True)
    requests_last: int | None = _int(nullable=True)
    requests_used: int | None = _int(nullable=True)
    requests_remaining: int | None = _int(nullable=True)
    error: str | None = _text(nullable=True)
    duration_ms: int | None = _int(nullable=True)
    base_url: str | None = _text(nullable=True)
    raw_body: str | None = _text(nullable=True)


class Outbox(SQLModel, table=True):
    __tablename__ = "outbox"
    id: int | None = _bigint_pk()
    queue: str = _text()
    event_id: str = _text()
    event_type: str = _text()
    body: str = _text()
    odds_api_call_id: int | None = _bigint(nullable=True)
    created_at: datetime = _ts()
    sent_at: datetime | None = _ts(nullable=True)
    attempts: int = _int()
    last_error: str | None = _text(nullable=True)


class DataVersion(SQLModel, table=True):
    __tablename__ = "data_version"
    scope: str = _text(primary_key=True)
    version: int = _bigint()
    bumped_at: datetime = _ts()


class SchemaMigration(SQLModel, table=True):
    __tablename__ = "schema_migration"
    version: str = _text(primary_key=True)
    name: str = _text()
    checksum: str = _text()
    applied_at: datetime = _ts()


class LoginFailure(SQLModel, table=True):
    __tablename__ = "login_failure"
    id: int | None = _bigint_pk()
    account: str = _text()
    client: str = _text()
    at: datetime = _ts()


class LoginKnownClient(SQLModel, table=True):
    __tablename__ = "login_known_client"
    user_id: int = _bigint(primary_key=True)
    client: str = _text(primary_key=True)
    last_success_at: datetime = _ts()


class ClientAttempt(SQLModel, table=True):
    __tablename__ = "client_attempt"
    id: int | None = _bigint_pk()
    client: str = _text()
    at: datetime = _ts()
    action: str = _text()


def _date(nullable: bool = False, primary_key: bool = False) -> Any:
    return Field(sa_column=Column(Date, nullable=nullable, primary_key=primary_key))


class PlayerDay(SQLModel, table=True):
    __tablename__ = "player_day"
    user_id: int = _bigint(primary_key=True)
    sport_key: str = _text(primary_key=True)
    day: date = _date(primary_key=True)
    units: Decimal = _num(14, 2)
    wagered: Decimal = _num(14, 2)
    wins: int = _int()
    losses: int = _int()
    pushes: int = _int()
    voids: int = _int()


class RollupSeason(SQLModel, table=True):
    __tablename__ = "rollup_season"
    singleton: bool = Field(sa_column=Column(Boolean, primary_key=True))
    starts_on: date = _date()


class PlayerTotal(SQLModel, table=True):
    __tablename__ = "player_total"
    sport_key: str = _text(primary_key=True)
    user_id: int = _bigint(primary_key=True)
    username: str = _text()
    units: Decimal = _num(14, 2)
    wagered: Decimal = _num(14, 2)
    wins: int = _int()
    losses: int = _int()
    pushes: int = _int()
    season_units: Decimal = _num(14, 2)
    season_wagered: Decimal = _num(14, 2)
    season_wins: int = _int()
    season_losses: int = _int()
    season_pushes: int = _int()
    month_start: date = _date()
    month_units: Decimal = _num(14, 2)
    month_wagered: Decimal = _num(14, 2)
    month_wins: int = _int()
    month_losses: int = _int()
    month_pushes: int = _int()


class League(SQLModel, table=True):
    __tablename__ = "league"
    id: int | None = _bigint_pk()
    name: str = _text()
    description: str | None = _text(nullable=True)
    sport_key: str | None = _text(nullable=True)
    start_date: date = _date()
    owner_id: int = _bigint()
    invite_code: str = _text()
    created_at: datetime = _ts()


class LeagueMember(SQLModel, table=True):
    __tablename__ = "league_member"
    league_id: int = _bigint(primary_key=True)
    user_id: int = _bigint(primary_key=True)
    joined_at: datetime = _ts()
