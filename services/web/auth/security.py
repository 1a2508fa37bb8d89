"""Password hashing (argon2id in worker threads, with bounded concurrency) and HS256 access tokens.

argon2 is deliberately slow and memory-hungry, so a login flood must not be able to take every core or every pooled
database connection: a request is admitted to hashing before it touches the database, at most `workers` hashes run at
once, at most `queue` more requests wait, and any further one is shed at once with 503 + Retry-After. Nothing here
holds a database connection: callers finish their database work before they hash.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from jose import JWTError, jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from contracts.ids import BIGINT_MAX
from services.web.errors import ServiceUnavailable
from services.web.settings import WebSettings

# Pinned: a token naming any other algorithm (including "none") is refused.
JWT_ALGORITHM = "HS256"

_hasher = PasswordHash((Argon2Hasher(),))
# Verified when the account does not exist, so an unknown login costs about as much as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


def cores() -> int:
    """Return the number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class HashTicket:
    """An admitted request's right to hash: each call waits for a free worker, then runs argon2 in a thread."""

    def __init__(self, slots: asyncio.Semaphore) -> None:
        self._slots = slots

    async def hash(self, password: str) -> str:
        """Hash a password with argon2id."""
        async with self._slots:
            return await asyncio.to_thread(_hasher.hash, password)

    async def verify(self, password: str, password_hash: str | None) -> bool:
        """Check a password; with no hash, spend the same work on a dummy and return False."""
        async with self._slots:
            if password_hash is None:
                await asyncio.to_thread(_hasher.verify, password, _DUMMY_HASH)
                return False
            return await asyncio.to_thread(_hasher.verify, password, password_hash)


class PasswordHashing:
    """One app's argon2 capacity: `workers` hashes at once, `queue` more requests admitted to wait, the rest shed."""

    def __init__(self, *, workers: int, queue: int) -> None:
        self.workers = workers
        self.capacity = workers + queue
        self._slots = asyncio.Semaphore(workers)
        self._admitted = 0

    @property
    def admitted(self) -> int:
        """How many requests hold a ticket now (hashing, waiting to hash, or doing their database work first)."""
        return self._admitted

    @asynccontextmanager
    async def admit(self) -> AsyncIterator[HashTicket]:
        """Admit a request to hashing for the block, or refuse it with 503 + Retry-After when the queue is full."""
        if self._admitted >= self.capacity:
            raise ServiceUnavailable(
                "Too many logins and sign-ups are being checked right now; nothing was changed. Retry in a moment.",
                code="auth_busy",
                headers={"Retry-After": "1"},
                details={"retry_after_seconds": 1},
            )
        self._admitted += 1
        try:
            yield HashTicket(self._slots)
        finally:
            self._admitted -= 1


def password_hashing_for(settings: WebSettings) -> PasswordHashing:
    """Build an app's hashing capacity from its settings (workers default to the cores)."""
    return PasswordHashing(workers=settings.password_hash_workers or cores(), queue=settings.password_hash_queue)


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
