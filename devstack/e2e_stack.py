"""The real stack the web app's end-to-end tests drive: `python -m devstack.e2e_stack`.

It runs what `make dev` runs — embedded PostgreSQL (migrated, demo players seeded), embedded SQS, the Odds API
simulator, the ingest and grader workers and the web service serving `frontend/dist` — in a throwaway data dir, with no
fetch schedule. Instead a small control API lets a test put games on the slate and move them along through the real
pipeline (fetcher → SQS → workers → PostgreSQL):

- `POST /games {count, tip_in_seconds, duration_seconds}`: new demo games tipping off that many seconds from now;
  fetch-odds runs and the answer waits until they are on the board: `{games: [{id, home_team, away_team, …}]}`.
- `POST /started {game_ids}`: waits until the database clock is past their tip-off (picks on them are closed).
- `POST /finish {game_ids}`: waits until the simulator has them final, runs fetch-scores and waits until every pick on
  them is graded: `{games: [{id, home_score, away_score}]}`.
- `POST /move-line {game_id, market, selection, price, point}`: runs fetch-odds until that side's consensus line
  differs from the one given: `{price, point}`.

Games tip off and finish by the real clock (the lock rule uses the database's), so a test waits seconds, not hours:
their lines re-price every `ODDS_INTERVAL` instead of every 30 s. stdout's first line is JSON with the app's and the
control API's URLs; SIGTERM, SIGINT or a closed stdin stops everything. Dev-only: production never imports it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import signal
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web as aioweb

log = logging.getLogger("pickvs.e2e")

ODDS_INTERVAL = timedelta(seconds=2)
WAIT_SECONDS = 90.0


async def _until(check: Callable[[], Awaitable[Any]], *, what: str, limit: float = WAIT_SECONDS) -> Any:
    """Poll `check` until it returns something truthy; fail with `what` after `limit` seconds."""
    deadline = asyncio.get_running_loop().time() + limit
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {limit:g} s")
        await asyncio.sleep(0.25)


class Control:
    """The control API's actions, over the running simulator and the stack's database."""

    def __init__(self, simulator: Any, pool: Any, app_url: str, fetcher: Any) -> None:
        self.simulator = simulator
        self.pool = pool
        self.app_url = app_url
        # The fetcher's resources (services.fetcher.resources.FetcherDeps), as the Lambda keeps them per container.
        self.fetcher = fetcher
        self._seed = 100

    async def _run_job(self, job: str) -> dict[str, Any]:
        from services.fetcher.jobs import JOBS
        from services.fetcher.schedules import Job

        report = await JOBS[Job(job)](self.fetcher)
        if not report.ok:
            raise RuntimeError(f"{job} failed: {report.lines()}")
        return report.as_dict()

    async def add_games(self, *, count: int, tip_in_seconds: float, duration_seconds: float) -> list[dict[str, Any]]:
        from devstack.odds_simulator import Slate

        self._seed += 1
        fresh = Slate.demo(
            datetime.now(UTC),
            games=count,
            first_tip_in=timedelta(seconds=tip_in_seconds),
            spacing=timedelta(0),
            duration=timedelta(seconds=duration_seconds),
            seed=self._seed,
        )
        games = tuple(dataclasses.replace(g, odds_interval=ODDS_INTERVAL) for g in fresh.games)
        current = self.simulator.slate
        self.simulator.slate = type(current)(games=current.games + games, sports=current.sports)
        await self._run_job("fetch_odds")
        external = [g.id for g in games]

        async def in_db() -> list[Any]:
            rows = await self.pool.fetch(
                "SELECT g.id, g.home_team, g.away_team, g.commence_time FROM game g WHERE g.external_id = ANY($1) "
                "AND EXISTS (SELECT 1 FROM market_line ml WHERE ml.game_id = g.id AND ml.snapshot_kind = 'current') "
                "ORDER BY g.id",
                external,
            )
            return rows if len(rows) == len(external) else []

        rows = await _until(in_db, what=f"{count} new games ingested")
        version = await self.pool.fetchval("SELECT version FROM data_version WHERE scope = 'board'")

        # The web service trusts the board version it read for a moment (cache_version_ttl_seconds): wait until it
        # answers from this version, so a page opened now shows the new games.
        async def on_board() -> bool:
            url = f"{self.app_url}/api/games/upcoming"
            async with aiohttp.ClientSession() as session, session.get(url) as response:
                return int(response.headers["X-Data-Version"]) >= version

        await _until(on_board, what=f"{count} new games on the board")
        return [{**dict(r), "commence_time": r["commence_time"].isoformat()} for r in rows]

    async def wait_started(self, game_ids: list[int]) -> None:
        async def started() -> bool:
            return bool(
                await self.pool.fetchval(
                    "SELECT bool_and(commence_time < now()) FROM game WHERE id = ANY($1)", game_ids
                )
            )

        await _until(started, what=f"games {game_ids} to tip off")

    async def finish(self, game_ids: list[int]) -> list[dict[str, Any]]:
        rows = await self.pool.fetch("SELECT external_id FROM game WHERE id = ANY($1)", game_ids)
        ends = max(self.simulator.slate.game(r["external_id"]).ends_at for r in rows)
        await asyncio.sleep(max((ends - datetime.now(UTC)).total_seconds() + 0.5, 0))

        async def graded() -> list[Any]:
            await self._run_job("fetch_scores")
            rows = await self.pool.fetch(
                "SELECT id, home_score, away_score FROM game g WHERE id = ANY($1) AND status = 'final' "
                "AND NOT EXISTS (SELECT 1 FROM pick p WHERE p.game_id = g.id AND p.status = 'pending') ORDER BY id",
                game_ids,
            )
            return rows if len(rows) == len(game_ids) else []

        return [dict(r) for r in await _until(graded, what=f"games {game_ids} final and graded")]

    async def move_line(self, *, game_id: int, market: str, selection: str, price: int, point: Any) -> dict[str, Any]:
        taken = (price, None if point is None else Decimal(str(point)))

        async def moved() -> dict[str, Any] | None:
            await self._run_job("fetch_odds")
            await asyncio.sleep(ODDS_INTERVAL.total_seconds() / 2)
            row = await self.pool.fetchrow(
                "SELECT price, point FROM market_line WHERE game_id = $1 AND snapshot_kind = 'current' "
                "AND market = $2 AND selection = $3",
                game_id,
                market,
                selection,
            )
            if row is None or (row["price"], row["point"]) == taken:
                return None
            return {"price": row["price"], "point": None if row["point"] is None else str(row["point"])}

        return await _until(moved, what=f"the {market} {selection} line of game {game_id} to move")


def _routes(control: Control) -> aioweb.Application:
    async def body(request: aioweb.Request) -> dict[str, Any]:
        return await request.json() if request.can_read_body else {}

    def action(fn: Callable[[dict[str, Any]], Awaitable[Any]]) -> Callable[[aioweb.Request], Awaitable[Any]]:
        async def handle(request: aioweb.Request) -> aioweb.Response:
            try:
                return aioweb.json_response(await fn(await body(request)), dumps=lambda v: json.dumps(v, default=str))
            except Exception as exc:  # the test shows this text: any failure must reach it
                log.exception("control action failed")
                return aioweb.json_response({"error": f"{type(exc).__name__}: {exc}"}, status=500)

        return handle

    async def games(b: dict[str, Any]) -> Any:
        return {
            "games": await control.add_games(
                count=int(b.get("count", 1)),
                tip_in_seconds=float(b["tip_in_seconds"]),
                duration_seconds=float(b.get("duration_seconds", 10)),
            )
        }

    async def started(b: dict[str, Any]) -> Any:
        await control.wait_started([int(i) for i in b["game_ids"]])
        return {"ok": True}

    async def finish(b: dict[str, Any]) -> Any:
        return {"games": await control.finish([int(i) for i in b["game_ids"]])}

    async def move_line(b: dict[str, Any]) -> Any:
        return await control.move_line(
            game_id=int(b["game_id"]),
            market=b["market"],
            selection=b["selection"],
            price=int(b["price"]),
            point=b.get("point"),
        )

    app = aioweb.Application()
    app.router.add_post("/games", action(games))
    app.router.add_post("/started", action(started))
    app.router.add_post("/finish", action(finish))
    app.router.add_post("/move-line", action(move_line))
    return app


async def run(data_dir: Path, ready: Callable[[dict[str, str]], None], stop: asyncio.Event) -> None:
    """Start the stack under `data_dir`, report its URLs through `ready`, and run until `stop` is set."""
    from devstack.demo_seed import demo_history
    from devstack.dev import DevStack, postgres, sqs, web
    from devstack.odds_simulator import OddsApiSimulator, Slate
    from devstack.pipeline import SIM_KEY
    from devstack.postgres import free_port
    from devstack.workers import grader_worker, ingest_worker
    from pickvs.db import create_pool, database_url
    from pickvs.settings import BaseAppSettings
    from services.fetcher.resources import open_fetcher
    from services.fetcher.settings import FetcherSettings
    from services.web.settings import WebSettings
    from services.web.webapp import has_build

    if not has_build(WebSettings().web_app_dir):
        raise SystemExit("frontend/dist has no build: run `npm run build` in frontend/ first")
    stack = DevStack(host="127.0.0.1", port=free_port(), data_dir=data_dir, demo=True)
    simulator = OddsApiSimulator(api_keys=(SIM_KEY,), monthly_quota=1_000_000, slate=Slate(games=(), sports=()))

    @asynccontextmanager
    async def odds_api(s: DevStack) -> AsyncIterator[None]:
        from devstack.odds_simulator.slate import NBA

        simulator.slate = Slate(games=(), sports=(NBA,))
        s.use(odds_api_base_url=await simulator.start(s.host, 0), odds_api_key=SIM_KEY, odds_monthly_budget=1_000_000)
        try:
            yield
        finally:
            await simulator.stop()

    async with AsyncExitStack() as components:
        for component in (postgres, sqs, grader_worker, demo_history, odds_api, ingest_worker, web):
            await components.enter_async_context(component(stack))
        pool = await create_pool(database_url(stack.settings(BaseAppSettings)), min_size=1, max_size=4)
        components.push_async_callback(pool.close)
        fetcher = await components.enter_async_context(open_fetcher(stack.settings(FetcherSettings)))
        app_url = f"http://{stack.host}:{stack.port}"
        runner = aioweb.AppRunner(_routes(Control(simulator, pool, app_url, fetcher)), access_log=None)
        await runner.setup()
        components.push_async_callback(runner.cleanup)
        control_port = free_port()
        await aioweb.TCPSite(runner, stack.host, control_port).start()
        ready(
            {
                "app": app_url,
                "control": f"http://{stack.host}:{control_port}",
                "database": str(stack.values["database_url"]),
            }
        )
        await stop.wait()


async def _main(data_dir: Path) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    # A test runner that dies without signalling still closes our stdin: stop then too. A daemon thread, because a
    # read of stdin cannot be cancelled and must not hold up the exit.
    def watch_stdin() -> None:
        sys.stdin.read()
        loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=watch_stdin, name="stdin-watch", daemon=True).start()

    def ready(urls: dict[str, str]) -> None:
        print(json.dumps(urls), flush=True)

    await run(data_dir, ready, stop)


def main() -> None:
    # A fresh dev environment of our own: nothing inherited may point the stack at another database or API.
    for name in [n for n in os.environ if n.startswith("PICKVS_")]:
        del os.environ[name]
    os.environ["PICKVS_ENV"] = "dev"
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with tempfile.TemporaryDirectory(prefix="pickvs-e2e-") as tmp:
        # The embedded cluster runs as an unprivileged user when we are root: it must reach its directory.
        Path(tmp).chmod(0o755)
        asyncio.run(_main(Path(tmp) / "stack"))


if __name__ == "__main__":
    main()
