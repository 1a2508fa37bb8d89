"""The data-version cache: ETag / 304, Cache-Control, invalidation by a version bump, across instances, and the LRU."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import asyncpg
import httpx
import pytest
from pydantic import BaseModel
from starlette.requests import Request

from services.web.cache import DataVersion, ResponseCache, etag_matches
from services.web.db import DbHandle
from services.web.main import create_app
from services.web.settings import WebSettings
from tests.web.factories import api, auth_header, bump, make_game, make_pick, make_user


def _fresh() -> WebSettings:
    """Settings whose every request reads the version from PostgreSQL, so a bump is seen at once."""
    return WebSettings(cache_version_ttl_seconds=0)


async def _grade_a_win(db: asyncpg.Pool, username: str, stake: str = "1") -> None:
    user = await make_user(db, username)
    await make_pick(db, user_id=user, game_id=await make_game(db), status="won", price=100, stake=stake)


async def test_leaderboard_carries_an_etag_and_public_cache_control_and_answers_304_when_it_matches(
    db: asyncpg.Pool,
) -> None:
    await _grade_a_win(db, "alice")
    async with api(_fresh()) as client:
        first = await client.get("/api/leaderboard")
        assert first.status_code == 200
        etag = first.headers["etag"]
        assert etag.startswith('"') and first.headers["cache-control"] == "public, max-age=15"
        # WHEN the client revalidates with the ETag it holds
        again = await client.get("/api/leaderboard", headers={"If-None-Match": etag})
        # THEN 304 with no body and the same validators
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
        # AND a weak form of the tag, or a list holding it, matches too
        assert (await client.get("/api/leaderboard", headers={"If-None-Match": f'"x", W/{etag}'})).status_code == 304
        # AND another query has its own ETag, so the old one does not match it
        other = await client.get("/api/leaderboard", params={"sort": "roi"}, headers={"If-None-Match": etag})
        assert other.status_code == 200 and other.headers["etag"] != etag


async def test_repeated_reads_skip_the_database_until_grading_bumps_the_version(db: asyncpg.Pool) -> None:
    # GIVEN a board that was read once
    await _grade_a_win(db, "alice")
    async with api(_fresh()) as client:
        before = await client.get("/api/leaderboard")
        # WHEN a pick is graded but the version is not bumped yet
        await _grade_a_win(db, "bob", stake="3")
        cached = await client.get("/api/leaderboard")
        # THEN the cached body is served as it was (the SQL did not run again)
        assert cached.content == before.content and cached.headers["etag"] == before.headers["etag"]
        # WHEN grading bumps the leaderboard version
        await bump(db, "leaderboard")
        after = await client.get("/api/leaderboard", headers={"If-None-Match": before.headers["etag"]})
    # THEN the stale ETag no longer matches and the new result is served
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert [e["username"] for e in after.json()["entries"]] == ["bob", "alice"]
    assert after.headers["x-data-version"] == "1"


async def test_a_board_bump_does_not_invalidate_the_leaderboard(db: asyncpg.Pool) -> None:
    await _grade_a_win(db, "alice")
    async with api(_fresh()) as client:
        before = await client.get("/api/leaderboard")
        await _grade_a_win(db, "bob", stake="3")
        await bump(db, "board")
        assert (await client.get("/api/leaderboard")).content == before.content


async def test_every_instance_sees_a_bump_made_in_postgresql(db: asyncpg.Pool) -> None:
    # GIVEN two web instances (two apps, each with its own in-process cache) that both served the board
    await _grade_a_win(db, "alice")
    async with api(_fresh()) as one, api(_fresh()) as two:
        assert (await one.get("/api/leaderboard")).json()["total"] == 1
        assert (await two.get("/api/leaderboard")).json()["total"] == 1
        # WHEN grading elsewhere settles a pick and bumps the version
        await _grade_a_win(db, "bob")
        await bump(db, "leaderboard")
        # THEN both instances serve the new board
        assert (await one.get("/api/leaderboard")).json()["total"] == 2
        assert (await two.get("/api/leaderboard")).json()["total"] == 2


async def test_a_profile_is_kept_for_visitors_until_grading_and_browsers_never_keep_it(db: asyncpg.Pool) -> None:
    # GIVEN alice's profile, read once by a visitor
    await _grade_a_win(db, "alice")
    user = await db.fetchval("SELECT id FROM \"user\" WHERE username = 'alice'")
    async with api(_fresh()) as client:
        first = await client.get("/api/users/alice")
        assert first.headers["cache-control"] == "private, no-cache"
        # WHEN a pick of hers is graded but the version is not bumped yet
        await make_pick(db, user_id=user, game_id=await make_game(db), status="lost")
        cached = await client.get("/api/users/alice")
        # THEN visitors get the kept answer (and a 304 for its ETag), not a second build
        assert cached.content == first.content
        assert (
            await client.get("/api/users/alice", headers={"If-None-Match": first.headers["etag"]})
        ).status_code == 304
        # AND alice herself sees her profile as it is now: her own view is never kept
        own = await client.get("/api/users/alice", headers=auth_header(user))
        assert own.json()["windows"]["all"]["picks"] == 2
        # AND once grading bumps the version, visitors see it too
        await bump(db, "leaderboard")
        assert (await client.get("/api/users/alice")).json()["windows"]["all"]["picks"] == 2


async def test_a_kept_profile_shows_a_pending_pick_once_its_game_tips_off(db: asyncpg.Pool) -> None:
    # GIVEN alice's pending pick on a game tipping off in a moment, and her profile kept for visitors before then
    alice = await make_user(db, "alice")
    game = await make_game(db, commence_time=datetime.now(UTC) + timedelta(seconds=1.5))
    await make_pick(db, user_id=alice, game_id=game)
    async with api(_fresh()) as client:
        before = (await client.get("/api/users/alice")).json()
        assert before["pending"] == 0 and before["picks"]["items"] == []
        # WHEN the game tips off (by the database clock), with no data version bumped
        await asyncio.sleep(2)
        after = (await client.get("/api/users/alice")).json()
    # THEN the visitor sees the pick: the kept answer lasted only until the next tip-off
    assert after["pending"] == 1 and [p["game_id"] for p in after["picks"]["items"]] == [game]


# --- the cache on its own, with a controllable clock ---------------------------------------------------------------


class _Body(BaseModel):
    n: int


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _request(path: str = "/x", if_none_match: str | None = None) -> Request:
    headers = [(b"if-none-match", if_none_match.encode())] if if_none_match else []
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": b"",
            "headers": headers,
            "scheme": "http",
            "server": ("t", 80),
        }
    )


def _counting_build() -> tuple[list[DataVersion], object]:
    seen: list[DataVersion] = []

    async def build(current: DataVersion) -> _Body:
        seen.append(current)
        await asyncio.sleep(0.01)
        return _Body(n=len(seen))

    return seen, build


async def test_the_version_read_is_trusted_for_the_ttl_then_read_again(db: asyncpg.Pool) -> None:
    clock = _Clock()
    cache = ResponseCache(version_ttl_seconds=1.0, clock=clock)
    first = await cache.data_version(db=DbHandle(WebSettings()), scope="leaderboard")
    assert first.version == 0 and isinstance(first.today, date)
    await bump(db, "leaderboard")
    clock.now += 0.5
    assert (await cache.data_version(db=DbHandle(WebSettings()), scope="leaderboard")).version == 0
    clock.now += 0.6
    assert (await cache.data_version(db=DbHandle(WebSettings()), scope="leaderboard")).version == 1


async def test_concurrent_misses_for_one_key_build_once(db: asyncpg.Pool) -> None:
    cache = ResponseCache(version_ttl_seconds=0)
    seen, build = _counting_build()
    responses = await asyncio.gather(
        *(
            cache.respond(request=_request(), db=DbHandle(WebSettings()), scope="leaderboard", key="k", build=build)
            for _ in range(5)
        )
    )
    assert len(seen) == 1 and {r.body for r in responses} == {b'{"n":1}'}


async def test_the_least_recently_used_entry_is_evicted_beyond_the_limit(db: asyncpg.Pool) -> None:
    cache = ResponseCache(max_entries=2, version_ttl_seconds=0)
    seen, build = _counting_build()
    for key in ("a", "b", "a", "c"):  # "a" is used again, so "b" is the oldest when "c" arrives
        await cache.respond(request=_request(), db=DbHandle(WebSettings()), scope="leaderboard", key=key, build=build)
    assert len(cache) == 2 and len(seen) == 3
    await cache.respond(request=_request(), db=DbHandle(WebSettings()), scope="leaderboard", key="a", build=build)
    assert len(seen) == 3
    await cache.respond(request=_request(), db=DbHandle(WebSettings()), scope="leaderboard", key="b", build=build)
    assert len(seen) == 4


async def test_fresh_for_bounds_an_entrys_age(db: asyncpg.Pool) -> None:
    clock = _Clock()
    cache = ResponseCache(version_ttl_seconds=0, clock=clock)
    seen, build = _counting_build()
    await cache.respond(
        request=_request(), db=DbHandle(WebSettings()), scope="board", key="k", build=build, fresh_for=5
    )
    clock.now += 4
    await cache.respond(
        request=_request(), db=DbHandle(WebSettings()), scope="board", key="k", build=build, fresh_for=5
    )
    assert len(seen) == 1
    clock.now += 1
    response = await cache.respond(
        request=_request(), db=DbHandle(WebSettings()), scope="board", key="k", build=build, fresh_for=5
    )
    assert len(seen) == 2 and response.body == b'{"n":2}'


async def test_a_failed_build_is_not_cached(db: asyncpg.Pool) -> None:
    cache = ResponseCache(version_ttl_seconds=0)
    calls = 0

    async def flaky(_: DataVersion) -> _Body:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database hiccup")
        return _Body(n=calls)

    try:
        await cache.respond(request=_request(), db=DbHandle(WebSettings()), scope="board", key="k", build=flaky)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the first build should have failed")
    response = await cache.respond(request=_request(), db=DbHandle(WebSettings()), scope="board", key="k", build=flaky)
    assert response.status_code == 200 and response.body == b'{"n":2}' and len(cache) == 1


async def test_private_responses_say_so_and_vary_on_authorization(db: asyncpg.Pool) -> None:
    cache = ResponseCache(version_ttl_seconds=0, max_age_seconds=7)
    _, build = _counting_build()
    response = await cache.respond(
        request=_request(), db=DbHandle(WebSettings()), scope="board", key="viewer:1", build=build, private=True
    )
    assert response.headers["cache-control"] == "private, max-age=7" and response.headers["vary"] == "Authorization"


def test_if_none_match_compares_weakly_and_accepts_a_list_or_a_star() -> None:
    assert etag_matches('"abc"', '"abc"')
    assert etag_matches('W/"abc"', '"abc"')
    assert etag_matches('"x", "abc"', '"abc"')
    assert etag_matches("*", '"abc"')
    assert not etag_matches('"abd"', '"abc"')
    assert not etag_matches(None, '"abc"')
    assert not etag_matches("", '"abc"')


async def test_an_etag_follows_the_body_so_equal_bodies_share_it(db: asyncpg.Pool) -> None:
    cache = ResponseCache(version_ttl_seconds=0)

    async def same(_: DataVersion) -> _Body:
        return _Body(n=42)

    first = await cache.respond(request=_request(), db=DbHandle(WebSettings()), scope="board", key="k", build=same)
    await bump(db, "board")
    second = await cache.respond(
        request=_request(if_none_match=first.headers["etag"]),
        db=DbHandle(WebSettings()),
        scope="board",
        key="k",
        build=same,
    )
    # A bump that changed nothing this response shows still lets the client keep its copy.
    assert second.status_code == 304


async def test_a_repeated_public_request_is_answered_before_routing_and_a_signed_in_one_is_not(
    db: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a board read once, and then no route allowed to answer from the cache any more
    await _grade_a_win(db, "alice")
    alice = await db.fetchval("SELECT id FROM \"user\" WHERE username = 'alice'")
    app = create_app(WebSettings(cache_version_ttl_seconds=60))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        first = await client.get("/api/leaderboard", params={"window": "all"})

        async def routed(*args: object, **kwargs: object) -> None:
            raise AssertionError("reached the route")

        monkeypatch.setattr(ResponseCache, "respond", routed)
        # WHEN the same request comes again, and again with its ETag
        again = await client.get("/api/leaderboard", params={"window": "all"})
        revalidated = await client.get(
            "/api/leaderboard", params={"window": "all"}, headers={"If-None-Match": first.headers["etag"]}
        )
        # THEN the same bytes come from the cache in front of the routes
        assert again.status_code == 200 and again.content == first.content
        assert again.headers["etag"] == first.headers["etag"] and again.headers["cache-control"] == "public, max-age=15"
        assert revalidated.status_code == 304 and revalidated.content == b""
        # AND another query, or the same one with a token, goes to the route
        with pytest.raises(AssertionError, match="reached the route"):
            await client.get("/api/leaderboard", params={"window": "week"})
        with pytest.raises(AssertionError, match="reached the route"):
            await client.get("/api/leaderboard", params={"window": "all"}, headers=auth_header(alice))
