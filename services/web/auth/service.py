"""Accounts: create them, check logins under a rate limit kept in PostgreSQL, read the current player."""

from __future__ import annotations

import asyncpg

from services.web.auth.schemas import CurrentUserModel, UserCreate, UserMe
from services.web.auth.security import hash_password, verify_password
from services.web.db import DbHandle
from services.web.errors import Conflict, TooManyRequests, Unauthorized, Unprocessable
from services.web.settings import WebSettings

# One message for an unknown account and a wrong password, so a login never tells whether an account exists.
BAD_CREDENTIALS = "Incorrect username/email or password."


def password_problems(*, password: str, username: str, email: str, min_length: int) -> list[str]:
    """List what is wrong with a password under the policy (empty when it is acceptable)."""
    problems = []
    if len(password) < min_length:
        problems.append(f"must be at least {min_length} characters")
    if password.strip().lower() in {username.lower(), email.lower()}:
        problems.append("must not be your username or email")
    return problems


async def register(*, db: DbHandle, settings: WebSettings, user: UserCreate) -> CurrentUserModel:
    """Create an account; 409 when the username or email is taken (ignoring case), 422 on a weak password."""
    problems = password_problems(
        password=user.password, username=user.username, email=user.email, min_length=settings.password_min_length
    )
    if problems:
        raise Unprocessable(
            "The password does not meet the policy.",
            code="weak_password",
            details=[{"loc": ["body", "password"], "msg": p} for p in problems],
        )
    password_hash = await hash_password(user.password)
    try:
        row = await db.fetchrow(
            'INSERT INTO "user" (username, email, password_hash) VALUES ($1, $2, $3) RETURNING id, username, email',
            user.username,
            user.email,
            password_hash,
        )
    except asyncpg.UniqueViolationError as exc:
        field = "email" if "email" in (exc.constraint_name or "") else "username"
        raise Conflict(
            f"That {field} is already taken.", code=f"{field}_taken", details=[{"loc": ["body", field]}]
        ) from exc
    assert row is not None  # INSERT … RETURNING returns the row it inserted
    return CurrentUserModel(id=row["id"], username=row["username"], email=row["email"])


def _login_keys(*, login: str, client_ip: str | None) -> tuple[str, str]:
    return f"account:{login.strip().lower()}", f"client:{client_ip or 'unknown'}"


async def _retry_after(db: DbHandle, *, settings: WebSettings, keys: tuple[str, str]) -> int | None:
    """Seconds until both keys are back under their limits, or None when neither is over."""
    # For each key: the failure whose expiry brings the count back under the limit is the (limit)-th newest one.
    wait = await db.fetchval(
        """
        SELECT ceil(extract(epoch FROM max(f.at + make_interval(secs => $4) - now())))::int
        FROM (VALUES ($1::text, $2::int), ($3::text, $5::int)) AS lim(key, max_failures)
        CROSS JOIN LATERAL (
            SELECT at FROM login_failure
            WHERE key = lim.key AND at > now() - make_interval(secs => $4)
            ORDER BY at DESC OFFSET lim.max_failures - 1 LIMIT 1
        ) AS f
        """,
        keys[0],
        settings.login_max_failures_per_account,
        keys[1],
        float(settings.login_window_seconds),
        settings.login_max_failures_per_client,
    )
    return max(int(wait), 1) if wait is not None else None


async def _record_failure(db: DbHandle, *, settings: WebSettings, keys: tuple[str, str]) -> None:
    # Pruning on write keeps the table at one window's worth of rows (the `at` index makes it cheap).
    await db.execute(
        "DELETE FROM login_failure WHERE at < now() - make_interval(secs => $1)", float(settings.login_window_seconds)
    )
    await db.execute("INSERT INTO login_failure (key) SELECT unnest($1::text[])", list(keys))


async def authenticate(
    *, db: DbHandle, settings: WebSettings, login: str, password: str, client_ip: str | None
) -> CurrentUserModel:
    """Return the account for a username-or-email and password; 401 on any mismatch, 429 when rate limited."""
    keys = _login_keys(login=login, client_ip=client_ip)
    user: CurrentUserModel | None = None
    async with db.transaction():
        # Attempts on one account take turns (across instances), so a burst of parallel guesses cannot all pass the
        # limit check before any of their failures is recorded.
        await db.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", keys[0])
        wait = await _retry_after(db, settings=settings, keys=keys)
        if wait is None:
            row = await db.fetchrow(
                'SELECT id, username, email, password_hash FROM "user" WHERE lower(username) = lower($1) '
                "OR lower(email) = lower($1) LIMIT 1",
                login.strip(),
            )
            # Always verify (a dummy hash for an unknown account) so both failures take about the same time.
            if await verify_password(password, row["password_hash"] if row else None) and row is not None:
                user = CurrentUserModel(id=row["id"], username=row["username"], email=row["email"])
                await db.execute("DELETE FROM login_failure WHERE key = $1", keys[0])
            else:
                await _record_failure(db, settings=settings, keys=keys)
    if wait is not None:
        raise TooManyRequests(
            "Too many failed logins; try again later.",
            code="too_many_attempts",
            headers={"Retry-After": str(wait)},
            details={"retry_after_seconds": wait},
        )
    if user is None:
        raise Unauthorized(BAD_CREDENTIALS, code="invalid_credentials", headers={"WWW-Authenticate": "Bearer"})
    return user


async def get_me(*, db: DbHandle, user: CurrentUserModel) -> UserMe:
    """Return my account and record."""
    row = await db.fetchrow(
        "SELECT id, username, email, created_at, total_units, total_wagered, roi, wins, losses, pushes "
        'FROM "user" WHERE id = $1',
        user.id,
    )
    if row is None:
        raise Unauthorized(
            "The account no longer exists.", code="invalid_token", headers={"WWW-Authenticate": "Bearer"}
        )
    return UserMe.model_validate(dict(row))
