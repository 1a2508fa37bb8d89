"""`OddsApiSimulator`: serves the endpoints over aiohttp and owns what the real API keeps per subscription — API keys,
the monthly usage quota and the usage headers — plus the call log and the knobs tests turn.

Every request goes through one pipeline (`_serve`): injected failure → key check → quota check → endpoint → charge →
record. Endpoint logic lives in `endpoints.py` and never sees money or HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web

from devstack.odds_simulator.endpoints import (
    Answer,
    ApiError,
    Feed,
    exceeded_freq_limit,
    get_odds,
    get_scores,
    invalid_key,
    list_events,
    list_sports,
    missing_key,
    out_of_usage_credits,
)
from devstack.odds_simulator.knobs import FAILURE_KINDS, FailureKind, Knobs, ScoreCorrection
from devstack.odds_simulator.scoreboard import game_state
from devstack.odds_simulator.slate import Slate

log = logging.getLogger(__name__)

Endpoint = Callable[[Feed, str | None, Mapping[str, str]], Answer]

_ROUTES: tuple[tuple[str, Endpoint], ...] = (
    ("/v4/sports", list_sports),
    ("/v4/sports/{sport}/events", list_events),
    ("/v4/sports/{sport}/odds", get_odds),
    ("/v4/sports/{sport}/scores", get_scores),
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RecordedCall:
    """One request as the simulator saw it: when, where, with what, how it ended and what it cost."""

    at: datetime
    path: str
    params: dict[str, str]
    status: int
    cost: int


@dataclass(frozen=True)
class Usage:
    """The subscription's credits this month."""

    used: int
    remaining: int


