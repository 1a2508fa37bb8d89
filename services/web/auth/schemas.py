"""Request and response bodies of the account endpoints."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from services.web.auth.normalize import normalize_email

# Mirrors the database CHECKs on "user" so a bad value is a 422, not a constraint error.
USERNAME_PATTERN = r"^[A-Za-z0-9_]{3,32}$"
# NUL is excluded too: PostgreSQL text cannot hold it.
EMAIL_PATTERN = r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$"
LOGIN_PATTERN = r"^[^\x00]+$"
PASSWORD_MAX_LENGTH = 128


def _normalized(value: Any) -> Any:
    # Normalized before the pattern and length are checked, so what is validated is exactly what is stored.
    return normalize_email(value) if isinstance(value, str) else value


class UserCreate(BaseModel):
    """A new account; username and email are unique ignoring case (the email is stored case-folded, NFKC)."""

    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, BeforeValidator(_normalized)] = Field(
        max_length=254, pattern=EMAIL_PATTERN, examples=["alice@example.com"]
    )
    username: str = Field(pattern=USERNAME_PATTERN, examples=["alice"])
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH, examples=["correct horse battery"])


class LoginRequest(BaseModel):
    """Log in by username or email (the OAuth2 password form's `username` field takes either)."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=254, pattern=LOGIN_PATTERN, description="Username or email")
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)


class CurrentUserModel(BaseModel):
    """The authenticated player, as the auth dependency resolves it."""

    id: int
    username: str
    email: str


class UserMe(BaseModel):
    """My account and record."""

    id: int
    username: str
    email: str
    created_at: datetime
    total_units: Decimal = Field(description="Units won or lost over graded picks")
    total_wagered: Decimal = Field(description="Units staked on graded picks")
    roi: Decimal | None = Field(description="total_units / total_wagered; null until something was wagered")
    wins: int
    losses: int
    pushes: int


class TokenPublic(BaseModel):
    """An access token (OAuth2 bearer) and the account it belongs to."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")
    user: CurrentUserModel
