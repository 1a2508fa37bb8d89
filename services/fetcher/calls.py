"""One Odds API call as a job makes it, each attempt in a straight line: guard, call, record — retried only while a
retry can help (services/fetcher/client.py says which failures those are).

A free call records every attempt at once. A paid call is made inside the budget transaction
(`ledger.budget_transaction`): each attempt is first checked against the month's budget; a failed attempt is recorded
at once on its own connection (its cost is never hidden, whatever happens next); the successful attempt is returned
for the job to record in that transaction together with the events it produced (the outbox). Every recorded attempt's
credits are added to the stage's `Tally`, so a report counts what was spent even when the stage then fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from pickvs.db import Connection
from services.fetcher.client import ApiCall, Attempt, retrying
from services.fetcher.ledger import check_budget, record_attempt
from services.fetcher.resources import FetcherDeps


@dataclass
class Tally:
    """Credits spent by the attempts recorded for one stage of a job, failed ones included."""

    credits: int = 0


async def record(deps: FetcherDeps, conn: Connection | None, attempt: Attempt, *, job: str, tally: Tally) -> int:
    """Record an attempt (in `conn`'s transaction, else autocommitted) and count its credits; return its ledger id."""
    call_id = await record_attempt(
        conn if conn is not None else deps.pool, attempt, job=job, base_url=deps.target.base_url, at=deps.clock()
    )
    tally.credits += attempt.credits
    return call_id


async def call_free(deps: FetcherDeps, call: ApiCall, *, job: str, tally: Tally) -> tuple[Attempt, int]:
    """Make a free call; record every attempt; return the successful one and its ledger id, or raise the last error."""
    async for retry in retrying(deps.retry, sleep=deps.sleep):
        with retry:
            attempt = await deps.client.get(call)
            call_id = await record(deps, None, attempt, job=job, tally=tally)
            if attempt.error is not None:
                raise attempt.error
            return attempt, call_id
    raise AssertionError("unreachable: tenacity either returns or re-raises")  # pragma: no cover


async def call_paid(deps: FetcherDeps, budget_tx: Connection, call: ApiCall, *, job: str, tally: Tally) -> Attempt:
    """Make a paid call under the budget lock; return the successful attempt, not yet recorded (see the module doc)."""
    async for retry in retrying(deps.retry, sleep=deps.sleep):
        with retry:
            await check_budget(
                budget_tx, call, base_url=deps.target.base_url, budget=deps.target.budget, now=deps.clock()
            )
            attempt = await deps.client.get(call)
            if attempt.error is not None:
                await record(deps, None, attempt, job=job, tally=tally)
                raise attempt.error
            return attempt
    raise AssertionError("unreachable: tenacity either returns or re-raises")  # pragma: no cover
