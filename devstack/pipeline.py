"""`make dev`'s fetch side: the Odds API simulator and the fetch scheduler.

- `odds_api` starts the simulator unless a real PICKVS_ODDS_API_KEY is set, and records the API's URL and key (the
  simulator's, or the real one it was started with) so the fetcher, here and in `pickvs fetch-odds` from another
  terminal, uses the same API. Demo mode serves `Slate.demo` on the real clock
  with a simulator quota and a budget sized for demos (documented in docs/ingestion.md).
- `fetch_scheduler` runs the schedules through the fetcher handler's `run_schedule`, as the Lambda does: at the daily
  times of `services/fetcher/schedules.py`, or — in demo mode against the simulator — odds at once and both jobs every
  `DEMO_INTERVAL_SECONDS`, so games open, lock, finish and are graded within about ten minutes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from devstack.tasks import background

if TYPE_CHECKING:
    from devstack.dev import DevStack
    from services.fetcher.resources import FetcherDeps
    from services.fetcher.schedules import Schedule

log = logging.getLogger("pickvs.dev.pipeline")

SIM_KEY = "sim-key"
# A demo run spends about 80 credits (odds every 30 s until the last tip-off, scores until the last final); a larger
# simulator quota and budget let a developer restart the demo many times a month without the guard stopping it.
DEMO_SIM_QUOTA = 1_000_000
DEMO_BUDGET = 10_000
DEMO_INTERVAL_SECONDS = 30.0


@asynccontextmanager
async def odds_api(stack: DevStack) -> AsyncIterator[None]:
    """Start the Odds API simulator unless a real key is configured."""
    from devstack.odds_simulator import OddsApiSimulator, Slate
    from services.fetcher.settings import FetcherSettings

    configured = stack.settings(FetcherSettings)
    if configured.odds_api_key:
        # Recorded as well, so commands in another terminal use the same API, key and budget as the stack.
        stack.use(
            odds_api_base_url=configured.odds_api_base_url,
            odds_api_key=configured.odds_api_key,
            odds_monthly_budget=configured.odds_monthly_budget,
        )
        stack.banner.append(
            f"Odds API     {configured.odds_api_base_url}  (real: PICKVS_ODDS_API_KEY is set; "
            f"budget {configured.odds_monthly_budget} credits a month)"
        )
        yield
        return
    now = datetime.now(UTC)
    if stack.demo:
        simulator = OddsApiSimulator(api_keys=(SIM_KEY,), monthly_quota=DEMO_SIM_QUOTA, slate=Slate.demo(now))
        if "odds_monthly_budget" not in configured.model_fields_set:
            stack.use(odds_monthly_budget=DEMO_BUDGET)
    else:
        simulator = OddsApiSimulator(api_keys=(SIM_KEY,), slate=Slate.nba_season(now))
    base_url = await simulator.start(stack.host, 0)
    stack.use(odds_api_base_url=base_url, odds_api_key=SIM_KEY)
    games = len(simulator.slate.games)
    stack.banner.append(
        f"Odds API     {base_url}  (simulator: {games} games, "
        f"{'demo slate, first tip-off in 2 min' if stack.demo else 'NBA season on the real clock'})"
    )
    try:
        yield
    finally:
        await simulator.stop()


async def _fire(schedule: Schedule, fetcher: FetcherDeps) -> None:
    from services.fetcher.handler import run_schedule

    try:
        await run_schedule(schedule, datetime.now(UTC), fetcher)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("%s failed", schedule.job)


async def _sleep_or_stop(stack: DevStack, seconds: float) -> bool:
    """Wait `seconds`; return True if the stack is stopping."""
    try:
        await asyncio.wait_for(stack.stop.wait(), timeout=max(seconds, 0))
        return True
    except TimeoutError:
        return False


async def _demo_loop(stack: DevStack, fetcher: FetcherDeps) -> None:
    from services.fetcher.schedules import SCHEDULES_BY_RULE

    while True:
        await _fire(SCHEDULES_BY_RULE["pickvs-fetch-odds"], fetcher)
        await _fire(SCHEDULES_BY_RULE["pickvs-fetch-scores"], fetcher)
        if await _sleep_or_stop(stack, DEMO_INTERVAL_SECONDS):
            return


async def _daily_loop(stack: DevStack, fetcher: FetcherDeps) -> None:
    from services.fetcher.schedules import SCHEDULES

    schedules = [s for s in SCHEDULES if s.enabled(fetcher.settings)]
    while schedules:
        now = datetime.now(UTC)
        at, schedule = min(((s.next_after(now), s) for s in schedules), key=lambda pair: pair[0])
        log.info("next: %s at %s", schedule.job, at.isoformat())
        if await _sleep_or_stop(stack, (at - now).total_seconds()):
            return
        await _fire(schedule, fetcher)


@asynccontextmanager
async def fetch_scheduler(stack: DevStack) -> AsyncIterator[None]:
    """Fire the fetch schedules: compressed in demo mode against the simulator, else at their daily times."""
    from services.fetcher.resources import open_fetcher
    from services.fetcher.schedules import SCHEDULES
    from services.fetcher.settings import FetcherSettings

    settings = stack.settings(FetcherSettings)
    demo = stack.demo and settings.odds_api_key == SIM_KEY
    if demo:
        stack.banner.append(
            f"Scheduler    demo: fetch-odds now, fetch-odds + fetch-scores every "
            f"{DEMO_INTERVAL_SECONDS:g} s (`pickvs quota` shows the credits)"
        )
    else:
        on = [f"{s.job} {s.expression}" for s in SCHEDULES if s.enabled(settings)]
        stack.banner.append(f"Scheduler    {', '.join(on)} (UTC)")
    async with (
        open_fetcher(settings) as fetcher,
        background(_demo_loop(stack, fetcher) if demo else _daily_loop(stack, fetcher), name="fetch-scheduler"),
    ):
        yield
