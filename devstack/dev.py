"""`make dev`: the whole system on one machine — embedded Postgres and SQS, migrations, the workers and the web API.

Every part runs in this one process (Postgres as its child), so Ctrl-C stops everything it started and leaves nothing
behind. Parts are async context managers entered in order and exited in reverse; later parts of the system add
themselves to `COMPONENTS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import uvicorn

from devstack.grading import demo_history, grader_worker
from devstack.pipeline import fetch_scheduler, ingest_worker, odds_api
from devstack.webapp import web_app
from pickvs.db import asyncpg_dsn
from pickvs.devenv import clear_dev_env, record_dev_env
from pickvs.queues import ensure_queues
from pickvs.settings import BaseAppSettings
from schema.migrate import migrate

log = logging.getLogger("pickvs.dev")


@dataclass
class DevStack:
    """What is running; components read and extend it (each endpoint is also exported as PICKVS_* for the rest)."""

    host: str
    port: int
    data_dir: Path
    demo: bool = True
    endpoints: dict[str, str] = field(default_factory=dict)
    banner: list[str] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def export(self, name: str, value: str) -> None:
        os.environ[name] = value
        self.endpoints[name] = value

    def settings(self) -> BaseAppSettings:
        return BaseAppSettings()


Component = Callable[[DevStack], AbstractAsyncContextManager[None]]


@asynccontextmanager
async def postgres(stack: DevStack) -> AsyncIterator[None]:
    """Use PICKVS_DATABASE_URL, or start the embedded cluster under the data dir, then migrate."""
    cluster = None
    if os.environ.get("PICKVS_DATABASE_URL"):
        url = os.environ["PICKVS_DATABASE_URL"]
    else:
        from devstack.postgres import EmbeddedPostgres

        cluster = EmbeddedPostgres(stack.data_dir / "postgres")
        url = await asyncio.to_thread(cluster.start)
        stack.banner.append(f"PostgreSQL   {url}  (embedded, data in {cluster.data_dir})")
    stack.export("PICKVS_DATABASE_URL", url)
    try:
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            applied = await migrate(conn)
            log.info("migrations: %s", ", ".join(f"{m.version}_{m.name}" for m in applied) or "up to date")
        finally:
            await conn.close()
        yield
    finally:
        if cluster is not None:
            await asyncio.to_thread(cluster.stop)


@asynccontextmanager
async def sqs(stack: DevStack) -> AsyncIterator[None]:
    """Use PICKVS_SQS_ENDPOINT_URL, or start the embedded moto server, then create the queues."""
    server = None
    if os.environ.get("PICKVS_SQS_ENDPOINT_URL"):
        endpoint = os.environ["PICKVS_SQS_ENDPOINT_URL"]
    else:
        from devstack.sqs import EmbeddedSqs

        server = EmbeddedSqs()
        endpoint = await asyncio.to_thread(server.start)
        stack.banner.append(f"SQS          {endpoint}  (embedded moto)")
    stack.export("PICKVS_SQS_ENDPOINT_URL", endpoint)
    try:
        await ensure_queues(stack.settings())
        yield
    finally:
        if server is not None:
            await asyncio.to_thread(server.stop)


class _Server(uvicorn.Server):
    # The dev runner owns SIGINT/SIGTERM; uvicorn re-raising them after shutdown would skip our cleanup.
    @contextlib.contextmanager
    def capture_signals(self):  # type: ignore[override]
        yield


@asynccontextmanager
async def web(stack: DevStack) -> AsyncIterator[None]:
    """Serve the API with uvicorn in this process."""
    from services.web.main import create_app
    from services.web.settings import WebSettings

    server = _Server(
        uvicorn.Config(create_app(WebSettings()), host=stack.host, port=stack.port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve(), name="web")
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the web server stopped during startup")
        await asyncio.sleep(0.05)
    stack.banner.append(f"API          http://{stack.host}:{stack.port}  (docs at /docs, health at /healthz)")
    try:
        yield
    finally:
        server.should_exit = True
        await task


COMPONENTS: list[Component] = [
    postgres,
    sqs,
    grader_worker,
    demo_history,
    odds_api,
    ingest_worker,
    fetch_scheduler,
    web_app,
    web,
]


async def run_dev(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    data_dir: Path | None = None,
    demo: bool = True,
    components: list[Component] | None = None,
) -> None:
    """Start every component, print where things are, and run until SIGINT/SIGTERM."""
    os.environ.setdefault("PICKVS_ENV", "dev")
    data_dir = data_dir or BaseAppSettings().data_dir
    os.environ["PICKVS_DATA_DIR"] = str(data_dir)
    stack = DevStack(host=host, port=port, data_dir=data_dir, demo=demo)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stack.stop.set)
    async with AsyncExitStack() as exit_stack:
        try:
            for component in components or COMPONENTS:
                await exit_stack.enter_async_context(component(stack))
                if stack.stop.is_set():
                    return
            record_dev_env(data_dir, stack.endpoints)
            exit_stack.callback(clear_dev_env, data_dir)
            print(
                "\nPickVs is running:\n  "
                + "\n  ".join(stack.banner)
                + f"\n\nOpen http://{host}:{port}/   (the app; API docs at /docs; Ctrl-C stops everything)\n",
                flush=True,
            )
            await stack.stop.wait()
            print("\nStopping…", flush=True)
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)


def main(host: str, port: int, demo: bool) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s", stream=sys.stdout
    )
    asyncio.run(run_dev(host=host, port=port, demo=demo))
    print("Stopped; nothing left running.", flush=True)
    return 0
