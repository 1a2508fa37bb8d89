"""The fetch jobs: what each schedule does, as plain async functions the handler, the CLI and `make dev` call.

`fetch_odds` asks the free /events endpoint whether any game starts in the window before paying for /odds;
`fetch_scores` pays for /scores only when the database holds games past tip-off that still await a result, and looks
back no further than the oldest of them; `fetch_closing` is `fetch_odds` shortly before tip-off, so the last pre-game
snapshot becomes the closing line.

Every run first publishes what an earlier run left in the outbox. A paid call then reads top to bottom: check that the
queue answers (never pay for events that cannot be sent), guard and call (`calls.call_paid`), record the ledger row and
the normalized events (the outbox) in one transaction, publish from the outbox and mark them sent. Each job returns a
`JobReport` that says, per sport, what was spent — every credit, failed stages included — and why.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import TypeVar

from contracts.events import GameOddsEvent, GameResultEvent
from pickvs.sqs import SqsUnreachable, check_queue
from services.fetcher import outbox
from services.fetcher.calls import Tally, call_free, call_paid, record
from services.fetcher.client import (
    ApiCall,
    Attempt,
    FatalApiError,
    OddsApiError,
    days_from_covering,
    events_call,
    odds_call,
    scores_call,
)
from services.fetcher.games import games_awaiting_results
from services.fetcher.ledger import BudgetExceeded, budget_transaction, mark_unreadable
from services.fetcher.normalize import (
    NormalizationError,
    final_result,
    normalize_events,
    normalize_odds,
    normalize_scores,
    parse_json,
    void_result,
)
from services.fetcher.report import JobReport, StageOutcome, StageResult
from services.fetcher.resources import FetcherDeps
from services.fetcher.schedules import Job

log = logging.getLogger(__name__)

T = TypeVar("T")
Event = GameOddsEvent | GameResultEvent
Stage = Callable[[str, Tally], Awaitable[StageResult]]


class UnreadableResponse(OddsApiError):
    """The API answered 200 with a body that is not what it documents; its credits are spent all the same."""


def _unreadable(call: ApiCall, exc: NormalizationError, *, credits: int, call_id: int) -> UnreadableResponse:
    return UnreadableResponse(
        f"{call.path} answered 200 with a body we cannot read ({exc}); {credits} credits spent, "
        f"the body is kept in odds_api_call {call_id}"
    )


async def _read_free(deps: FetcherDeps, attempt: Attempt, call_id: int, read: Callable[[object], T]) -> T:
    """Read a free call's body; keep an unreadable one on its ledger row and raise."""
    try:
        return read(parse_json(attempt.text))
    except NormalizationError as exc:
        await mark_unreadable(deps.pool, call_id, error=str(exc), body=attempt.text)
        raise _unreadable(attempt.call, exc, credits=attempt.credits, call_id=call_id) from None


async def _pay_and_store(
    deps: FetcherDeps, call: ApiCall, queue: str, *, job: str, tally: Tally, events: Callable[[object], Sequence[Event]]
) -> tuple[int, int]:
    """Guard, call, and record the ledger row with the call's events in the outbox; return (call id, events stored)."""
    await check_queue(deps.sqs, queue)
    async with budget_transaction(deps.pool) as budget_tx:
        paid = await call_paid(deps, budget_tx, call, job=job, tally=tally)
        call_id = await record(deps, budget_tx, paid, job=job, tally=tally)
        try:
            normalized = events(parse_json(paid.text))
        except NormalizationError as exc:
            # Recorded and committed with the ledger row; raised once the transaction is done.
            await mark_unreadable(budget_tx, call_id, error=str(exc), body=paid.text)
            unreadable: UnreadableResponse | None = _unreadable(call, exc, credits=paid.credits, call_id=call_id)
        else:
            unreadable = None
            await outbox.add(budget_tx, queue, normalized, call_id=call_id)
    if unreadable is not None:
        raise unreadable
    return call_id, len(normalized)


async def _publish(deps: FetcherDeps, call_id: int) -> tuple[int, str | None]:
    """Publish from the outbox; return how many of this call's events still wait, and why."""
    drained = await outbox.drain(deps.pool, deps.sqs, max_attempts=deps.settings.publish_max_attempts)
    waiting = await outbox.waiting_for_call(deps.pool, call_id)
    return waiting, (drained.errors[-1] if drained.errors else None)


def _stored_not_sent(sport: str, what: str, waiting: int, why: str | None, queue: str, tally: Tally) -> StageResult:
    return StageResult(
        sport,
        StageOutcome.FAILED,
        f"{what}; {waiting} stored in the outbox but not yet sent to {queue} ({why}); the next run or "
        "`pickvs outbox drain` sends them",
        credits=tally.credits,
    )


