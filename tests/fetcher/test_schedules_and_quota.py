"""The schedules (EventBridge cron, UTC) and `pickvs quota`'s numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from services.fetcher.jobs import fetch_odds
from services.fetcher.quota import quota_report, render
from services.fetcher.schedules import SCHEDULES, SCHEDULES_BY_RULE, Job
from services.fetcher.settings import FetcherSettings
from tests.fetcher.conftest import START, fetcher_settings


def test_only_the_closing_schedule_is_optional_and_its_setting_turns_it_on() -> None:
    settings = FetcherSettings()
    assert [s.job for s in SCHEDULES if s.enabled(settings)] == [Job.FETCH_ODDS, Job.FETCH_SCORES]
    closing = SCHEDULES_BY_RULE["pickvs-fetch-closing"]
    assert closing.enabled(settings.model_copy(update={"closing_line_enabled": True}))


def test_each_rules_eventbridge_expression_fires_daily_at_its_utc_time() -> None:
    assert [s.expression for s in SCHEDULES] == ["cron(0 15 * * ? *)", "cron(0 10 * * ? *)", "cron(40 22 * * ? *)"]


def test_the_next_firing_is_today_if_still_ahead_else_tomorrow() -> None:
    odds, scores = SCHEDULES_BY_RULE["pickvs-fetch-odds"], SCHEDULES_BY_RULE["pickvs-fetch-scores"]
    assert odds.next_after(datetime(2026, 11, 25, 14, 59, tzinfo=UTC)) == datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    assert odds.next_after(datetime(2026, 11, 25, 15, 0, tzinfo=UTC)) == datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    assert scores.next_after(datetime(2026, 12, 31, 11, 0, tzinfo=UTC)) == datetime(2027, 1, 1, 10, 0, tzinfo=UTC)


def test_firings_between_counts_each_day_strictly_inside_the_interval() -> None:
    odds = SCHEDULES_BY_RULE["pickvs-fetch-odds"]
    day = datetime(2026, 11, 1, tzinfo=UTC)
    assert odds.firings_between(day, day + timedelta(days=30)) == 30
    assert odds.firings_between(day.replace(hour=15), day + timedelta(days=1, hours=15)) == 0
    assert odds.firings_between(day.replace(hour=15), day + timedelta(days=1, hours=15, minutes=1)) == 1
    assert odds.firings_between(day.replace(hour=16), day.replace(hour=17)) == 0


async def test_quota_shows_used_remaining_each_jobs_cost_and_the_month_projection(
    db: asyncpg.Pool, sqs: Any, simulator: Any, make_deps: Any
) -> None:
    # GIVEN one odds run on 1 November (3 credits)
    deps = make_deps()
    await fetch_odds(deps)
    # WHEN the quota is reported later that day
    settings = fetcher_settings(simulator.base_url)
    report = await quota_report(db, settings=settings, now=START + timedelta(hours=1))
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
