"""Responses cached on the data version: ETag / 304, Cache-Control, and an in-process LRU of serialized bodies.

The board and the leaderboard change only when ingestion ('board') or grading ('leaderboard') runs; those jobs bump
`data_version.version` for their scope in PostgreSQL. Every web instance reads that version (one primary-key lookup,
trusted for `cache_version_ttl_seconds`) and keys its cached bodies on (scope, version, the database's UTC date, the
route's key), so a bump made by any job is seen by every instance without talking to them. The UTC date is part of the
key because day-based windows (week, month) roll over at midnight without a bump.

ETags are a hash of the body itself, so a 304 is never wrong, even for content that also moves with time (callers pass
`fresh_for` for that). Nothing here knows about routes or SQL beyond the version lookup.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Request, Response
from pydantic import BaseModel

from services.web.db import DbHandle

Scope = Literal["board", "leaderboard"]

# Headers to declare on cached routes so the OpenAPI schema says what a 304 and the validators look like.
NOT_MODIFIED_RESPONSE: dict[int | str, dict[str, Any]] = {
    304: {
        "description": "Not modified: the `If-None-Match` ETag still matches; the body is empty.",
        "headers": {"ETag": {"description": "The representation's entity tag.", "schema": {"type": "string"}}},
    }
}


@dataclass(frozen=True)
class DataVersion:
    """A scope's version and the database's UTC date, read together."""

    scope: str
    version: int
    today: date


@dataclass(frozen=True)
class _Entry:
    body: bytes
    etag: str
    created_at: float


def etag_for(body: bytes) -> str:
    """Return the strong ETag of a serialized body."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Tell whether an If-None-Match header matches the ETag (weak comparison, as RFC 9110 asks for GET)."""
    if not if_none_match:
        return False
    candidates = [tag.strip() for tag in if_none_match.split(",")]
    return "*" in candidates or any(tag.removeprefix("W/") == etag for tag in candidates)


class ResponseCache:
    """One instance's cache: the data versions it last read and an LRU of serialized responses."""

    def __init__(
        self,
        *,
        max_entries: int = 1024,
        version_ttl_seconds: float = 1.0,
        max_age_seconds: int = 15,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self.version_ttl_seconds = version_ttl_seconds
        self.max_age_seconds = max_age_seconds
        self._clock = clock
        self._versions: dict[str, tuple[float, DataVersion]] = {}
        self._entries: OrderedDict[tuple[object, ...], _Entry] = OrderedDict()
        # One build per key at a time: concurrent misses for the same key wait for the first instead of each running
        # the same SQL (a burst right after a bump would otherwise hit the database once per request).
        self._building: dict[tuple[object, ...], asyncio.Future[_Entry]] = {}
        self.builds = 0
        self.hits = 0

    def __len__(self) -> int:
        return len(self._entries)

    async def data_version(self, *, db: DbHandle, scope: Scope) -> DataVersion:
        """Return the scope's version and today's UTC date, from PostgreSQL at most once per version TTL."""
        now = self._clock()
        known = self._versions.get(scope)
        if known is not None and now - known[0] < self.version_ttl_seconds:
            return known[1]
        row = await db.fetchrow(
            "SELECT coalesce((SELECT version FROM data_version WHERE scope = $1), 0) AS version, "
            "(now() AT TIME ZONE 'UTC')::date AS today",
            scope,
        )
        assert row is not None  # the SELECT has no FROM: it always returns its one row
        current = DataVersion(scope=scope, version=row["version"], today=row["today"])
        self._versions[scope] = (now, current)
        return current

    async def respond(
        self,
        *,
        request: Request,
        db: DbHandle,
        scope: Scope,
        key: str,
        build: Callable[[DataVersion], Awaitable[BaseModel]],
        private: bool = False,
        fresh_for: float | None = None,
    ) -> Response:
        """Answer from the cache (200 or 304) or build, store and answer; `key` names the request's inputs.

        `key` must hold everything the body depends on besides the data version and the date (the validated query
        parameters, and the viewer for `private` responses). `fresh_for` bounds an entry's age for content that also
        moves with time; None keeps it until the version or the date changes.
        """
        current = await self.data_version(db=db, scope=scope)
        cache_key = (scope, current.version, current.today, request.url.path, key)
        entry = self._lookup(cache_key, fresh_for)
        if entry is None:
            entry = await self._build(cache_key, current, build)
        else:
            self.hits += 1
        headers = {
            "ETag": entry.etag,
            "Cache-Control": f"{'private' if private else 'public'}, max-age={self.max_age_seconds}",
            "X-Data-Version": str(current.version),
        }
        if private:
            headers["Vary"] = "Authorization"
        if etag_matches(request.headers.get("if-none-match"), entry.etag):
            return Response(status_code=304, headers=headers)
        return Response(entry.body, media_type="application/json", headers=headers)

    def _lookup(self, cache_key: tuple[object, ...], fresh_for: float | None) -> _Entry | None:
        entry = self._entries.get(cache_key)
        if entry is None:
            return None
        if fresh_for is not None and self._clock() - entry.created_at >= fresh_for:
            del self._entries[cache_key]
            return None
        self._entries.move_to_end(cache_key)
        return entry

    async def _build(
        self, cache_key: tuple[object, ...], current: DataVersion, build: Callable[[DataVersion], Awaitable[BaseModel]]
    ) -> _Entry:
        pending = self._building.get(cache_key)
        if pending is not None:
            try:
                return await asyncio.shield(pending)
            except asyncio.CancelledError:
                if not pending.cancelled():
                    raise  # this request was cancelled, not the build it waited for
                return await self._build(cache_key, current, build)
        future: asyncio.Future[_Entry] = asyncio.get_running_loop().create_future()
        self._building[cache_key] = future
        try:
            model = await build(current)
            body = model.model_dump_json().encode()
            entry = _Entry(body=body, etag=etag_for(body), created_at=self._clock())
            self.builds += 1
            self._entries[cache_key] = entry
            self._entries.move_to_end(cache_key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
            future.set_result(entry)
            return entry
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            # Waiters re-raise it; mark it retrieved so an unawaited failure does not log "never retrieved".
            future.exception()
            raise
        finally:
            del self._building[cache_key]


def response_cache(request: Request) -> ResponseCache:
    """Return the app's cache, created on first use from the app's settings."""
    cache: ResponseCache | None = getattr(request.app.state, "response_cache", None)
    if cache is None:
        settings = request.app.state.settings
        cache = request.app.state.response_cache = ResponseCache(
            max_entries=settings.cache_max_entries,
            version_ttl_seconds=settings.cache_version_ttl_seconds,
            max_age_seconds=settings.cache_max_age_seconds,
        )
    return cache


Cache = Annotated[ResponseCache, Depends(response_cache)]
