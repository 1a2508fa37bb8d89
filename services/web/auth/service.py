"""Accounts: create them under a per-client limit, check logins under throttles kept in PostgreSQL, read the player.

Every limit lives in PostgreSQL, so all web instances share it, and the database work comes before and after the
argon2 work, never around it: a request holds no connection (and no transaction) while it hashes.

Logins (docs/auth-limits.md): a failure is one `login_failure` row naming the account and the client. Over the
sliding window, a client gets at most `login_max_failures_per_account_client` failures on one account and
`login_max_failures_per_client` failures overall (429 after that); past `login_account_free_failures` on an account
(from any client), each attempt waits a delay that doubles with every further failure, up to a cap, unless it comes
from a client the owner logged in from before. So guessing stays slow and never locks the owner out of their own
device. The row is written before the password is checked, under advisory locks on the account and the client, so a
burst of parallel guesses is counted as it happens; a right password deletes it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.web.auth.normalize import normalize_email, normalize_login
from services.web.auth.passwords import password_problems
from services.web.auth.schemas import CurrentUserModel, UserCreate, UserMe
from services.web.auth.security import PasswordHashing
from services.web.db import DbHandle
from services.web.errors import Conflict, Unauthorized, Unprocessable
from services.web.limits import ClientLimit, check_client_limit, count_client_attempt, too_many
from services.web.settings import WebSettings

# One message for an unknown account and a wrong password, so a login never tells whether an account exists.
BAD_CREDENTIALS = "Incorrect username/email or password."

_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"

_FIND_ACCOUNT = """
SELECT id, username, email, password_hash FROM "user"
WHERE lower(username) = lower($1) OR lower(email) = lower($2)
LIMIT 1
"""

# For one attempt: the account's failures in its window (and the newest), the failure whose expiry brings the
# (account, client) and the client counts back under their limits, whether the client is one the owner logged in from,
# and the clock they are all compared with.
_LOGIN_STATE = """
WITH since AS (
    SELECT clock_timestamp() - make_interval(secs => $3) AS t, clock_timestamp() - make_interval(secs => $8) AS a
)
SELECT
    (SELECT count(*) FROM login_failure, since WHERE account = $1 AND at > since.a) AS account_failures,
    (SELECT max(at) FROM login_failure, since WHERE account = $1 AND at > since.a) AS account_last,
    (SELECT at FROM login_failure, since WHERE account = $1 AND client = $2 AND at > since.t
     ORDER BY at DESC OFFSET $4 - 1 LIMIT 1) AS pair_limit_at,
    (SELECT at FROM login_failure, since WHERE client = $2 AND at > since.t
     ORDER BY at DESC OFFSET $5 - 1 LIMIT 1) AS client_limit_at,
    EXISTS (SELECT 1 FROM login_known_client WHERE user_id = $6 AND client = $2
            AND last_success_at > clock_timestamp() - make_interval(days => $7)) AS known_client,
    clock_timestamp() AS now
"""

_REMEMBER_CLIENT = """
INSERT INTO login_known_client (user_id, client) VALUES ($1, $2)
ON CONFLICT (user_id, client) DO UPDATE SET last_success_at = clock_timestamp()
"""


def registration_limit(settings: WebSettings) -> ClientLimit:
    """Return the per-client sign-up limit: every attempt that gets as far as hashing counts."""
    return ClientLimit(
        action="register",
        max_attempts=settings.register_max_per_client,
        window_seconds=settings.register_window_seconds,
        code="too_many_registrations",
        message="Too many sign-ups from here; try again later.",
    )


def _seconds_until(moment: datetime, now: datetime) -> float:
    return (moment - now).total_seconds()


def login_wait(*, state: asyncpg.Record, settings: WebSettings) -> int | None:
    """Return the seconds an attempt must wait under the login throttles, or None when it may go ahead."""
    window = settings.login_window_seconds
    now = state["now"]
    waits = [
        _seconds_until(at, now) + window for at in (state["pair_limit_at"], state["client_limit_at"]) if at is not None
    ]
    over = state["account_failures"] - settings.login_account_free_failures
    if over >= 0 and state["account_last"] is not None and not state["known_client"]:
        delay = min(
            settings.login_account_delay_base_seconds * 2 ** min(over, 32), settings.login_account_delay_max_seconds
        )
        waits.append(_seconds_until(state["account_last"], now) + delay)
    wait = max(waits, default=0.0)
    return max(math.ceil(wait), 1) if wait > 0 else None


async def register(
    *, db: DbHandle, hashing: PasswordHashing, settings: WebSettings, user: UserCreate, client: str
) -> CurrentUserModel:
    """Create an account; 422 on a weak password, 429 past the client's registrations, 409 when a name is taken."""
    problems = password_problems(
        password=user.password, username=user.username, email=user.email, min_length=settings.password_min_length
    )
    if problems:
        raise Unprocessable(
            "The password does not meet the policy.",
            code="weak_password",
            details=[{"loc": ["body", "password"], "msg": p} for p in problems],
        )
    async with hashing.admit() as ticket:
        async with db.transaction():
            limit = registration_limit(settings)
            await check_client_limit(db=db, limit=limit, client=client)
            await count_client_attempt(db=db, limit=limit, client=client)
        password_hash = await ticket.hash(user.password)
    try:
        async with db.transaction():
            row = await db.fetchrow(
                'INSERT INTO "user" (username, email, password_hash) VALUES ($1, $2, $3) RETURNING id, username, email',
                user.username,
                user.email,
                password_hash,
            )
            assert row is not None  # INSERT … RETURNING returns the row it inserted
            # The client that chose the password is the owner's: the per-account delay never holds it up.
            await db.execute(_REMEMBER_CLIENT, row["id"], client)
    except asyncpg.UniqueViolationError as exc:
        field = "email" if "email" in (exc.constraint_name or "") else "username"
        raise Conflict(
            f"That {field} is already taken.", code=f"{field}_taken", details=[{"loc": ["body", field]}]
        ) from exc
    return CurrentUserModel(id=row["id"], username=row["username"], email=row["email"])


