"""The fetch schedules, defined once: EventBridge cron expressions (UTC) that the deployment template and the local
`make dev` scheduler both read, and a parser that finds an expression's next firing time.

Why these times (UTC): NBA tip-offs run 23:00–03:30 UTC and games end by about 06:00 UTC. Odds at 15:00 price the
evening's slate once lines are up; scores at 10:00 settle the night's games with one look-back; the optional closing
refresh at 22:40 catches the lines just before the usual first tip at 23:00.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.fetcher.jobs import FETCH_CLOSING, FETCH_ODDS, FETCH_SCORES
from services.fetcher.settings import FetcherSettings


@dataclass(frozen=True)
class Schedule:
    """One EventBridge rule: its name, the job it starts and when."""

    rule_name: str
    job: str
    expression: str
    description: str
    optional: bool = False  # off unless its setting turns it on

    @property
    def handler(self) -> str:
        """The Lambda handler the rule targets, as a dotted path (for the deployment template)."""
        return f"services.fetcher.handler.{self.job}_handler"

    def enabled(self, settings: FetcherSettings) -> bool:
        """Tell whether the rule is on under these settings."""
        return not self.optional or (self.job == FETCH_CLOSING and settings.closing_line_enabled)


SCHEDULES: tuple[Schedule, ...] = (
    Schedule(
        "pickvs-fetch-odds",
        FETCH_ODDS,
        "cron(0 15 * * ? *)",
        "Price the games starting in the next 24 h (skips the paid call when none do)",
    ),
    Schedule(
        "pickvs-fetch-scores",
        FETCH_SCORES,
        "cron(0 10 * * ? *)",
        "Fetch results of the games past tip-off (skips the paid call when none await one)",
    ),
    Schedule(
        "pickvs-fetch-closing",
        FETCH_CLOSING,
        "cron(40 22 * * ? *)",
        "Refresh odds before the first tip-off so the closing line is real (PICKVS_CLOSING_LINE_ENABLED)",
        optional=True,
    ),
)


def schedule_for(job: str) -> Schedule:
    """Return the schedule that starts a job."""
    return next(s for s in SCHEDULES if s.job == job)


class CronError(ValueError):
    """An expression EventBridge would not accept, or one using a feature this parser does not support."""


_MONTHS = {
    name: i
    for i, name in enumerate(
        ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1
    )
}
# EventBridge numbers days of the week 1 (SUN) to 7 (SAT).
_WEEKDAYS = {name: i for i, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], start=1)}
_FIELDS = (
    ("minutes", 0, 59, {}),
    ("hours", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 1, 7, _WEEKDAYS),
    ("year", 1970, 2199, {}),
)


def _value(text: str, names: dict[str, int], name: str) -> int:
    if text.upper() in names:
        return names[text.upper()]
    if not text.isdigit():
        raise CronError(f"{name}: {text!r} is not a number{' or a name' if names else ''}")
    return int(text)


def _parse_field(text: str, name: str, low: int, high: int, names: dict[str, int]) -> frozenset[int] | None:
    """Return the allowed values, or None for `*`/`?` (any)."""
    if text in ("*", "?"):
        return None
    values: set[int] = set()
    for part in text.split(","):
        match = re.fullmatch(r"([^/]+)(?:/(\d+))?", part)
        if not match:
            raise CronError(f"{name}: cannot read {part!r}")
        base, step = match.group(1), int(match.group(2) or 1)
        if step < 1:
            raise CronError(f"{name}: a step must be at least 1")
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, last = base.split("-", 1)
            start, end = _value(first, names, name), _value(last, names, name)
        else:
            start = _value(base, names, name)
            end = high if match.group(2) else start
        if not (low <= start <= high and low <= end <= high and start <= end):
            raise CronError(f"{name}: {part!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    """A parsed EventBridge `cron(...)` expression, evaluated in UTC."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None
    months: frozenset[int] | None
    weekdays: frozenset[int] | None
    years: frozenset[int] | None

    @classmethod
    def parse(cls, expression: str) -> Cron:
        """Parse `cron(min hour day-of-month month day-of-week year)`; L, W and # are not supported."""
        match = re.fullmatch(r"\s*cron\((.*)\)\s*", expression)
        if not match:
            raise CronError(f"{expression!r}: expected cron(minutes hours day-of-month month day-of-week year)")
        parts = match.group(1).split()
        if len(parts) != 6:
            raise CronError(f"{expression!r}: EventBridge cron has 6 fields, got {len(parts)}")
        if (parts[2] == "?") == (parts[4] == "?"):
            raise CronError(f"{expression!r}: exactly one of day-of-month and day-of-week must be '?'")
        fields = [_parse_field(text, *spec) for text, spec in zip(parts, _FIELDS, strict=True)]
        minutes, hours = fields[0], fields[1]
        return cls(
            minutes if minutes is not None else frozenset(range(60)),
            hours if hours is not None else frozenset(range(24)),
            *fields[2:],
        )

    def _day_matches(self, day: datetime) -> bool:
        weekday = day.isoweekday() % 7 + 1  # Monday=1…Sunday=7 → SUN=1…SAT=7
        return (
            (self.days is None or day.day in self.days)
            and (self.months is None or day.month in self.months)
            and (self.weekdays is None or weekday in self.weekdays)
            and (self.years is None or day.year in self.years)
        )

    def next_after(self, moment: datetime) -> datetime | None:
        """Return the first firing time strictly after `moment` (None if it never fires again within 5 years)."""
        moment = moment.astimezone(UTC)
        day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        for _ in range(5 * 366 + 1):
            if self._day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        candidate = day.replace(hour=hour, minute=minute)
                        if candidate > moment:
                            return candidate
            day += timedelta(days=1)
        return None

    def firings_between(self, start: datetime, end: datetime) -> list[datetime]:
        """Return every firing time in (start, end)."""
        out = []
        moment = self.next_after(start)
        while moment is not None and moment < end:
            out.append(moment)
            moment = self.next_after(moment)
        return out
