"""`pickvs quota`: what this month has spent, what each job costs, and where the month is heading."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from services.fetcher.client import SCORES_COST
from services.fetcher.ledger import Budget, MonthUsage, month_usage, next_month_start
from services.fetcher.resources import budget as monthly_budget
from services.fetcher.schedules import SCHEDULES, Job, Schedule
from services.fetcher.settings import FetcherSettings

_DAYS_30 = timedelta(days=30)


@dataclass(frozen=True)
class JobCost:
    """One schedule's price: per run, runs left this month, and in a full 30-day month."""

    schedule: Schedule
    enabled: bool
    per_run: int
    runs_left: int
    runs_in_30_days: int

    @property
    def left_this_month(self) -> int:
        return self.per_run * self.runs_left

    @property
    def per_30_days(self) -> int:
        return self.per_run * self.runs_in_30_days


@dataclass(frozen=True)
class QuotaReport:
    """Everything `pickvs quota` prints."""

    base_url: str
    budget: Budget
    now: datetime
    usage: MonthUsage
    costs: list[JobCost]
    sports: list[str]
    markets: int
    regions: int

    @property
    def remaining(self) -> int:
        return max(self.budget.spendable - self.usage.effective_spent, 0)

    @property
    def projected(self) -> int:
        """The month's total if every remaining run of every enabled schedule pays in full (the worst case)."""
        return self.usage.effective_spent + sum(c.left_this_month for c in self.costs if c.enabled)


async def quota_report(pool: asyncpg.Pool, *, settings: FetcherSettings, now: datetime) -> QuotaReport:
    """Gather the month's usage of the configured API (no key needed: the ledger is kept per base URL) and each
    schedule's cost."""
    usage = await month_usage(pool, base_url=settings.odds_api_base_url, now=now)
    month_end = next_month_start(now)
    costs: list[JobCost] = []
    for schedule in SCHEDULES:
        per_sport = SCORES_COST if schedule.job is Job.FETCH_SCORES else settings.odds_call_cost
        costs.append(
            JobCost(
                schedule,
                schedule.enabled(settings),
                per_sport * len(settings.sports),
                runs_left=schedule.firings_between(now, month_end),
                runs_in_30_days=schedule.firings_between(usage.month_start, usage.month_start + _DAYS_30),
            )
        )
    return QuotaReport(
        settings.odds_api_base_url,
        monthly_budget(settings),
        now,
        usage,
        costs,
        list(settings.sports),
        len(settings.odds_markets),
        len(settings.odds_regions),
    )


def render(report: QuotaReport) -> list[str]:
    """Format the report for a terminal."""
    budget, usage = report.budget, report.usage
    month = f"{usage.month_start:%B %Y}"
    api = (
        f"the API reports {usage.api_used} used, {usage.api_remaining} remaining"
        if usage.api_used is not None
        else "no response from the API yet this month"
    )
    lines = [
        f"Odds API credits for {month} (UTC) at {report.base_url}",
        f"  used       {usage.effective_spent:5d}  (ledger: {usage.spent} credits in {usage.calls} calls, "
        f"{usage.paid_calls} paid; {api})",
        f"  remaining  {report.remaining:5d}  (budget {budget.monthly} - reserve {budget.reserve} - used "
        f"{usage.effective_spent})",
        f"cost per run ({len(report.sports)} sport{'s' if len(report.sports) != 1 else ''}: "
        f"{', '.join(report.sports)})",
    ]
    for cost in report.costs:
        why = (
            "daysFrom look-back; 0 when no game awaits a result"
            if cost.schedule.job is Job.FETCH_SCORES
            else f"{report.markets} markets x {report.regions} region{'s' if report.regions != 1 else ''}; "
            "0 when no game starts in the window"
        )
        state = "on" if cost.enabled else "off"
        lines.append(
            f"  {cost.schedule.job.replace('_', '-'):14s} {cost.schedule.expression:22s} "
            f"{cost.per_run:3d} credits  {state:3s}  ({why})"
        )
    enabled = [c for c in report.costs if c.enabled]
    terms = " + ".join(f"{c.runs_left} x {c.per_run}" for c in enabled)
    verdict = "within" if report.projected <= budget.spendable else "OVER"
    lines += [
        f"projection for {month}",
        f"  at most {usage.effective_spent} + {terms} = {report.projected} by {next_month_start(report.now):%Y-%m-%d} "
        f"if every remaining run pays; {verdict} the spendable {budget.spendable}",
        f"  a full 30-day month costs at most {sum(c.per_30_days for c in enabled)} with the schedules that are on",
    ]
    for cost in report.costs:
        if not cost.enabled:
            lines.append(
                f"  turning {cost.schedule.job.replace('_', '-')} on would add at most {cost.left_this_month} "
                f"this month "
                f"({cost.runs_left} runs x {cost.per_run}) and {cost.per_30_days} in a 30-day month; "
                "the budget guard still stops every paid call at the budget"
            )
    return lines
