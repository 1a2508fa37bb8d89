"""The fetcher's Lambda entry point: `lambda_handler` takes an EventBridge scheduled event, finds the schedule by the
rule's name (`schedules.SCHEDULES`) and runs its job (`jobs.JOBS`).

On AWS every rule targets the fan-out (`dispatch.py`), which forwards the scheduled event once per configured sport
with the sport in its `detail`; such a run fetches that sport only, so one sport's failure never touches another's. An
event without a sport (a rule targeting this function directly, a manual invocation) runs every configured sport.

A short adapter: parse the scheduled event, look up the schedule, run one job, return its report and record what the
run spent as metrics (`metrics.py`). A run that must stop (bad key, credits exhausted) returns its report with
`ok: false` and logs the reason at ERROR instead of raising: raising would make Lambda's asynchronous invocation try
the same doomed run twice more.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import datetime
from typing import Any, NamedTuple

from pickvs.lambda_runtime import run_in_container_loop
from services.fetcher.jobs import JOBS
from services.fetcher.metrics import emit_run_metrics
from services.fetcher.normalize import NormalizationError, parse_time
from services.fetcher.resources import FetcherDeps, open_fetcher
from services.fetcher.schedules import NotAScheduledEvent, Schedule, schedule_of
from services.fetcher.settings import get_settings


class ScheduledRun(NamedTuple):
    """What one invocation asks for: a schedule, when it fired, and the one sport to fetch (None: every sport)."""

    schedule: Schedule
    scheduled_for: datetime
    sport: str | None = None


def parse_scheduled_event(event: Any) -> ScheduledRun:
    """Check an EventBridge scheduled event's shape; return the schedule its rule stands for, its time and its sport."""
    schedule = schedule_of(event)
    detail = event.get("detail") or {}
    sport = detail.get("sport") if isinstance(detail, dict) else None
    if sport is not None and (not isinstance(sport, str) or not sport):
        raise NotAScheduledEvent(f"the event's detail.sport must be a sport key, not {sport!r}")
    try:
        return ScheduledRun(schedule, parse_time(event.get("time")), sport)
    except NormalizationError as exc:
        raise NotAScheduledEvent(f"the event's time: {exc}") from None


async def run_schedule(
    schedule: Schedule, scheduled_for: datetime, fetcher: FetcherDeps, *, sport: str | None = None
) -> dict[str, Any]:
    """Run a schedule's job (if the schedule is on) for one sport or every configured one; return its report."""
    if sport is not None:
        if sport not in fetcher.settings.sports:
            # Never spend credits on a sport nobody configured (a stale rule, a hand-made event).
            raise NotAScheduledEvent(f"sport {sport} is not in PICKVS_SPORTS ({', '.join(fetcher.settings.sports)})")
        fetcher = replace(fetcher, settings=fetcher.settings.model_copy(update={"sports": [sport]}))
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
    run = parse_scheduled_event(event)
    if _fetcher is None:
        _fetcher = await _container.enter_async_context(open_fetcher(get_settings()))
    report = await run_schedule(run.schedule, run.scheduled_for, _fetcher, sport=run.sport)
    await emit_run_metrics(_fetcher, report)
    return report


async def close() -> None:
    """Close this container's resources (tests)."""
    global _fetcher
    _fetcher = None
    await _container.aclose()


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """AWS Lambda entry point of every fetch schedule."""
    return run_in_container_loop(handle(event, context))
