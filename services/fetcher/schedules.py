"""The fetch schedules, defined once: each rule's name, the job it starts and its daily time (UTC).

The deployment template (infra/template.yaml) creates one EventBridge rule per schedule with `Schedule.expression`
(tests/infra proves the two agree), each targeting the fan-out `services.fetcher.dispatch`, which starts one run of the
fetcher's entry point `services.fetcher.handler.lambda_handler` per configured sport; the handler finds the schedule by
the rule's name. LocalStack's init hook loads this file by its path to create the same rules, so it imports nothing
but the standard library at run time. The local `make dev` scheduler and `pickvs quota` read the same times. Every
schedule fires once a day, so a daily time is all a schedule needs (no cron parser).

Why these times (UTC): NBA tip-offs run 23:00–03:30 UTC and games end by about 06:00 UTC. Odds at 15:00 price the
evening's slate once lines are up; scores at 10:00 settle the night's games with one look-back; the optional closing
refresh at 22:40 catches the lines just before the usual first tip at 23:00.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.fetcher.settings import FetcherSettings


class Job(StrEnum):
    """A fetch job a schedule starts (services/fetcher/jobs.py)."""

    FETCH_ODDS = "fetch_odds"
    FETCH_SCORES = "fetch_scores"
    FETCH_CLOSING = "fetch_closing"


_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Schedule:
    """One EventBridge rule: its name, the job it starts, and the time of day (UTC) it fires."""

    rule_name: str
    job: Job
    at: time
    description: str
    optional: bool = False  # off unless its setting turns it on

    @property
    def expression(self) -> str:
        """The rule's EventBridge schedule expression."""
        return f"cron({self.at.minute} {self.at.hour} * * ? *)"

    def enabled(self, settings: FetcherSettings) -> bool:
        """Tell whether the rule is on under these settings."""
        return not self.optional or (self.job is Job.FETCH_CLOSING and settings.closing_line_enabled)

    def next_after(self, moment: datetime) -> datetime:
        """Return the first firing strictly after `moment`."""
        moment = moment.astimezone(UTC)
        today = datetime.combine(moment.date(), self.at, tzinfo=UTC)
        return today if today > moment else today + _DAY

    def firings_between(self, start: datetime, end: datetime) -> int:
        """Count the firings in (start, end)."""
        first = self.next_after(start)
        return 0 if first >= end else (end - first - timedelta(microseconds=1)) // _DAY + 1


SCHEDULES: tuple[Schedule, ...] = (
    Schedule(
        "pickvs-fetch-odds",
        Job.FETCH_ODDS,
        time(15, 0),
        "Price the games starting in the next 24 h (skips the paid call when none do)",
    ),
    Schedule(
        "pickvs-fetch-scores",
        Job.FETCH_SCORES,
        time(10, 0),
        "Fetch results of the games past tip-off (skips the paid call when none await one)",
    ),
    Schedule(
        "pickvs-fetch-closing",
        Job.FETCH_CLOSING,
        time(22, 40),
        "Refresh odds before the first tip-off so the closing line is real (PICKVS_CLOSING_LINE_ENABLED)",
        optional=True,
    ),
)
SCHEDULES_BY_RULE = {schedule.rule_name: schedule for schedule in SCHEDULES}


class NotAScheduledEvent(ValueError):
    """The invocation is not an EventBridge scheduled event of one of our rules (or names a sport not configured)."""


def schedule_of(event: Any) -> Schedule:
    """Check an EventBridge scheduled event's shape and return the schedule its rule (in `resources`) stands for."""
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
    return schedule
