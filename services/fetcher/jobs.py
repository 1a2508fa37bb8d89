"""The fetch jobs: what each schedule does, as plain async functions the handler, the CLI and `make dev` call.

`fetch_odds` asks the free /events endpoint whether any game starts in the window before paying for /odds;
`fetch_scores` pays for /scores only when the database holds games past tip-off that still await a result, and looks
back no further than the oldest of them; `fetch_closing` is `fetch_odds` shortly before tip-off, so the last pre-game
snapshot becomes the closing line. A paid call reads top to bottom: guard and call (`calls.call_paid`), record its
ledger row in the budget transaction, normalize, publish. Each job returns a `JobReport` that says, per sport, what
was spent and why.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from contracts.events import GameResultEvent
from pickvs.sqs import queue_url
from services.fetcher.calls import call_free, call_paid
from services.fetcher.client import FatalApiError, OddsApiError, days_from_covering, events_call, odds_call, scores_call
from services.fetcher.games import games_awaiting_results
from services.fetcher.ledger import BudgetExceeded, budget_transaction, record_attempt
from services.fetcher.normalize import (
    NormalizationError,
    final_result,
    normalize_events,
    normalize_odds,
    normalize_scores,
    void_result,
)
from services.fetcher.publish import PublishError, publish_events
from services.fetcher.report import JobReport, StageOutcome, StageResult
from services.fetcher.resources import FetcherDeps
from services.fetcher.schedules import Job

log = logging.getLogger(__name__)


async def _run(report: JobReport, sports: list[str], stage: Callable[[str], Awaitable[StageResult]]) -> JobReport:
    for sport in sports:
        try:
            report.results.append(await stage(sport))
        except BudgetExceeded as exc:
            report.results.append(StageResult(sport, StageOutcome.SKIPPED, str(exc)))
        except FatalApiError as exc:
            report.aborted = str(exc)
            break
        except (OddsApiError, NormalizationError, PublishError) as exc:
            report.results.append(StageResult(sport, StageOutcome.FAILED, str(exc)))
    for line in report.lines():
        (log.error if not report.ok else log.info)("%s", line)
    return report


async def fetch_odds(deps: FetcherDeps, *, job: Job = Job.FETCH_ODDS, window_hours: int | None = None) -> JobReport:
    """Publish a `GameOddsEvent` for every game starting in the window; pay for /odds only when /events lists one."""
    settings = deps.settings
    now = deps.clock()
    window_to = now + timedelta(hours=window_hours or settings.odds_window_hours)
    destination = await queue_url(deps.sqs, settings.game_events_queue)

    async def stage(sport: str) -> StageResult:
        listed = await call_free(deps, events_call(sport, commence_from=now, commence_to=window_to), job=job)
        if not normalize_events(listed.body).items:
            return StageResult(
                sport, StageOutcome.SKIPPED, f"no game starts before {window_to:%Y-%m-%d %H:%M}Z: no paid call"
            )
        call = odds_call(
            sport,
            regions=settings.odds_regions,
            markets=[str(m) for m in settings.odds_markets],
            commence_from=now,
            commence_to=window_to,
        )
        async with budget_transaction(deps.pool) as budget_tx:
            paid = await call_paid(deps, budget_tx, call, job=job)
            await record_attempt(budget_tx, paid, job=job, base_url=deps.target.base_url, at=deps.clock())
        odds = normalize_odds(paid.body, fetched_at=deps.clock(), markets=settings.odds_markets)
        sent = await publish_events(deps.sqs, destination, odds.items, max_attempts=settings.publish_max_attempts)
        return StageResult(
            sport,
            StageOutcome.PUBLISHED,
            f"{sent.sent} games with odds to {settings.game_events_queue}",
            credits=paid.credits,
            published=sent.sent,
            problems=odds.problems,
        )

    return await _run(JobReport(job, now), settings.sports, stage)


async def fetch_closing(deps: FetcherDeps) -> JobReport:
    """Refresh odds for the games about to tip off, so the last pre-game snapshot is the closing line."""
    return await fetch_odds(deps, job=Job.FETCH_CLOSING, window_hours=deps.settings.closing_window_hours)


async def fetch_scores(deps: FetcherDeps) -> JobReport:
    """Publish a final result for every completed game and a void for games long overdue; pay only when games await."""
    settings = deps.settings
    now = deps.clock()
    destination = await queue_url(deps.sqs, settings.score_events_queue)
    void_before = now - timedelta(hours=settings.void_after_hours)

    async def stage(sport: str) -> StageResult:
        awaiting = await games_awaiting_results(deps.pool, sport_key=sport, now=now)
        if not awaiting:
            return StageResult(sport, StageOutcome.SKIPPED, "no game past tip-off awaits a result: no paid call")
        days_from = days_from_covering(awaiting[0].commence_time, now)
        async with budget_transaction(deps.pool) as budget_tx:
            paid = await call_paid(deps, budget_tx, scores_call(sport, days_from=days_from), job=Job.FETCH_SCORES)
            await record_attempt(budget_tx, paid, job=Job.FETCH_SCORES, base_url=deps.target.base_url, at=deps.clock())
        lines = normalize_scores(paid.body)
        completed = {line.game.external_id for line in lines.items if line.completed}
        events: list[GameResultEvent] = [final_result(line) for line in lines.items if line.completed]
        events += [
            void_result(
                game, reason=f"not completed {settings.void_after_hours} h after tip-off (postponed or cancelled)"
            )
            for game in awaiting
            if game.commence_time < void_before and game.external_id not in completed
        ]
        sent = await publish_events(deps.sqs, destination, events, max_attempts=settings.publish_max_attempts)
        voided = len(events) - len(completed)
        return StageResult(
            sport,
            StageOutcome.PUBLISHED,
            f"daysFrom={days_from} for {len(awaiting)} awaiting games: {len(completed)} final, {voided} void "
            f"to {settings.score_events_queue}",
            credits=paid.credits,
            published=sent.sent,
            problems=lines.problems,
        )

    return await _run(JobReport(Job.FETCH_SCORES, now), settings.sports, stage)


JOBS: dict[Job, Callable[[FetcherDeps], Awaitable[JobReport]]] = {
    Job.FETCH_ODDS: fetch_odds,
    Job.FETCH_SCORES: fetch_scores,
    Job.FETCH_CLOSING: fetch_closing,
}
