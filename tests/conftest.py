"""Test infrastructure: one throwaway PostgreSQL cluster and one embedded SQS (moto) per test session.

Tests that touch the database take the `db` fixture (tables truncated before each test); tests that touch queues take
`sqs` (moto reset and the queues bootstrapped before each test). Set PICKVS_TEST_DATABASE_URL to use an existing
server instead of the embedded cluster (its tables are truncated: never point it at real data).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

_TMP = Path(tempfile.mkdtemp(prefix="pickvs-tests-"))
# The throwaway cluster runs as an unprivileged user when the suite runs as root: it must reach its directory.
_TMP.chmod(0o755)
# Settings are read from the environment: pin the test environment before any test builds one, and point the data
# dir away from .pickvs/ so a running `make dev` stack is never mistaken for the test stack.
os.environ.update(
    PICKVS_ENV="test",
    PICKVS_JWT_SECRET="test-secret-not-for-production",
    PICKVS_DATA_DIR=str(_TMP / "data"),
)
for _name in ("PICKVS_DATABASE_URL", "PICKVS_SQS_ENDPOINT_URL", "PICKVS_ODDS_API_KEY", "PICKVS_ODDS_API_BASE_URL"):
    os.environ.pop(_name, None)

from devstack.postgres import EmbeddedPostgres  # noqa: E402
from devstack.sqs import EmbeddedSqs, ensure_queues  # noqa: E402
from pickvs.db import close_pools, get_pool  # noqa: E402
from pickvs.settings import BaseAppSettings  # noqa: E402
from pickvs.sqs import close_sqs_clients, get_sqs_client  # noqa: E402
from schema.migrate import migrate  # noqa: E402


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A migrated PostgreSQL database for the whole session."""
    external = os.environ.get("PICKVS_TEST_DATABASE_URL")
    cluster = None
    if external:
        url = external
    else:
        cluster = EmbeddedPostgres(_TMP / "postgres", durable=False)
        url = cluster.start()
    os.environ["PICKVS_DATABASE_URL"] = url

    import asyncio

    async def _migrate() -> None:
        conn = await asyncpg.connect(url)
        try:
            await migrate(conn)
        finally:
            await conn.close()

    asyncio.run(_migrate())
    yield url
    if cluster is not None:
        cluster.stop()
    shutil.rmtree(_TMP, ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_process_settings() -> Iterator[None]:
    """Start each test from the current environment: the Lambda handlers cache their settings per process."""
    from services.fetcher.settings import get_settings as fetcher_settings
    from services.grader.settings import get_settings as grader_settings

    for cached in (fetcher_settings, grader_settings):
        cached.cache_clear()
    yield
    for cached in (fetcher_settings, grader_settings):
        cached.cache_clear()


@pytest.fixture(scope="session")
def sqs_endpoint() -> Iterator[EmbeddedSqs]:
    """The embedded moto server for the whole session."""
    server = EmbeddedSqs()
    os.environ["PICKVS_SQS_ENDPOINT_URL"] = server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def _close_clients_at_end() -> AsyncIterator[None]:
    yield
    await close_pools()
    await close_sqs_clients()


@pytest.fixture
def base_settings(pg_url: str) -> BaseAppSettings:
    """Settings pointing at the test database (and the embedded SQS once `sqs` is in use)."""
    return BaseAppSettings()


async def truncate_all(pool: asyncpg.Pool) -> None:
    """Empty every table but the migration record and the season the rollups keep, and reset the cache versions."""
    async with pool.acquire() as conn:
        tables = await conn.fetch(
            "SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename NOT IN ('schema_migration', 'data_version', 'rollup_season')"
        )
        if tables:
            await conn.execute(f"TRUNCATE {', '.join(r['t'] for r in tables)} RESTART IDENTITY CASCADE")
        await conn.execute("UPDATE data_version SET version = 0, bumped_at = now()")
        await conn.execute("UPDATE rollup_season SET starts_on = '2026-10-20'")


@pytest.fixture
async def db(pg_url: str, _close_clients_at_end: None) -> AsyncIterator[asyncpg.Pool]:
    """The pool, with every table emptied before the test."""
    pool = await get_pool(BaseAppSettings())
    await truncate_all(pool)
    yield pool


@pytest.fixture
async def sqs(sqs_endpoint: EmbeddedSqs, _close_clients_at_end: None) -> AsyncIterator[Any]:
    """An SQS client on a fresh moto state with the queues bootstrapped."""
    sqs_endpoint.reset()
    settings = BaseAppSettings()
    await ensure_queues(settings)
    yield await get_sqs_client(settings)