async def _run(deps: FetcherDeps, report: JobReport, stage: Stage) -> JobReport:
    earlier = await outbox.drain(deps.pool, deps.sqs, max_attempts=deps.settings.publish_max_attempts)
    if earlier.sent or earlier.waiting:
        report.notes.append(f"before paying: {earlier.line()}")
    for sport in deps.settings.sports:
        tally = Tally()
        try:
            report.results.append(await stage(sport, tally))
        except BudgetExceeded as exc:
            report.results.append(StageResult(sport, StageOutcome.SKIPPED, str(exc), credits=tally.credits))
        except FatalApiError as exc:
            report.results.append(StageResult(sport, StageOutcome.FAILED, str(exc), credits=tally.credits))
            report.aborted = str(exc)
            break
        except SqsUnreachable as exc:
            detail = f"not paying for anything: {exc}"
            report.results.append(StageResult(sport, StageOutcome.FAILED, detail, credits=tally.credits))
        except (OddsApiError, NormalizationError) as exc:
            report.results.append(StageResult(sport, StageOutcome.FAILED, str(exc), credits=tally.credits))
    for line in report.lines():
        (log.error if not report.ok else log.info)("%s", line)
    return report


async def fetch_odds(deps: FetcherDeps, *, job: Job = Job.FETCH_ODDS, window_hours: int | None = None) -> JobReport:
    """Publish a `GameOddsEvent` for every game starting in the window; pay for /odds only when /events lists one."""
    settings = deps.settings
    now = deps.clock()
    window_to = now + timedelta(hours=window_hours or settings.odds_window_hours)
    queue = settings.game_events_queue
    problems: list[str] = []

    def games_with_odds(body: object) -> list[GameOddsEvent]:
        odds = normalize_odds(body, fetched_at=deps.clock(), markets=settings.odds_markets)
        problems.extend(odds.problems)
        return odds.items

    async def stage(sport: str, tally: Tally) -> StageResult:
        listed, listed_id = await call_free(
            deps, events_call(sport, commence_from=now, commence_to=window_to), job=job, tally=tally
        )
        if not (await _read_free(deps, listed, listed_id, normalize_events)).items:
            return StageResult(
                sport, StageOutcome.SKIPPED, f"no game starts before {window_to:%Y-%m-%d %H:%M}Z: no paid call"
            )
        problems.clear()
        call = odds_call(
            sport,
            regions=settings.odds_regions,
            markets=[str(m) for m in settings.odds_markets],
            commence_from=now,
            commence_to=window_to,
        )
        call_id, stored = await _pay_and_store(deps, call, queue, job=job, tally=tally, events=games_with_odds)
        waiting, why = await _publish(deps, call_id)
        if waiting:
            return _stored_not_sent(sport, f"{stored} games with odds fetched", waiting, why, queue, tally)
        return StageResult(
            sport,
            StageOutcome.PUBLISHED,
            f"{stored} games with odds to {queue}",
            credits=tally.credits,
            published=stored,
            problems=list(problems),
        )

    return await _run(deps, JobReport(job, now), stage)


async def fetch_closing(deps: FetcherDeps) -> JobReport:
    """Refresh odds for the games about to tip off, so the last pre-game snapshot is the closing line."""
    return await fetch_odds(deps, job=Job.FETCH_CLOSING, window_hours=deps.settings.closing_window_hours)


async def fetch_scores(deps: FetcherDeps) -> JobReport:
    """Publish a final result for every completed game and a void for games long overdue; pay only when games await."""
    settings = deps.settings
    now = deps.clock()
    queue = settings.score_events_queue
    void_before = now - timedelta(hours=settings.void_after_hours)
    problems: list[str] = []
    finals: list[int] = []

    async def stage(sport: str, tally: Tally) -> StageResult:
        awaiting = await games_awaiting_results(deps.pool, sport_key=sport, now=now)
        if not awaiting:
            return StageResult(sport, StageOutcome.SKIPPED, "no game past tip-off awaits a result: no paid call")
        days_from = days_from_covering(awaiting[0].commence_time, now)

        def results(body: object) -> list[GameResultEvent]:
            lines = normalize_scores(body)
            problems[:] = lines.problems
            completed = {line.game.external_id for line in lines.items if line.completed}
            finals[:] = [len(completed)]
            events = [final_result(line) for line in lines.items if line.completed]
            reason = f"not completed {settings.void_after_hours} h after tip-off (postponed or cancelled)"
            return events + [
                void_result(game, reason=reason)
                for game in awaiting
                if game.commence_time < void_before and game.external_id not in completed
            ]

        call = scores_call(sport, days_from=days_from)
        call_id, stored = await _pay_and_store(deps, call, queue, job=Job.FETCH_SCORES, tally=tally, events=results)
        what = f"daysFrom={days_from} for {len(awaiting)} awaiting games: {finals[0]} final, {stored - finals[0]} void"
        waiting, why = await _publish(deps, call_id)
        if waiting:
            return _stored_not_sent(sport, what, waiting, why, queue, tally)
        return StageResult(
            sport,
            StageOutcome.PUBLISHED,
            f"{what} to {queue}",
            credits=tally.credits,
            published=stored,
            problems=list(problems),
        )

    return await _run(deps, JobReport(Job.FETCH_SCORES, now), stage)


JOBS: dict[Job, Callable[[FetcherDeps], Awaitable[JobReport]]] = {
    Job.FETCH_ODDS: fetch_odds,
    Job.FETCH_SCORES: fetch_scores,
    Job.FETCH_CLOSING: fetch_closing,
}
