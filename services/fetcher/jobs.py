"""The fetch jobs: what each schedule does, as plain async functions the handlers, the CLI and the dev scheduler call.

`fetch_odds` asks the free /events endpoint whether any game starts in the window before paying for /odds;
`fetch_scores` pays for /scores only when the database holds games past tip-off that still await a result, and looks
back no further than the oldest of them; `fetch_closing` is `fetch_odds` shortly before tip-off, so the last pre-game
snapshot becomes the closing line. Each returns a `JobReport` that says, per sport, what was spent and why.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import asyncpg

from contracts.events import GameInfo, GameResultEvent
from pickvs.devenv import recorded_dev_env
from pickvs.sqs import queue_url
from services.fetcher.client import (
    FatalApiError,
    OddsApiClient,
    OddsApiError,
    RetryPolicy,
    days_from_covering,
    events_call,
    odds_call,
    scores_call,
)
from services.fetcher.ledger import Budget, BudgetExceeded, CreditLedger
from services.fetcher.normalize import (
    NormalizationError,
    final_result,
    normalize_events,
    normalize_odds,
    normalize_scores,
    void_result,
)
from services.fetcher.publish import PublishError, publish_events
from services.fetcher.settings import FetcherSettings

log = logging.getLogger(__name__)

FETCH_ODDS = "fetch_odds"
FETCH_SCORES = "fetch_scores"
FETCH_CLOSING = "fetch_closing"


class OddsApiNotConfigured(RuntimeError):
    """No key is set and no `make dev` simulator is running."""


@dataclass(frozen=True)
class OddsApiTarget:
    """Where the fetcher sends its calls, with which key, under which budget."""

    base_url: str
    api_key: str
    budget: Budget
    source: str  # "PICKVS_ODDS_API_KEY" or "make dev simulator"


def resolve_odds_api(settings: FetcherSettings) -> OddsApiTarget:
    """Use the configured key and base URL; without a key, the simulator a running `make dev` recorded (not prod)."""
    if settings.odds_api_key:
        return OddsApiTarget(
            settings.odds_api_base_url,
            settings.odds_api_key,
            Budget(settings.odds_monthly_budget, settings.odds_budget_reserve),
            "PICKVS_ODDS_API_KEY",
        )
    if settings.env == "prod":
        raise OddsApiNotConfigured("PICKVS_ODDS_API_KEY is required in production")
    recorded = recorded_dev_env(settings.data_dir)
    base_url, key = recorded.get("PICKVS_ODDS_API_BASE_URL"), recorded.get("PICKVS_ODDS_API_KEY")
    if not (base_url and key):
        raise OddsApiNotConfigured(
            "no Odds API: set PICKVS_ODDS_API_KEY for the real API, or start `make dev` to use its simulator"
        )
    # The demo runs on a larger, simulator-only budget; a budget set explicitly in this shell still wins.
    monthly = settings.odds_monthly_budget
    if "odds_monthly_budget" not in settings.model_fields_set and recorded.get("PICKVS_ODDS_MONTHLY_BUDGET"):
        monthly = int(recorded["PICKVS_ODDS_MONTHLY_BUDGET"])
    return OddsApiTarget(
        base_url, key, Budget(monthly, min(settings.odds_budget_reserve, monthly)), "make dev simulator"
    )


def retry_policy(settings: FetcherSettings) -> RetryPolicy:
    """Build the client's retry policy from settings."""
    return RetryPolicy(
        max_attempts=settings.odds_api_max_attempts,
        max_seconds=settings.odds_api_retry_max_seconds,
        initial_wait=settings.odds_api_retry_initial_seconds,
        max_wait=max(settings.odds_api_retry_initial_seconds * 8, settings.odds_api_retry_initial_seconds),
        timeout_seconds=settings.odds_api_timeout_seconds,
    )


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class FetcherDeps:
    """Everything a job touches: settings, the database, SQS, the API client and a clock."""

    settings: FetcherSettings
    pool: asyncpg.Pool
    sqs: Any
    client: OddsApiClient
    target: OddsApiTarget
    clock: Callable[[], datetime] = _utc_now

    def ledger(self, job: str) -> CreditLedger:
        """Return the ledger a job records its calls in."""
        return CreditLedger(self.pool, job, self.target.base_url, self.target.budget, self.clock)


def new_http_session() -> aiohttp.ClientSession:
    """Open the HTTP session the client shares across calls."""
    return aiohttp.ClientSession()


@asynccontextmanager
async def open_deps(
    settings: FetcherSettings, *, clock: Callable[[], datetime] = _utc_now
) -> AsyncIterator[FetcherDeps]:
    """Open a pool, an SQS client and an HTTP session for one run (the CLI), and close them afterwards."""
    import aioboto3

    from pickvs.db import create_pool, database_url
    from pickvs.sqs import client_kwargs

    target = resolve_odds_api(settings)
    pool = await create_pool(database_url(settings), min_size=1, max_size=4)
    try:
        async with aioboto3.Session().client("sqs", **client_kwargs(settings)) as sqs, new_http_session() as session:
            client = OddsApiClient(session, target.base_url, target.api_key, retry_policy(settings))
            yield FetcherDeps(settings, pool, sqs, client, target, clock)
    finally:
        await pool.close()