@dataclass(frozen=True)
class _Attempt:
    failure_id: int
    account: str
    user: CurrentUserModel | None
    password_hash: str | None


async def _begin_login(*, db: DbHandle, settings: WebSettings, login: str, client: str) -> _Attempt:
    """Find the account, apply the throttles (429), and record the attempt as a failure until it proves right."""
    async with db.transaction():
        row = await db.fetchrow(_FIND_ACCOUNT, login.strip(), normalize_email(login.strip()))
        account = f"user:{row['id']}" if row is not None else f"login:{normalize_login(login)}"
        # Attempts on one account, and from one client, take turns (across instances) between this check and the
        # insert, in one order so two attempts never wait for each other.
        for key in sorted((f"account:{account}", f"client:{client}")):
            await db.execute(_LOCK, key)
        state = await db.fetchrow(
            _LOGIN_STATE,
            account,
            client,
            float(settings.login_window_seconds),
            settings.login_max_failures_per_account_client,
            settings.login_max_failures_per_client,
            row["id"] if row is not None else None,
            settings.login_known_client_days,
            float(settings.login_account_window_seconds),
        )
        assert state is not None  # a SELECT without FROM returns its one row
        wait = login_wait(state=state, settings=settings)
        if wait is not None:
            raise too_many("Too many failed logins; try again later.", code="too_many_attempts", wait=wait)
        # Pruning on write keeps the table at one window's worth of rows (the `at` index makes it cheap).
        await db.execute(
            "DELETE FROM login_failure WHERE at < clock_timestamp() - make_interval(secs => $1)",
            float(max(settings.login_window_seconds, settings.login_account_window_seconds)),
        )
        failure_id = await db.fetchval(
            "INSERT INTO login_failure (account, client) VALUES ($1, $2) RETURNING id", account, client
        )
    user = None if row is None else CurrentUserModel(id=row["id"], username=row["username"], email=row["email"])
    return _Attempt(
        failure_id=failure_id,
        account=account,
        user=user,
        password_hash=row["password_hash"] if row is not None else None,
    )


async def _succeeded(*, db: DbHandle, attempt: _Attempt, user: CurrentUserModel, client: str) -> None:
    """Forget the attempt and this client's earlier failures on the account; remember the client as the owner's."""
    async with db.transaction():
        await db.execute(
            "DELETE FROM login_failure WHERE id = $1 OR (account = $2 AND client = $3)",
            attempt.failure_id,
            attempt.account,
            client,
        )
        await db.execute(_REMEMBER_CLIENT, user.id, client)


async def authenticate(
    *, db: DbHandle, hashing: PasswordHashing, settings: WebSettings, login: str, password: str, client: str
) -> CurrentUserModel:
    """Return the account for a username-or-email and password; 401 on any mismatch, 429 when throttled."""
    # Admitted first: a login that would be shed costs the database nothing.
    async with hashing.admit() as ticket:
        attempt = await _begin_login(db=db, settings=settings, login=login, client=client)
        # Always verify (a dummy hash for an unknown account) so both failures take about the same time.
        right = await ticket.verify(password, attempt.password_hash)
    if not right or attempt.user is None:
        raise Unauthorized(BAD_CREDENTIALS, code="invalid_credentials", headers={"WWW-Authenticate": "Bearer"})
    await _succeeded(db=db, attempt=attempt, user=attempt.user, client=client)
    return attempt.user


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
