"""`make dev`: the whole system on one machine — embedded Postgres and SQS, migrations, the workers and the web API.

Every part runs in this one process (Postgres as its child), so Ctrl-C stops everything it started and leaves nothing
behind. Parts are async context managers, listed in `COMPONENTS`, entered in order and exited in reverse. A part that
starts something records where it is in `DevStack.values`; later parts build their settings from those values
(`DevStack.settings`), and once everything runs the values are written to the data dir's `dev-stack.json`, which
`pickvs.settings` reads so commands in another terminal find the stack.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import uvicorn

from devstack.demo_seed import demo_history
from devstack.pipeline import fetch_scheduler, odds_api
from devstack.webapp import web_app
from devstack.workers import grader_worker, ingest_worker
from pickvs.db import asyncpg_dsn
from pickvs.settings import DEV_STACK_FILE, BaseAppSettings
from schema.migrate import migrate

log = logging.getLogger("pickvs.dev")


S = TypeVar("S", bound=BaseAppSettings)


@dataclass
class DevStack:
    """What is running; components read and extend it."""

    host: str
    port: int
    data_dir: Path
    demo: bool = True
    # Settings fields the stack decided (the endpoints it started, the demo budget), over the environment's.
    values: dict[str, Any] = field(default_factory=dict)
    banner: list[str] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def use(self, **values: Any) -> None:
        """Record settings a component decided, for the components after it and for other terminals."""
        self.values.update(values)

    def settings(self, cls: type[S]) -> S:
        """Build a service's settings: the environment's, with what the stack decided on top."""
        return cls(env="dev", data_dir=self.data_dir, **self.values)


def write_record(stack: DevStack) -> Path:
    """Write the stack's settings for commands in other terminals (only its owner may read: it can hold a key)."""
    path = stack.data_dir / DEV_STACK_FILE
    stack.data_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.touch(mode=0o600)
    tmp.write_text(json.dumps({"pid": os.getpid(), "settings": stack.values}, indent=2, default=str))
    tmp.replace(path)
    return path


Component = Callable[[DevStack], AbstractAsyncContextManager[None]]


@asynccontextmanager
async def postgres(stack: DevStack) -> AsyncIterator[None]:
    """Use PICKVS_DATABASE_URL, or start the embedded cluster under the data dir, then migrate."""
    cluster = None
    url = stack.settings(BaseAppSettings).database_url
    if not url:
        from devstack.postgres import EmbeddedPostgres

        cluster = EmbeddedPostgres(stack.data_dir / "postgres")
        url = await asyncio.to_thread(cluster.start)
        stack.banner.append(f"PostgreSQL   {url}  (embedded, data in {cluster.data_dir})")
        stack.use(database_url=url)
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
    from devstack.sqs import EmbeddedSqs, ensure_queues

    server = None
    if not stack.settings(BaseAppSettings).sqs_endpoint_url:
        server = EmbeddedSqs()
        endpoint = await asyncio.to_thread(server.start)
        stack.banner.append(f"SQS          {endpoint}  (embedded moto)")
        stack.use(sqs_endpoint_url=endpoint)
    try:
        await ensure_queues(stack.settings(BaseAppSettings))
        yield
    finally:
        if server is not None:
            await asyncio.to_thread(server.stop)


class _Server(uvicorn.Server):
    # The dev runner owns SIGINT/SIGTERM; uvicorn re-raising them after shutdown would skip our cleanup.
    @contextlib.contextmanager
    def capture_signals(self):
        yield


@asynccontextmanager
async def web(stack: DevStack) -> AsyncIterator[None]:
    """Serve the API with uvicorn in this process."""
    from services.web.main import create_app
    from services.web.settings import WebSettings

    server = _Server(
        uvicorn.Config(
            create_app(stack.settings(WebSettings)),
            host=stack.host,
            port=stack.port,
            log_level="warning",
            lifespan="on",
        )
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
    data_dir = data_dir or BaseAppSettings(env="dev").data_dir
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
            record = write_record(stack)
            exit_stack.callback(record.unlink, missing_ok=True)
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