class OddsApiSimulator:
    """An in-process imitation of The Odds API v4 with a deterministic slate, a quota and failure knobs.

    All `api_keys` share one subscription and therefore one `monthly_quota`.
    """

    def __init__(
        self,
        *,
        api_keys: Iterable[str] = ("sim-key",),
        monthly_quota: int = 500,
        clock: Callable[[], datetime] = _utc_now,
        slate: Slate | None = None,
        seed: int = 7,
        timeout_hang_seconds: float = 30.0,
    ) -> None:
        self._api_keys = frozenset(api_keys)
        self._clock = clock
        self.monthly_quota = monthly_quota
        self.seed = seed
        self.slate = slate if slate is not None else Slate.nba_season(self._now(), seed=seed)
        self.timeout_hang_seconds = timeout_hang_seconds
        self.calls: list[RecordedCall] = []
        self._used = 0
        self._knobs = Knobs()
        self._app: web.Application | None = None
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()

    @property
    def app(self) -> web.Application:
        """Return the aiohttp application (built once), for `aiohttp.test_utils` or an existing runner."""
        if self._app is None:
            app = web.Application()
            for path, endpoint in _ROUTES:
                handler = self._handler(endpoint)
                # The real API answers with and without a trailing slash.
                app.router.add_get(path, handler)
                app.router.add_get(path + "/", handler)
            self._app = app
        return self._app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve on host:port (0 picks a free port) and return the base URL; clients append /v4/..."""
        if self._runner is not None:
            raise RuntimeError("the simulator is already running")
        self._stopping.clear()
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        self._runner = runner
        bound_port = runner.addresses[0][1]
        return f"http://{host}:{bound_port}"

    async def stop(self) -> None:
        """Stop serving; requests hanging on an injected timeout are released first."""
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def usage(self) -> Usage:
        """Return credits used and remaining this month."""
        return Usage(used=self._used, remaining=self._remaining)

    @property
    def paid_calls(self) -> list[RecordedCall]:
        """Return the recorded calls that consumed credits."""
        return [call for call in self.calls if call.cost > 0]

    def reset_usage(self, *, used: int = 0) -> None:
        """Start a new month, or set `used` to put the quota close to exhaustion."""
        if not 0 <= used <= self.monthly_quota:
            raise ValueError(f"used must be between 0 and the monthly quota {self.monthly_quota}")
        self._used = used

    def fail_next(self, n: int, kind: FailureKind) -> None:
        """Make the next `n` requests fail with 500, 503, 429 or a hang ending in 504; they cost nothing."""
        if kind not in FAILURE_KINDS:
            raise ValueError(f"unknown failure kind {kind!r}; expected one of {sorted(FAILURE_KINDS)}")
        if n < 0:
            raise ValueError("n must not be negative")
        self._knobs.failures.extend([kind] * n)

    def postpone(self, event_id: str) -> None:
        """Postpone a game from now on: it never completes and its score stays as it is now."""
        game = self.slate.game(event_id)
        now = self._now()
        if game_state(game, now, self._knobs).completed:
            raise ValueError(f"game {event_id} is already completed")
        self._knobs.postponed[event_id] = now

    def correct_score(self, event_id: str, home: int, away: int) -> None:
        """Publish a corrected final score from now on; once the game is final, its scores and last_update change."""
        self.slate.game(event_id)
        if home < 0 or away < 0:
            raise ValueError("scores cannot be negative")
        self._knobs.corrections[event_id] = ScoreCorrection(home=home, away=away, at=self._now())

    @property
    def _remaining(self) -> int:
        return max(self.monthly_quota - self._used, 0)

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the simulator clock must return timezone-aware datetimes")
        return now.astimezone(UTC)

    def _handler(self, endpoint: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self._serve(request, endpoint)

        handle.__doc__ = endpoint.__doc__
        return handle

    async def _serve(self, request: web.Request, endpoint: Endpoint) -> web.StreamResponse:
        now = self._now()
        failure = self._knobs.take_failure()
        if failure is not None:
            return self._record(request, now, await self._injected_failure(failure), cost=0)
        api_key = request.query.get("apiKey")
        if not api_key:
            return self._record(request, now, _error_response(missing_key()), cost=0)
        if api_key not in self._api_keys:
            return self._record(request, now, _error_response(invalid_key()), cost=0)
        if self._remaining <= 0:
            return self._record(request, now, self._with_usage(_error_response(out_of_usage_credits()), 0), cost=0)
        try:
            answer = endpoint(Feed(self.slate, self._knobs, now), request.match_info.get("sport"), request.query)
        except ApiError as error:
            return self._record(request, now, self._with_usage(_error_response(error), 0), cost=0)
        cost = answer.charge
        if cost > self._remaining:
            # Refused whole rather than served on credit; nothing is charged.
            return self._record(request, now, self._with_usage(_error_response(out_of_usage_credits()), 0), cost=0)
        self._used += cost
        return self._record(request, now, self._with_usage(web.json_response(answer.body), cost), cost=cost)

    async def _injected_failure(self, kind: FailureKind) -> web.Response:
        if kind == "429":
            return _error_response(exceeded_freq_limit())
        if kind == "500":
            return web.Response(status=500, text="Internal Server Error")
        if kind == "503":
            return web.Response(status=503, text="Service Unavailable")
        # "timeout": hold the request longer than any sane client waits, as an overloaded upstream would.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=self.timeout_hang_seconds)
        return web.Response(status=504, text="Gateway Timeout")

    def _with_usage(self, response: web.Response, last: int) -> web.Response:
        response.headers["x-requests-remaining"] = str(self._remaining)
        response.headers["x-requests-used"] = str(self._used)
        response.headers["x-requests-last"] = str(last)
        return response

    def _record(self, request: web.Request, now: datetime, response: web.Response, *, cost: int) -> web.Response:
        self.calls.append(RecordedCall(now, request.path, dict(request.query), response.status, cost))
        log.debug("odds simulator %s %s -> %s (cost %s)", request.method, request.path_qs, response.status, cost)
        return response


def _error_response(error: ApiError) -> web.Response:
    return web.json_response(error.body, status=error.status)
