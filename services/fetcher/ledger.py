"""The credit ledger and the budget guard.

Every HTTP attempt becomes one `odds_api_call` row, paid or free, successful or not. Paid calls are made inside
`budget_transaction`, which holds a transaction-level advisory lock; before each paid attempt `check_budget` compares
the projected cost with what this calendar month (UTC) has left, and the successful attempt is recorded in that same
transaction, so two runs at once can never both spend the last credits.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from pickvs.db import Connection
from services.fetcher.client import ApiCall, Attempt

# Any constant works; every process that guards this database's budget must use the same one.
BUDGET_LOCK_KEY = 7_271_003


class BudgetExceeded(Exception):
    """A paid call was not made because its cost would cross the month's budget."""


@dataclass(frozen=True)
class Budget:
    """The month's allowance: calls stop at `monthly - reserve`."""

    monthly: int
    reserve: int

    @property
    def spendable(self) -> int:
        return max(self.monthly - self.reserve, 0)


@dataclass(frozen=True)
class MonthUsage:
    """What this month's ledger says for one API base URL."""

    month_start: datetime
    spent: int  # credits the API charged, summed from x-requests-last
    api_used: int | None  # the API's own x-requests-used at the latest call this month
    api_remaining: int | None  # the API's own x-requests-remaining at the latest call this month
    calls: int
    paid_calls: int

    @property
    def effective_spent(self) -> int:
        """Credits to count as gone: the ledger's sum, or the API's own count when it knows of more."""
        return max(self.spent, self.api_used or 0)


def month_start(now: datetime) -> datetime:
    """Return 00:00 UTC on the first day of `now`'s calendar month."""
    now = now.astimezone(UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(now: datetime) -> datetime:
    """Return 00:00 UTC on the first day of the month after `now`'s."""
    start = month_start(now)
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


_MONTH_USAGE_SQL = """
WITH month AS (
    SELECT * FROM odds_api_call
    WHERE called_at >= $2 AND called_at < $3 AND (base_url = $1 OR base_url IS NULL)
)
SELECT coalesce(sum(requests_last), 0)::int AS spent,
       count(*)::int AS calls,
       count(*) FILTER (WHERE requests_last > 0)::int AS paid_calls,
       (SELECT requests_used FROM month WHERE requests_used IS NOT NULL
        ORDER BY called_at DESC, id DESC LIMIT 1) AS api_used,
       (SELECT requests_remaining FROM month WHERE requests_remaining IS NOT NULL
        ORDER BY called_at DESC, id DESC LIMIT 1) AS api_remaining
FROM month
"""


async def month_usage(conn: Connection | asyncpg.Pool, *, base_url: str, now: datetime) -> MonthUsage:
    """Sum this calendar month's ledger rows for one API (rows with no base URL count too, to stay on the safe side)."""
    start = month_start(now)
    row = await conn.fetchrow(_MONTH_USAGE_SQL, base_url, start, next_month_start(start))
    assert row is not None  # an aggregate always returns its one row
    return MonthUsage(start, row["spent"], row["api_used"], row["api_remaining"], row["calls"], row["paid_calls"])


def refusal(call: ApiCall, usage: MonthUsage, budget: Budget) -> str | None:
    """Say why a call may not be made now, or None when the budget allows it."""
    left = budget.spendable - usage.effective_spent
    if call.projected_cost > left:
        return (
            f"not calling {call.path}: it would cost {call.projected_cost} credits but only {max(left, 0)} of this "
            f"month's {budget.monthly} remain after the reserve of {budget.reserve} (spent {usage.effective_spent})"
        )
    if usage.api_remaining is not None and call.projected_cost > usage.api_remaining:
        return (
            f"not calling {call.path}: it would cost {call.projected_cost} credits and the API reports only "
            f"{usage.api_remaining} remaining"
        )
    return None


_RECORD_SQL = """
INSERT INTO odds_api_call (called_at, job, endpoint, sport_key, params, status_code, requests_last,
                           requests_used, requests_remaining, error, duration_ms, base_url)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
RETURNING id
"""

# Enough of a body to see what went wrong, bounded so a runaway response cannot bloat the ledger.
RAW_BODY_LIMIT = 64 * 1024

_MARK_UNREADABLE_SQL = "UPDATE odds_api_call SET error = $2, raw_body = $3 WHERE id = $1"


async def record_attempt(
    conn: Connection | asyncpg.Pool, attempt: Attempt, *, job: str, base_url: str, at: datetime
) -> int:
    """Write one attempt to the ledger and return its id (on a pool: autocommitted, so nothing later hides its cost)."""
    call_id = await conn.fetchval(
        _RECORD_SQL,
        at,
        job,
        attempt.call.endpoint,
        attempt.call.sport_key,
        attempt.call.params,
        attempt.status_code,
        attempt.requests_last,
        attempt.requests_used,
        attempt.requests_remaining,
        str(attempt.error) if attempt.error else None,
        attempt.duration_ms,
        base_url,
    )
    return int(call_id)


async def mark_unreadable(conn: Connection | asyncpg.Pool, call_id: int, *, error: str, body: str) -> None:
    """Keep the error and the (bounded) body of a 200 response that could not be read, on its ledger row."""
    await conn.execute(_MARK_UNREADABLE_SQL, call_id, error, body[:RAW_BODY_LIMIT])


@asynccontextmanager
async def budget_transaction(pool: asyncpg.Pool) -> AsyncIterator[Connection]:
    """Hold the budget lock in a transaction: paid calls made inside it, and their ledger rows, are serialized."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", BUDGET_LOCK_KEY)
        yield conn


async def check_budget(conn: Connection, call: ApiCall, *, base_url: str, budget: Budget, now: datetime) -> None:
    """Raise BudgetExceeded when the call's projected cost does not fit what this month has left."""
    # Read committed: each check sees every row recorded so far, ours and other runs'.
    reason = refusal(call, await month_usage(conn, base_url=base_url, now=now), budget)
    if reason is not None:
        raise BudgetExceeded(reason)
