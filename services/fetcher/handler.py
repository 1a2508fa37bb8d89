"""The fetcher's Lambda entry point: every EventBridge schedule targets `lambda_handler`, which finds the schedule by
the rule's name (`schedules.SCHEDULES`) and runs its job (`jobs.JOBS`).

A short adapter: parse the scheduled event, look up the schedule, run one job, return its report. A run that must stop
(bad key, credits exhausted) returns its report with `ok: false` and logs the reason at ERROR instead of raising:
raising would make Lambda's asynchronous invocation try the same doomed run twice more.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import datetime
from typing import Any

from pickvs.lambda_runtime import run_in_container_loop
from services.fetcher.jobs import JOBS
from services.fetcher.normalize import NormalizationError, parse_time
from services.fetcher.resources import FetcherDeps, open_fetcher
from services.fetcher.schedules import SCHEDULES_BY_RULE, Schedule
from services.fetcher.settings import get_settings


class NotAScheduledEvent(ValueError):
    """The invocation is not an EventBridge scheduled event of one of our rules."""


def parse_scheduled_event(event: Any) -> tuple[Schedule, datetime]:
    """Check an EventBridge scheduled event's shape; return the schedule its rule stands for and its time."""
    if (
        not isinstance(event, dict)
        or event.get("detail-type") != "Scheduled Event"
        or event.get("source") != "aws.events"
    ):
        raise NotAScheduledEvent(
            "expected an EventBridge scheduled event (source aws.events, detail-type Scheduled Event)"
        )
    rules = [str(arn).rpartition("rule/")[2] for arn in event.get("resources") or []]
    schedule = next((SCHEDULES_BY_RULE[rule] for rule in rules if rule in SCHEDULES_BY_RULE), None)
    if schedule is None:
        raise NotAScheduledEvent(f"no schedule for the rule(s) {rules}; known: {', '.join(SCHEDULES_BY_RULE)}")
    try:
        return schedule, parse_time(event.get("time"))
    except NormalizationError as exc:
        raise NotAScheduledEvent(f"the event's time: {exc}") from None


async def run_schedule(schedule: Schedule, scheduled_for: datetime, fetcher: FetcherDeps) -> dict[str, Any]:
    """Run a schedule's job (if the schedule is on) with the given resources; return its report as a dict."""
    if not schedule.enabled(fetcher.settings):
        return {
            "job": str(schedule.job),
            "ok": True,
            "credits": 0,
            "scheduled_for": scheduled_for.isoformat(),
            "skipped": f"the {schedule.rule_name} schedule is off ({schedule.description})",
        }
    report = await JOBS[schedule.job](fetcher)
    return {**report.as_dict(), "scheduled_for": scheduled_for.isoformat()}


# Settings are read at import, so a misconfigured function fails its init with one line naming the variable.
get_settings()

# One set of resources per container, opened on the first invocation and kept for the warm ones that follow.
_container = AsyncExitStack()
_fetcher: FetcherDeps | None = None


async def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run the job of one scheduled event with this container's resources."""
    global _fetcher
    schedule, scheduled_for = parse_scheduled_event(event)
    if _fetcher is None:
        _fetcher = await _container.enter_async_context(open_fetcher(get_settings()))
    return await run_schedule(schedule, scheduled_for, _fetcher)


async def close() -> None:
    """Close this container's resources (tests)."""
    global _fetcher
    _fetcher = None
    await _container.aclose()


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """AWS Lambda entry point of every fetch schedule."""
    return run_in_container_loop(handle(event, context))
