"""The web service's dependencies as `Annotated` aliases: routers declare what they need by type."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from pickvs.db import get_pool
from services.web.settings import WebSettings


def settings(request: Request) -> WebSettings:
    return request.app.state.settings


Settings = Annotated[WebSettings, Depends(settings)]


async def pool(request: Request) -> asyncpg.Pool:
    return await get_pool(request.app.state.settings)


Pool = Annotated[asyncpg.Pool, Depends(pool)]


async def db(db_pool: Pool) -> AsyncIterator[asyncpg.Connection]:
    async with db_pool.acquire() as conn:
        yield conn


Db = Annotated[asyncpg.Connection, Depends(db)]
