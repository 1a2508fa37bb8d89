"""The asyncpg pool: one per process, created lazily, with JSON codecs; numerics come back as Decimal."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from pickvs.settings import BaseAppSettings

# A connection borrowed from a pool is a proxy of one; both answer the same queries, so functions take either.
Connection: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"

_pools: dict[tuple[str, int], asyncpg.Pool] = {}
_lock = asyncio.Lock()


class DatabaseNotConfigured(RuntimeError):
    """No PICKVS_DATABASE_URL and no running `make dev` stack."""


def asyncpg_dsn(url: str) -> str:
    """Accept SQLAlchemy-style URLs (postgresql+asyncpg://) as well as plain libpq ones."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def database_url(settings: BaseAppSettings) -> str:
    """Return the configured database URL (in dev, a running `make dev` stack's counts as configured)."""
    if not settings.database_url:
        raise DatabaseNotConfigured("set PICKVS_DATABASE_URL, or start the local stack with `make dev` first")
    return settings.database_url


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(url: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """Open a new pool; callers that want the process-wide one use `get_pool`."""
    return await asyncpg.create_pool(
        asyncpg_dsn(url),
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        # JIT compiling a plan costs hundreds of milliseconds and pays off only for long analytic scans; ours are
        # short statements or set-based writes whose row estimates (CTEs, upserts) run high enough to trigger it: it
        # added 1.4 s to settling a game of 2,000 picks (docs/decisions.md, "JIT is off for our connections").
        server_settings={"timezone": "UTC", "application_name": "pickvs", "jit": "off"},
    )


async def get_pool(settings: BaseAppSettings) -> asyncpg.Pool:
    """Return this process's pool for the current event loop, creating it on first use."""
    url = database_url(settings)
    key = (url, id(asyncio.get_running_loop()))
    async with _lock:
        pool = _pools.get(key)
        if pool is None or pool.is_closing():
            pool = _pools[key] = await create_pool(
                url, min_size=settings.db_pool_min_size, max_size=settings.db_pool_max_size
            )
    return pool


async def close_pools(url: str | None = None) -> None:
    """Close every pool this process opened (shutdown hooks and tests), or only those to `url`."""
    for key in [key for key in _pools if url is None or key[0] == url]:
        await _pools.pop(key).close()


@asynccontextmanager
async def transaction(pool: asyncpg.Pool) -> AsyncIterator[Connection]:
    """Borrow a connection and run the block in one transaction."""
    async with pool.acquire() as conn, conn.transaction():
        yield conn
