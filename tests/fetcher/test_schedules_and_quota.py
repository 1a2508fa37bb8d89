"""The schedules (EventBridge cron, UTC) and `pickvs quota`'s numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from services.fetcher import handler
from services.fetcher.jobs import fetch_odds
from services.fetcher.quota import quota_report, render
from services.fetcher.schedules import SCHEDULES, Cron, CronError, schedule_for
from services.fetcher.settings import FetcherSettings
from tests.fetcher.conftest import START, fetcher_settings


def test_every_schedule_is_a_valid_eventbridge_cron_and_only_closing_is_optional() -> None:
    for schedule in SCHEDULES:
        Cron.parse(schedule.expression)
    settings = FetcherSettings()
    assert [s.job for s in SCHEDULES if s.enabled(settings)] == ["fetch_odds", "fetch_scores"]
    assert schedule_for("fetch_closing").enabled(settings.model_copy(update={"closing_line_enabled": True}))
    assert all(callable(getattr(handler, s.handler.rsplit(".", 1)[1])) for s in SCHEDULES)


def test_the_odds_and_scores_schedules_fire_daily_at_their_utc_times() -> None:
    odds, scores = (
        Cron.parse(schedule_for("fetch_odds").expression),
        Cron.parse(schedule_for("fetch_scores").expression),
    )
    assert odds.next_after(datetime(2026, 11, 25, 14, 59, tzinfo=UTC)) == datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    assert odds.next_after(datetime(2026, 11, 25, 15, 0, tzinfo=UTC)) == datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    assert scores.next_after(datetime(2026, 12, 31, 11, 0, tzinfo=UTC)) == datetime(2027, 1, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "expression, after, expected",
    [
        (
            "cron(*/15 9-10 ? * MON-FRI *)",
            datetime(2026, 11, 27, 10, 50, tzinfo=UTC),
            datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
        ),
        ("cron(0 12 1 * ? *)", datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 12, 1, 12, 0, tzinfo=UTC)),
        ("cron(30 18 ? * 1 *)", datetime(2026, 11, 25, tzinfo=UTC), datetime(2026, 11, 29, 18, 30, tzinfo=UTC)),  # SUN
        ("cron(0 0 29 FEB ? 2028)", datetime(2026, 1, 1, tzinfo=UTC), datetime(2028, 2, 29, 0, 0, tzinfo=UTC)),
    ],
)
def test_cron_fields_ranges_steps_names_and_weekdays(expression: str, after: datetime, expected: datetime) -> None:
    assert Cron.parse(expression).next_after(after) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "0 15 * * ? *",
        "cron(0 15 * * *)",
        "cron(0 15 * * * *)",
        "cron(0 15 ? * ? *)",
        "cron(61 15 * * ? *)",
        "cron(0 15 L * ? *)",
    ],
)
def test_expressions_eventbridge_would_refuse_are_refused(expression: str) -> None:
    with pytest.raises(CronError):
        Cron.parse(expression)


async def test_quota_shows_used_remaining_each_jobs_cost_and_the_month_projection(
    db: asyncpg.Pool, sqs: Any, simulator: Any, make_deps: Any
) -> None:
    # GIVEN one odds run on 1 November (3 credits)
    deps = make_deps()
    await fetch_odds(deps)
    # WHEN the quota is reported later that day
    settings = fetcher_settings(simulator.base_url)
    report = await quota_report(db, settings=settings, target=deps.target, now=START + timedelta(hours=1))
    text = "\n".join(render(report))
    # THEN it shows spend, what is left, each job's cost and the worst-case month
    assert report.usage.effective_spent == 3 and report.remaining == 500 - 25 - 3
    costs = {c.schedule.job: c for c in report.costs}
    assert (costs["fetch_odds"].per_run, costs["fetch_odds"].runs_left) == (3, 29)  # 2..30 November at 15:00
    assert (costs["fetch_scores"].per_run, costs["fetch_scores"].runs_left) == (2, 29)  # 2..30 November at 10:00
    assert report.projected == 3 + 29 * 3 + 29 * 2
    assert "Odds API credits for November 2026" in text and "remaining    472" in text
    assert "at most 3 + 29 x 3 + 29 x 2 = 148 by 2026-12-01" in text
    # AND what turning the closing-line schedule on would add, before anyone does
    assert costs["fetch_closing"].enabled is False
    assert "turning fetch-closing on would add at most 90 this month (30 runs x 3) and 90 in a 30-day month" in text
