"""Per-client attempt limits kept in PostgreSQL: sign-ups, and league joins with a wrong invite code.

One `client_attempt` row per counted attempt, naming the action and the client. A client may make at most
`max_attempts` counted attempts of an action within a sliding window of `window_seconds`; past that every attempt of
that action is refused with 429 and Retry-After until the oldest counted one leaves the window. The check and the
count run in the caller's transaction under an advisory lock on (action, client), so parallel attempts from one client
take turns and cannot slip past the limit between the count and the insert. Rows live in PostgreSQL, so every web
instance applies the same counts (docs/auth-limits.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from services.web.db import DbHandle
from services.web.errors import TooManyRequests

Action = Literal["register", "league_join"]

_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"

# The counted attempt whose expiry brings the client back under the limit (none while it is under), and the clock.
_LIMIT_AT = """
SELECT (SELECT at FROM client_attempt
        WHERE action = $1 AND client = $2 AND at > clock_timestamp() - make_interval(secs => $3)
        ORDER BY at DESC OFFSET $4 - 1 LIMIT 1) AS limit_at,
       clock_timestamp() AS now
"""


@dataclass(frozen=True)
class ClientLimit:
    """At most `max_attempts` counted attempts of `action` per client within `window_seconds`; then `code` (429)."""

    action: Action
    max_attempts: int
    window_seconds: int
    code: str
    message: str


def too_many(message: str, *, code: str, wait: int) -> TooManyRequests:
    """Return a 429 telling the client how many seconds to wait (Retry-After and `details.retry_after_seconds`)."""
    return TooManyRequests(
        message, code=code, headers={"Retry-After": str(wait)}, details={"retry_after_seconds": wait}
    )


async def check_client_limit(*, db: DbHandle, limit: ClientLimit, client: str) -> None:
    """Take this client's turn for the action and refuse (429) when its window is full; call inside a transaction."""
    if not db.in_transaction:
        raise RuntimeError("a client limit is checked inside the transaction that counts the attempt")
    await db.execute(_LOCK, f"{limit.action}:{client}")
    row = await db.fetchrow(_LIMIT_AT, limit.action, client, float(limit.window_seconds), limit.max_attempts)
    assert row is not None  # a SELECT without FROM returns its one row
    if row["limit_at"] is not None:
        wait = max(math.ceil((row["limit_at"] - row["now"]).total_seconds() + limit.window_seconds), 1)
        raise too_many(limit.message, code=limit.code, wait=wait)


async def count_client_attempt(*, db: DbHandle, limit: ClientLimit, client: str) -> None:
    """Count one attempt of the action for this client (after `check_client_limit`, in the same transaction)."""
    # Pruning on write keeps one window's worth of rows per action (the (action, at) index makes it cheap).
    await db.execute(
        "DELETE FROM client_attempt WHERE action = $1 AND at < clock_timestamp() - make_interval(secs => $2)",
        limit.action,
        float(limit.window_seconds),
    )
    await db.execute("INSERT INTO client_attempt (action, client) VALUES ($1, $2)", limit.action, client)
