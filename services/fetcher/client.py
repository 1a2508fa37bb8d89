"""The Odds API v4 client: the calls and what they cost, one GET per attempt, and the rule for retrying.

`OddsApiClient.get` makes one attempt and returns it with its usage headers and, if it failed, the classified error;
the caller (services/fetcher/calls.py) guards, records and retries. Worth retrying (`TransientApiError`): timeouts,
5xx and the frequency-limit 429. Never retried: a missing or invalid key, exhausted credits, or any other 4xx (a
malformed request stays malformed), nor a refused connection.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

# The Odds API accepts commenceTimeFrom/To only as whole-second UTC with a trailing Z.
_COMMENCE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# /scores with daysFrom costs 2 credits; without it 1 (and it then omits completed games, so we always send it).
SCORES_COST = 2
MAX_DAYS_FROM = 3


class OddsApiError(Exception):
    """A call to The Odds API failed."""

    def __init__(self, message: str, *, status: int | None = None, error_code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code


class TransientApiError(OddsApiError):
    """A timeout, 5xx or frequency-limit 429: worth another attempt after a pause."""


class FatalApiError(OddsApiError):
    """The run cannot go on: the key is missing or invalid, or the month's credits are spent. Never retried."""


class RequestRejected(OddsApiError):
    """Any other 4xx: the request itself is wrong; retrying cannot help."""


@dataclass(frozen=True)
class ApiCall:
    """One logical request: endpoint, sport, query (without the key) and what it is projected to cost."""

    endpoint: str  # "events" | "odds" | "scores"
    sport_key: str
    params: dict[str, str]
    projected_cost: int

    @property
    def path(self) -> str:
        return f"/v4/sports/{self.sport_key}/{self.endpoint}"


@dataclass(frozen=True)
class Attempt:
    """One HTTP attempt: what the ledger records, and the body's text when it succeeded (normalize.py reads it)."""

    call: ApiCall
    status_code: int | None
    requests_last: int | None
    requests_used: int | None
    requests_remaining: int | None
    error: OddsApiError | None
    duration_ms: int
    text: str = ""

    @property
    def credits(self) -> int:
        """Credits the API says this attempt cost (x-requests-last; 0 when it did not say)."""
        return self.requests_last or 0


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts and total time are both bounded; waits grow exponentially with jitter."""

    max_attempts: int = 4
    max_seconds: float = 30.0
    initial_wait: float = 1.0
    max_wait: float = 8.0


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_COMMENCE_FORMAT)


def events_call(sport_key: str, *, commence_from: datetime, commence_to: datetime) -> ApiCall:
    """Build the free /events call for games starting in a window."""
    return ApiCall(
        "events",
        sport_key,
        {"dateFormat": "iso", "commenceTimeFrom": _time(commence_from), "commenceTimeTo": _time(commence_to)},
        projected_cost=0,
    )


def odds_call(
    sport_key: str, *, regions: list[str], markets: list[str], commence_from: datetime, commence_to: datetime
) -> ApiCall:
    """Build the paid /odds call: it costs markets × regions credits (nothing when no game is returned)."""
    return ApiCall(
        "odds",
        sport_key,
        {
            "regions": ",".join(regions),
            "markets": ",".join(markets),
            "oddsFormat": "american",
            "dateFormat": "iso",
            "commenceTimeFrom": _time(commence_from),
            "commenceTimeTo": _time(commence_to),
        },
        projected_cost=len(regions) * len(markets),
    )


def scores_call(sport_key: str, *, days_from: int) -> ApiCall:
    """Build the /scores call that includes games completed in the last `days_from` days (2 credits)."""
    if not 1 <= days_from <= MAX_DAYS_FROM:
        raise ValueError(f"daysFrom must be 1 to {MAX_DAYS_FROM}, got {days_from}")
    return ApiCall("scores", sport_key, {"daysFrom": str(days_from), "dateFormat": "iso"}, projected_cost=SCORES_COST)


def days_from_covering(oldest: datetime, now: datetime) -> int:
    """Return the smallest daysFrom (1..3) whose look-back reaches a game that tipped off at `oldest`."""
    behind = now - oldest
    days = -(-behind // timedelta(days=1)) if behind > timedelta(0) else 1  # ceiling of whole days
    return max(1, min(MAX_DAYS_FROM, int(days)))


def _header_int(headers: Any, name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


@dataclass
class OddsApiClient:
    """Talks to one Odds API base URL with one key over a shared aiohttp session: one GET per `get`, no retries."""

    session: aiohttp.ClientSession
    base_url: str
    api_key: str
    timeout_seconds: float = 10.0

    async def get(self, call: ApiCall) -> Attempt:
        """Make one attempt; a failure is returned in `Attempt.error` (classified for the retry rule), never raised."""
        url = self.base_url.rstrip("/") + call.path
        started = time.monotonic()
        status: int | None = None
        usage: tuple[int | None, int | None, int | None] = (None, None, None)
        text = ""
        error: OddsApiError | None = None
        try:
            async with self.session.get(
                url,
                params={**call.params, "apiKey": self.api_key},
                timeout=aiohttp.ClientTimeout(total=self.timeout_seconds),
            ) as response:
                status = response.status
                usage = (
                    _header_int(response.headers, "x-requests-last"),
                    _header_int(response.headers, "x-requests-used"),
                    _header_int(response.headers, "x-requests-remaining"),
                )
                text = await response.text()
            if status != 200:
                error = _error_for(status, text, call)
        except TimeoutError:
            error = TransientApiError(f"{call.path}: timed out after {self.timeout_seconds:g} s")
        except aiohttp.ClientError as exc:
            # Not in the retry list (timeouts, 5xx, 429): a refused connection or a bad URL does not heal in seconds.
            error = OddsApiError(f"{call.path}: cannot reach {self.base_url}: {type(exc).__name__}: {exc}")
        duration_ms = int((time.monotonic() - started) * 1000)
        return Attempt(call, status, *usage, error=error, duration_ms=duration_ms, text=text)


def retrying(policy: RetryPolicy, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> AsyncRetrying:
    """Retry transient failures within the policy's bounds: attempts and total time, exponential waits with jitter."""
    return AsyncRetrying(
        stop=stop_after_attempt(policy.max_attempts) | stop_before_delay(policy.max_seconds),
        wait=wait_exponential_jitter(multiplier=policy.initial_wait, max=policy.max_wait, jitter=policy.initial_wait),
        retry=retry_if_exception_type(TransientApiError),
        sleep=sleep,
        reraise=True,
    )


def _error_for(status: int, text: str, call: ApiCall) -> OddsApiError:
    error_code = None
    message = text.strip()[:200]
    try:
        body = json.loads(text)
        if isinstance(body, dict):
            error_code = body.get("error_code")
            message = str(body.get("message") or message)
    except ValueError:
        pass
    where = f"{call.path} answered {status}"
    if status == 401 and error_code == "OUT_OF_USAGE_CREDITS":
        return FatalApiError(
            f"{where}: the month's usage credits are exhausted ({message})", status=status, error_code=error_code
        )
    if status in (401, 403):
        return FatalApiError(
            f"{where}: the API key is missing or invalid; check PICKVS_ODDS_API_KEY ({message})",
            status=status,
            error_code=error_code,
        )
    if status == 429 or status >= 500:
        return TransientApiError(f"{where}: {message}", status=status, error_code=error_code)
    return RequestRejected(f"{where}: {message}", status=status, error_code=error_code)
