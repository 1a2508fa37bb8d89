"""Responses cached on the data version: ETag / 304, Cache-Control, and an in-process LRU of serialized bodies.

The board and the leaderboard change only when ingestion ('board') or grading ('leaderboard') runs; those jobs bump
`data_version.version` for their scope in PostgreSQL. Every web instance reads that version (one primary-key lookup,
trusted for `cache_version_ttl_seconds`) and keys its cached bodies on (scope, version, the database's UTC date, the
route's key), so a bump made by any job is seen by every instance without talking to them. The UTC date is part of the
key because day-based windows (week, month) roll over at midnight without a bump.

ETags are a hash of the body itself, so a 304 is never wrong, even for content that also moves with time (callers pass
`fresh_for` for that). Nothing here knows about routes or SQL beyond the version lookup.

A public entry is also filed under its request's exact path and query string. `CachedResponses`, a middleware in front
of the routes, answers a later request for the same bytes from there while the versions it was built on are still the
ones the instance trusts, without routing, dependencies or parameter parsing: profiling showed those were most of a
cached response's cost (docs/performance.md). Anything it cannot answer goes to the route, which does the full work.
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
from starlette.types import ASGIApp, Receive, Send
from starlette.types import Scope as ASGIScope

from services.web.db import DbHandle

Scope = Literal["board", "leaderboard"]
# What a route's build returns: the response model, or the model and how many seconds its content holds.
Build = Callable[["DataVersion"], Awaitable[BaseModel | tuple[BaseModel, float | None]]]

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
    # Set when the build said how long its content holds (it moves with time); else the caller's `fresh_for`.
    fresh_for: float | None = None


@dataclass(frozen=True)
class _Filed:
    """A public entry filed under its request's exact path and query: what it was built on and how to answer it."""

    scopes: tuple[str, ...]
    versions: tuple[int, ...]
    today: date
    entry: _Entry
    fresh_for: float | None
    headers: list[tuple[bytes, bytes]]


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
        self._filed: OrderedDict[tuple[str, bytes], _Filed] = OrderedDict()
        self._refreshing: dict[str, asyncio.Task[DataVersion]] = {}
        self.builds = 0
        self.hits = 0

    def __len__(self) -> int:
        return len(self._entries)

    async def data_version(self, *, db: DbHandle, scope: Scope, force: bool = False) -> DataVersion:
        """Return the scope's version and today's UTC date, from PostgreSQL at most once per version TTL."""
        now = self._clock()
        known = self._versions.get(scope)
        if not force and known is not None and now - known[0] < self.version_ttl_seconds:
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

    def _refresh(self, scope: str, db: Callable[[], DbHandle]) -> None:
        """Start reading a scope's version again unless a read is under way."""
        task = self._refreshing.get(scope)
        if task is not None and not task.done():
            return
        if task is not None and not task.cancelled():
            # A failed read changes nothing: the version read last simply expires and the route reads it (or answers
            # the outage) itself.
            task.exception()
        reread = self.data_version(db=db(), scope=scope, force=True)  # type: ignore[arg-type]
        self._refreshing[scope] = asyncio.get_running_loop().create_task(reread)

    async def respond(
        self,
        *,
        request: Request,
        db: DbHandle,
        scope: Scope | tuple[Scope, ...],
        key: str,
        build: Build,
        private: bool = False,
        fresh_for: float | None = None,
        cache_control: str | None = None,
    ) -> Response:
        """Answer from the cache (200 or 304) or build, store and answer; `key` names the request's inputs.

        `key` must hold everything the body depends on besides the data versions of `scope` (one or several) and the
        date (the validated query parameters, and the viewer for `private` responses). `fresh_for` bounds an entry's
        age for content that also moves with time; None keeps it until a version or the date changes; a build that
        knows better returns (model, seconds) instead. `build` gets the first scope's version. `cache_control` replaces
        the default Cache-Control header.
        """
        scopes = scope if isinstance(scope, tuple) else (scope,)
        versions = [await self.data_version(db=db, scope=s) for s in scopes]
        current = versions[0]
        cache_key = (scopes, tuple(v.version for v in versions), current.today, request.url.path, key)
        entry = self._lookup(cache_key, fresh_for)
        if entry is None:
            entry = await self._build(cache_key, current, build)
        else:
            self.hits += 1
        headers = {
            "ETag": entry.etag,
            "Cache-Control": cache_control or f"{'private' if private else 'public'}, max-age={self.max_age_seconds}",
            "X-Data-Version": ".".join(str(v.version) for v in versions),
        }
        if private:
            headers["Vary"] = "Authorization"
        else:
            self._file(request, scopes, versions, entry, entry.fresh_for or fresh_for, headers)
        if etag_matches(request.headers.get("if-none-match"), entry.etag):
            return Response(status_code=304, headers=headers)
        return Response(entry.body, media_type="application/json", headers=headers)

    def _file(
        self,
        request: Request,
        scopes: tuple[str, ...],
        versions: list[DataVersion],
        entry: _Entry,
        fresh_for: float | None,
        headers: dict[str, str],
    ) -> None:
        raw = (request.url.path, request.scope.get("query_string", b""))
        filed = self._filed.get(raw)
        if filed is not None and filed.entry is entry:
            self._filed.move_to_end(raw)
            return
        self._filed[raw] = _Filed(
            scopes=scopes,
            versions=tuple(v.version for v in versions),
            today=versions[0].today,
            entry=entry,
            fresh_for=fresh_for,
            headers=[(k.lower().encode(), v.encode()) for k, v in headers.items()],
        )
        self._filed.move_to_end(raw)
        while len(self._filed) > self.max_entries:
            self._filed.popitem(last=False)

    def filed(self, path: str, query_string: bytes, *, db: Callable[[], DbHandle]) -> _Filed | None:
        """Return the public entry filed for exactly this path and query while the versions trusted now are its own.

        Never waits for the database: a version never read, or read longer ago than the version TTL, makes this a miss.
        Past half the TTL, one read of the version starts in the background, so under steady traffic the version is
        renewed before its trust runs out and no burst of requests finds it expired at once.
        """
        filed = self._filed.get((path, query_string))
        if filed is None:
            return None
        now = self._clock()
        for scope, version in zip(filed.scopes, filed.versions, strict=True):
            known = self._versions.get(scope)
            if known is None or now - known[0] >= self.version_ttl_seconds:
                return None  # never read, or no longer trusted: the route reads it
            if now - known[0] >= self.version_ttl_seconds / 2:
                self._refresh(scope, db)
            if known[1].version != version or known[1].today != filed.today:
                return None
        if filed.fresh_for is not None and now - filed.entry.created_at >= filed.fresh_for:
            return None
        self.hits += 1
        return filed

    def _lookup(self, cache_key: tuple[object, ...], fresh_for: float | None) -> _Entry | None:
        entry = self._entries.get(cache_key)
        if entry is None:
            return None
        fresh_for = entry.fresh_for or fresh_for
        if fresh_for is not None and self._clock() - entry.created_at >= fresh_for:
            del self._entries[cache_key]
            return None
        self._entries.move_to_end(cache_key)
        return entry

    async def _build(self, cache_key: tuple[object, ...], current: DataVersion, build: Build) -> _Entry:
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
            built = await build(current)
            model, holds_for = built if isinstance(built, tuple) else (built, None)
            body = model.model_dump_json().encode()
            entry = _Entry(body=body, etag=etag_for(body), created_at=self._clock(), fresh_for=holds_for)
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


async def response_cache(request: Request) -> ResponseCache:
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


class CachedResponses:
    """Answer a GET that a public cached entry holds exactly (same path and query) before any routing happens.

    Requests with an Authorization header always go to the route: what they may see can depend on who asks.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: ASGIScope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        cache: ResponseCache | None = getattr(state, "response_cache", None)
        filed = (
            None
            if cache is None
            else cache.filed(scope["path"], scope.get("query_string", b""), db=lambda: DbHandle(state.settings))
        )
        if filed is None:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if b"authorization" in headers:
            await self.app(scope, receive, send)
            return
        if etag_matches(headers.get(b"if-none-match", b"").decode("latin-1") or None, filed.entry.etag):
            await send({"type": "http.response.start", "status": 304, "headers": filed.headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    *filed.headers,
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(filed.entry.body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": filed.entry.body})