@dataclass
class StageResult:
    """What a job did for one sport."""

    sport: str
    outcome: str  # "published" | "skipped" | "failed"
    detail: str
    credits: int = 0
    published: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class JobReport:
    """The outcome of one job run; `aborted` is set when the run had to stop (bad key, no credits)."""

    job: str
    started_at: datetime
    results: list[StageResult] = field(default_factory=list)
    aborted: str | None = None

    @property
    def ok(self) -> bool:
        return self.aborted is None and all(r.outcome != "failed" for r in self.results)

    @property
    def credits(self) -> int:
        return sum(r.credits for r in self.results)

    def lines(self) -> list[str]:
        """Describe the run for a terminal or a log."""
        out = [f"{self.job.replace('_', '-')} at {self.started_at:%Y-%m-%d %H:%M:%S}Z: {self.credits} credits"]
        for r in self.results:
            out.append(f"  {r.sport}: {r.outcome}: {r.detail}")
            out.extend(f"    dropped: {p}" for p in r.problems[:10])
        if self.aborted:
            out.append(f"  aborted: {self.aborted}")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "started_at": self.started_at.isoformat(),
            "ok": self.ok,
            "credits": self.credits,
            "aborted": self.aborted,
            "results": [asdict(r) for r in self.results],
        }


async def _run(report: JobReport, sports: list[str], stage: Callable[[str], Any]) -> JobReport:
    for sport in sports:
        try:
            report.results.append(await stage(sport))
        except BudgetExceeded as exc:
            report.results.append(StageResult(sport, "skipped", str(exc)))
        except FatalApiError as exc:
            report.aborted = str(exc)
            break
        except (OddsApiError, NormalizationError, PublishError) as exc:
            report.results.append(StageResult(sport, "failed", str(exc)))
    for line in report.lines():
        (log.error if not report.ok else log.info)("%s", line)
    return report


async def fetch_odds(deps: FetcherDeps, *, job: str = FETCH_ODDS, window_hours: int | None = None) -> JobReport:
    """Publish a `GameOddsEvent` for every game starting in the window; pay for /odds only when /events lists one."""
    settings = deps.settings
    now = deps.clock()
    window_to = now + timedelta(hours=window_hours or settings.odds_window_hours)
    ledger = deps.ledger(job)
    destination = await queue_url(deps.sqs, settings.game_events_queue)

    async def stage(sport: str) -> StageResult:
        listed = await ledger.call(deps.client, events_call(sport, commence_from=now, commence_to=window_to))
        games = normalize_events(listed.body)
        if not games.items:
            return StageResult(sport, "skipped", f"no game starts before {window_to:%Y-%m-%d %H:%M}Z: no paid call")
        response = await ledger.call(
            deps.client,
            odds_call(
                sport,
                regions=settings.odds_regions,
                markets=[str(m) for m in settings.odds_markets],
                commence_from=now,
                commence_to=window_to,
            ),
        )
        odds = normalize_odds(response.body, fetched_at=deps.clock(), markets=settings.odds_markets)
        result = await publish_events(deps.sqs, destination, odds.items, max_attempts=settings.publish_max_attempts)
        return StageResult(
            sport,
            "published",
            f"{result.sent} games with odds to {settings.game_events_queue}",
            credits=response.requests_last or 0,
            published=result.sent,
            problems=odds.problems,
        )

    return await _run(JobReport(job, now), settings.sports, stage)


async def fetch_closing(deps: FetcherDeps) -> JobReport:
    """Refresh odds for the games about to tip off, so the last pre-game snapshot is the closing line."""
    return await fetch_odds(deps, job=FETCH_CLOSING, window_hours=deps.settings.closing_window_hours)


async def games_awaiting_results(pool: asyncpg.Pool, *, sport_key: str, now: datetime) -> list[GameInfo]:
    """Return the games of a sport that have tipped off and are neither final nor void, oldest first."""
    rows = await pool.fetch(
        """
        SELECT external_id, sport_key, sport_title, home_team, away_team, commence_time
        FROM game WHERE sport_key = $1 AND status IN ('scheduled', 'live') AND commence_time <= $2
        ORDER BY commence_time, external_id
        """,
        sport_key,
        now,
    )
    return [GameInfo(**dict(row)) for row in rows]


async def fetch_scores(deps: FetcherDeps) -> JobReport:
    """Publish a final result for every completed game and a void for games long overdue; pay only when games await."""
    settings = deps.settings
    now = deps.clock()
    ledger = deps.ledger(FETCH_SCORES)
    destination = await queue_url(deps.sqs, settings.score_events_queue)
    void_before = now - timedelta(hours=settings.void_after_hours)

    async def stage(sport: str) -> StageResult:
        awaiting = await games_awaiting_results(deps.pool, sport_key=sport, now=now)
        if not awaiting:
            return StageResult(sport, "skipped", "no game past tip-off awaits a result: no paid call")
        days_from = days_from_covering(awaiting[0].commence_time, now)
        response = await ledger.call(deps.client, scores_call(sport, days_from=days_from))
        lines = normalize_scores(response.body)
        completed = {line.game.external_id for line in lines.items if line.completed}
        events: list[GameResultEvent] = [final_result(line) for line in lines.items if line.completed]
        events += [
            void_result(
                game, reason=f"not completed {settings.void_after_hours} h after tip-off (postponed or cancelled)"
            )
            for game in awaiting
            if game.commence_time < void_before and game.external_id not in completed
        ]
        result = await publish_events(deps.sqs, destination, events, max_attempts=settings.publish_max_attempts)
        voided = len(events) - len(completed)
        return StageResult(
            sport,
            "published",
            f"daysFrom={days_from} for {len(awaiting)} awaiting games: {len(completed)} final, {voided} void "
            f"to {settings.score_events_queue}",
            credits=response.requests_last or 0,
            published=result.sent,
            problems=lines.problems,
        )

    return await _run(JobReport(FETCH_SCORES, now), settings.sports, stage)


JOBS = {FETCH_ODDS: fetch_odds, FETCH_SCORES: fetch_scores, FETCH_CLOSING: fetch_closing}
