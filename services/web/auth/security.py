"""Password hashing (argon2, in a worker thread) and HS256 access tokens."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from jose import JWTError, jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from contracts.ids import BIGINT_MAX
from services.web.settings import WebSettings

# Pinned: a token naming any other algorithm (including "none") is refused.
JWT_ALGORITHM = "HS256"

_hasher = PasswordHash((Argon2Hasher(),))
# Verified when the account does not exist, so an unknown login costs about as much as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


async def hash_password(password: str) -> str:
    """Hash a password with argon2id in a worker thread (hashing is deliberately slow)."""
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password: str, password_hash: str | None) -> bool:
    """Check a password in a worker thread; with no hash, spend the same work on a dummy and return False."""
    if password_hash is None:
        await asyncio.to_thread(_hasher.verify, password, _DUMMY_HASH)
        return False
    return await asyncio.to_thread(_hasher.verify, password, password_hash)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_in: int


def create_access_token(*, user_id: int, settings: WebSettings, now: datetime | None = None) -> IssuedToken:
    """Sign a token whose subject is the user id, with issue and expiry times."""
    now = now or datetime.now(UTC)
    ttl = timedelta(minutes=settings.jwt_ttl_minutes)
    claims = {"sub": str(user_id), "iat": int(now.timestamp()), "exp": int((now + ttl).timestamp())}
    return IssuedToken(jwt.encode(claims, settings.jwt_secret, algorithm=JWT_ALGORITHM), int(ttl.total_seconds()))


def decode_access_token(token: str, *, settings: WebSettings) -> int | None:
    """Return the user id a valid, unexpired token names, else None."""
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[JWT_ALGORITHM],
            options={"require_exp": True, "require_sub": True, "require_iat": True},
        )
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject.isdigit():
            return None
        user_id = int(subject)
    except (JWTError, ValueError, KeyError, TypeError):
        return None
    return user_id if 0 < user_id <= BIGINT_MAX else None
