"""One database handle per request: routes and services take `Db`; a statement holds a connection only while it runs."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing

import asyncpg
import httpx
from asyncpg.pool import PoolConnectionProxy
from fastapi import Depends

import services.web
from pickvs.db import get_pool
from services.web.db import DbHandle
from services.web.deps import CurrentUser, Db
from services.web.main import create_app
from services.web.settings import WebSettings
from tests.web.helpers import bearer, register

_RAW_HANDLES = (asyncpg.Pool, asyncpg.Connection, PoolConnectionProxy)


async def _other_dependency(handle: Db) -> DbHandle:
    return handle


_SameHandle = typing.Annotated[DbHandle, Depends(_other_dependency)]


def _web_functions() -> list[tuple[str, typing.Any]]:
    functions = []
    for info in pkgutil.walk_packages(services.web.__path__, "services.web."):
        if info.name == "services.web.db":
            continue  # the handle itself: the one place that holds asyncpg connections
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if inspect.isfunction(value) and value.__module__ == module.__name__:
                functions.append((f"{info.name}.{name}", value))
    return functions


def test_no_web_function_takes_a_pool_or_a_raw_connection() -> None:
    # GIVEN every function the web service defines
    offenders = []
    for qualified, function in _web_functions():
        hints = typing.get_type_hints(function)
        for parameter, hint in hints.items():
            if parameter == "return":
                continue
            # WHEN a parameter's type is, or includes, an asyncpg pool or connection
            members = typing.get_args(hint) or (hint,)
            if any(isinstance(m, type) and issubclass(m, _RAW_HANDLES) for m in members):
                offenders.append(f"{qualified}({parameter})")
    # THEN there is none: routes and services take the request's one handle, `Db`
    assert offenders == []


async def test_a_request_and_its_dependencies_share_one_handle(db: asyncpg.Pool) -> None:
    # GIVEN a route that needs the current user (itself resolved through Db) and Db
    app = create_app(WebSettings())
    seen: list[DbHandle] = []

    async def probe(user: CurrentUser, handle: Db, same: _SameHandle) -> dict[str, int]:
        assert same is handle
        seen.append(handle)
        return {"id": user.id}

    app.add_api_route("/probe", probe)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        auth = bearer(await register(client, "alice"))
        # WHEN it is called twice
        first = await client.get("/probe", headers=auth)
        second = await client.get("/probe", headers=auth)
    # THEN within a request every dependency got the same handle, and each request its own
    assert first.status_code == second.status_code == 200
    assert len(seen) == 2 and seen[0] is not seen[1]


async def test_statements_outside_a_transaction_hold_no_connection_between_them(db: asyncpg.Pool) -> None:
    # GIVEN a handle and the pool it borrows from
    settings = WebSettings()
    handle = DbHandle(settings)
    pool = await get_pool(settings)
    idle_before = pool.get_idle_size()
    # WHEN a statement has run
    assert await handle.fetchval("SELECT 1") == 1
    # THEN its connection is back in the pool
    assert pool.get_idle_size() >= idle_before and not handle.in_transaction


async def test_a_transaction_runs_every_statement_in_it_on_one_connection(db: asyncpg.Pool) -> None:
    # GIVEN a handle
    handle = DbHandle(WebSettings())
    # WHEN two statements run inside one transaction
    async with handle.transaction():
        first = await handle.fetchrow("SELECT pg_backend_pid() AS pid, txid_current() AS tx")
        second = await handle.fetchrow("SELECT pg_backend_pid() AS pid, txid_current() AS tx")
    # THEN they share a backend and a transaction
    assert first is not None and second is not None
    assert (first["pid"], first["tx"]) == (second["pid"], second["tx"])
