"""A request's one database handle (`Db` in deps.py), and what a database outage looks like to a client.

Each statement borrows a pooled connection for as long as it runs; `transaction()` pins one connection until the block
ends, and every statement inside the block runs on it. So a request holds a connection only while it talks to
PostgreSQL: slow work between statements (argon2 hashing) never keeps one from the board's readers.

Errors that say the database is out of reach (connection refused or lost, admin shutdown, too many connections, no free
pooled connection in time) become `DatabaseUnavailable`, a 503 with Retry-After; a lock not granted within the
transaction's `lock_timeout` becomes `DatabaseBusy`, also a 503. Everything else passes through unchanged.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from pickvs.db import get_pool
from services.web.errors import DomainError, ServiceUnavailable
from services.web.settings import WebSettings

Connection = asyncpg.Connection | PoolConnectionProxy

# An outage, not a fault of the request: the same request may well succeed once the database is back.
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable, and TimeoutError (a pool acquire that waited too long)
    asyncpg.PostgresConnectionError,  # class 08, including a connection lost in the middle of a statement
    asyncpg.exceptions.OperatorInterventionError,  # class 57: admin/crash shutdown, cannot connect now, canceled
    asyncpg.exceptions.InsufficientResourcesError,  # class 53: too many connections, disk full, out of memory
)


class DatabaseUnavailable(ServiceUnavailable):
    """PostgreSQL cannot be reached now; the client should retry after `Retry-After` seconds."""

    code = "database_unavailable"


class DatabaseBusy(ServiceUnavailable):
    """A row or table this request needs stayed locked past the lock timeout; retrying soon should work."""

    code = "database_busy"


def unavailable(retry_after: int) -> DatabaseUnavailable:
    """Return the 503 a request gets while the database is out of reach."""
    return DatabaseUnavailable(
        "The database is unavailable right now; nothing was changed. Retry shortly.",
        headers={"Retry-After": str(retry_after)},
        details={"retry_after_seconds": retry_after},
    )


def busy() -> DatabaseBusy:
    """Return the 503 a request gets when a lock it waited for was not granted in time."""
    return DatabaseBusy(
        "The data this request needs is being updated; nothing was changed. Retry in a moment.",
        headers={"Retry-After": "1"},
        details={"retry_after_seconds": 1},
    )


def is_outage(exc: BaseException) -> bool:
    """Tell whether an exception means the database is out of reach (as opposed to a fault of the request)."""
    return isinstance(exc, OUTAGE_ERRORS)


def _lost(conn: Connection) -> bool:
    try:
        return conn.is_closed()
    except asyncpg.InterfaceError:
        return True  # the pool already detached this proxy because its connection closed


class DbHandle:
    """One request's database handle: each statement borrows a pooled connection, a transaction pins one."""

    def __init__(self, settings: WebSettings) -> None:
        self._settings = settings
        self._pinned: Connection | None = None

    @contextmanager
    def _translated(self, conn: Connection | None = None) -> Iterator[None]:
        try:
            yield
        except DomainError:
            raise
        except asyncpg.exceptions.LockNotAvailableError as exc:
            raise busy() from exc
        except asyncpg.InterfaceError as exc:
            # "connection is closed" once the server went away mid-transaction; any other InterfaceError is a bug.
            if conn is not None and _lost(conn):
                raise unavailable(self._settings.db_retry_after_seconds) from exc
            raise
        except OUTAGE_ERRORS as exc:
            raise unavailable(self._settings.db_retry_after_seconds) from exc

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Connection]:
        if self._pinned is not None:
            yield self._pinned
            return
        with self._translated():
            # One deadline for opening the pool (a first connect) and for waiting on a free connection.
            pool = await get_pool(self._settings)
            conn = await pool.acquire(timeout=self._settings.db_acquire_timeout_seconds)
        try:
            yield conn
        finally:
            await pool.release(conn)

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        """Run a query and return its rows."""
        async with self._connection() as conn:
            with self._translated(conn):
                return await conn.fetch(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        """Run a query and return its first row (None without one)."""
        async with self._connection() as conn:
            with self._translated(conn):
                return await conn.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        """Run a query and return the first column of its first row."""
        async with self._connection() as conn:
            with self._translated(conn):
                return await conn.fetchval(query, *args)

    async def execute(self, query: str, *args: Any) -> str:
        """Run a statement and return its status tag."""
        async with self._connection() as conn:
            with self._translated(conn):
                return await conn.execute(query, *args)

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open on this handle (its statements share one connection)."""
        return self._pinned is not None

    @asynccontextmanager
    async def transaction(self, *, lock_timeout_ms: int | None = None) -> AsyncIterator[None]:
        """Run the block in one transaction on one connection; `lock_timeout_ms` bounds every lock wait in it."""
        if self._pinned is not None:
            raise RuntimeError("a transaction is already open on this request's handle")
        async with self._connection() as conn:
            with self._translated(conn):
                if lock_timeout_ms is None:
                    async with conn.transaction():
                        self._pinned = conn
                        try:
                            yield
                        finally:
                            self._pinned = None
                    return
                # BEGIN and the timeout in one round trip (a pick's whole transaction is three).
                await conn.execute(f"BEGIN; SET LOCAL lock_timeout = '{int(lock_timeout_ms)}ms'")
                self._pinned = conn
                try:
                    yield
                except BaseException:
                    if not _lost(conn):
                        await conn.execute("ROLLBACK")
                    raise
                else:
                    await conn.execute("COMMIT")
                finally:
                    self._pinned = None
