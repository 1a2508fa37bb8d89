"""`make dev`'s ingestion parts: the Odds API simulator, the ingest worker and the fetch scheduler.

- `odds_api` starts the simulator unless a real PICKVS_ODDS_API_KEY is set, and exports its URL and key so the fetcher
  (here and in `pickvs fetch-odds` from another terminal) finds it. Demo mode serves `Slate.demo` on the real clock
  with a simulator quota and a budget sized for demos (documented in docs/ingestion.md).
- `ingest_worker` feeds the game-events queue to the ingest Lambda handler through the local event-source runner.
- `fetch_scheduler` invokes the fetch handlers with EventBridge-shaped events: on the cron expressions of
  `services/fetcher/schedules.py`, or — in demo mode against the simulator — odds at once and both jobs every
  `DEMO_INTERVAL_SECONDS`, so games open, lock, finish and are graded within about ten minutes.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from devstack.tasks import background
from pickvs.runner import EventSourceRunner, LambdaContext

if TYPE_CHECKING:
    from devstack.dev import DevStack

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

    configured = FetcherSettings()
    if configured.odds_api_key:
        stack.banner.append(
            f"Odds API     {configured.odds_api_base_url}  (real: PICKVS_ODDS_API_KEY is set; "
            f"budget {configured.odds_monthly_budget} credits a month)"
        )
        yield
        return
    now = datetime.now(UTC)
    if stack.demo:
        simulator = OddsApiSimulator(api_keys=(SIM_KEY,), monthly_quota=DEMO_SIM_QUOTA, slate=Slate.demo(now))
        if "PICKVS_ODDS_MONTHLY_BUDGET" not in os.environ:
            stack.export("PICKVS_ODDS_MONTHLY_BUDGET", str(DEMO_BUDGET))
    else:
        simulator = OddsApiSimulator(api_keys=(SIM_KEY,), slate=Slate.nba_season(now))
    base_url = await simulator.start(stack.host, 0)
    stack.export("PICKVS_ODDS_API_BASE_URL", base_url)
    stack.export("PICKVS_ODDS_API_KEY", SIM_KEY)
    games = len(simulator.slate.games)
    stack.banner.append(
        f"Odds API     {base_url}  (simulator: {games} games, "
        f"{'demo slate, first tip-off in 2 min' if stack.demo else 'NBA season on the real clock'})"
    )
    try:
        yield
    finally:
        await simulator.stop()


@asynccontextmanager
async def ingest_worker(stack: DevStack) -> AsyncIterator[None]:
    """Run the ingest handler on the game-events queue, as Lambda's SQS trigger would."""
    from pickvs.sqs import get_sqs_client, queue_url
    from services.grader.ingest_handler import handle
    from services.grader.settings import GraderSettings

    settings = GraderSettings()
    client = await get_sqs_client(settings)
    runner = EventSourceRunner(
        client,
        await queue_url(client, settings.game_events_queue),
        handle,
        function_name="ingest",
        region=settings.aws_region,
        retry_delay_seconds=2,
    )
    stack.banner.append(f"Ingest       {settings.game_events_queue} → game, odds, market_line")
    async with background(runner.run(stack.stop), name="ingest-worker"):
        yield


async def _invoke(job: str, rule_name: str) -> None:
    from services.fetcher.handler import HANDLERS, scheduled_event

    try:
        await HANDLERS[job](scheduled_event(rule_name=rule_name, at=datetime.now(UTC)), LambdaContext(job))
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("%s failed", job)


async def _sleep_or_stop(stack: DevStack, seconds: float) -> bool:
    """Wait `seconds`; return True if the stack is stopping."""
    try:
        await asyncio.wait_for(stack.stop.wait(), timeout=max(seconds, 0))
        return True
    except TimeoutError:
        return False


async def _demo_loop(stack: DevStack) -> None:
    while True:
        await _invoke("fetch_odds", "pickvs-fetch-odds")
        await _invoke("fetch_scores", "pickvs-fetch-scores")
        if await _sleep_or_stop(stack, DEMO_INTERVAL_SECONDS):
            return


async def _cron_loop(stack: DevStack) -> None:
    from services.fetcher.schedules import SCHEDULES, Cron
    from services.fetcher.settings import get_settings

    settings = get_settings()
    rules = [(s, Cron.parse(s.expression)) for s in SCHEDULES if s.enabled(settings)]
    while rules:
        now = datetime.now(UTC)
        upcoming = sorted(((cron.next_after(now), schedule) for schedule, cron in rules), key=lambda p: p[0])
        at, schedule = upcoming[0]
        log.info("next: %s at %s", schedule.job, at.isoformat())
        if await _sleep_or_stop(stack, (at - now).total_seconds()):
            return
        await _invoke(schedule.job, schedule.rule_name)


@asynccontextmanager
async def fetch_scheduler(stack: DevStack) -> AsyncIterator[None]:
    """Fire the fetch handlers: compressed in demo mode against the simulator, else on the real cron expressions."""
    from services.fetcher.handler import close_sessions
    from services.fetcher.schedules import SCHEDULES
    from services.fetcher.settings import get_settings

    get_settings.cache_clear()  # the simulator's URL and the demo budget were exported after any earlier read
    demo = stack.demo and stack.endpoints.get("PICKVS_ODDS_API_KEY") == SIM_KEY
    if demo:
        stack.banner.append(
            f"Scheduler    demo: fetch-odds now, fetch-odds + fetch-scores every "
            f"{DEMO_INTERVAL_SECONDS:g} s (`pickvs quota` shows the credits)"
        )
    else:
        on = [f"{s.job} {s.expression}" for s in SCHEDULES if s.enabled(get_settings())]
        stack.banner.append(f"Scheduler    {', '.join(on)} (UTC)")
    try:
        async with background(_demo_loop(stack) if demo else _cron_loop(stack), name="fetch-scheduler"):
            yield
    finally:
        await close_sessions()
