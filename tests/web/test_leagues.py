"""Leagues: creating, joining by invite code, limits, rotating the code, removing, leaving, handing over, deleting,
and that a league does not exist for anyone outside it."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

import asyncpg
import httpx
import pytest

from services.web.settings import WebSettings
from tests.web.factories import api, auth_header, make_user
from tests.web.helpers import client

FRIDAY = {"name": "Friday Five", "description": "Office pool", "sport": "basketball_nba"}


async def _create(c: httpx.AsyncClient, user_id: int, body: dict | None = None) -> dict:
    response = await c.post("/api/leagues", json=body or FRIDAY, headers=auth_header(user_id))
    assert response.status_code == 201, response.text
    return response.json()


async def _join(c: httpx.AsyncClient, user_id: int, code: str) -> httpx.Response:
    return await c.post("/api/leagues/join", json={"code": code}, headers=auth_header(user_id))


async def _members(c: httpx.AsyncClient, user_id: int, league_id: int) -> list[str]:
    response = await c.get(f"/api/leagues/{league_id}/members", headers=auth_header(user_id))
    assert response.status_code == 200, response.text
    return [m["username"] for m in response.json()["members"]]


def _code(response: httpx.Response) -> str:
    return str(response.json()["error"]["code"])


async def test_the_creator_owns_a_new_league_that_counts_from_today_and_holds_an_unguessable_code(
    db: asyncpg.Pool,
) -> None:
    # GIVEN a player
    alice = await make_user(db, "alice")
    async with api() as c:
        # WHEN she creates a league without a start date
        league = await _create(c, alice)
    # THEN she owns it and is its only member, and it counts picks from today (UTC, the database's clock)
    today = await db.fetchval("SELECT (now() AT TIME ZONE 'UTC')::date")
    assert league["name"] == "Friday Five" and league["description"] == "Office pool"
    assert league["sport"] == "basketball_nba" and league["start_date"] == today.isoformat()
    assert (league["owner"], league["role"], league["members"], league["max_members"]) == ("alice", "owner", 1, 1000)
    # AND its invite code is 16 URL-safe characters: 96 bits from the operating system's random source
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}", league["invite_code"])


async def test_invite_codes_differ_for_every_league(db: asyncpg.Pool) -> None:
    # GIVEN a player who creates a few leagues
    alice = await make_user(db, "alice")
    async with api() as c:
        codes = {(await _create(c, alice, {"name": f"L{n}"}))["invite_code"] for n in range(5)}
    # THEN no two share a code
    assert len(codes) == 5


async def test_a_name_is_trimmed_and_a_blank_or_controlled_one_is_refused(db: asyncpg.Pool) -> None:
    alice = await make_user(db, "alice")
    async with api() as c:
        # WHEN a league is created with spaces around its name
        league = await _create(c, alice, {"name": "  Trimmed  ", "description": "   "})
        # AND with blank or control-character names
        blank = await c.post("/api/leagues", json={"name": "   "}, headers=auth_header(alice))
        bell = await c.post("/api/leagues", json={"name": "ring\x07"}, headers=auth_header(alice))
        extra = await c.post("/api/leagues", json={"name": "ok", "owner": "bob"}, headers=auth_header(alice))
    # THEN the name is stored trimmed (a blank description is none), the others are 422s and nothing else is stored
    assert league["name"] == "Trimmed" and league["description"] is None
    assert [r.status_code for r in (blank, bell, extra)] == [422, 422, 422]
    assert await db.fetchval("SELECT count(*) FROM league") == 1


async def test_a_start_date_may_be_in_the_past_but_not_beyond_the_bounds(db: asyncpg.Pool) -> None:
    alice = await make_user(db, "alice")
    today = await db.fetchval("SELECT (now() AT TIME ZONE 'UTC')::date")
    async with api() as c:
        # WHEN leagues are created starting a month ago, eleven years ago and two years ahead
        past = await _create(c, alice, {"name": "Past", "start_date": (today - timedelta(days=30)).isoformat()})
        ancient = await c.post(
            "/api/leagues",
            json={"name": "Ancient", "start_date": (today - timedelta(days=11 * 366)).isoformat()},
            headers=auth_header(alice),
        )
        future = await c.post(
            "/api/leagues",
            json={"name": "Future", "start_date": (today + timedelta(days=2 * 366)).isoformat()},
            headers=auth_header(alice),
        )
    # THEN the month-old start is kept and the others are refused for the start date
    assert past["start_date"] == (today - timedelta(days=30)).isoformat()
    assert (ancient.status_code, _code(ancient)) == (422, "start_date_out_of_range")
    assert (future.status_code, _code(future)) == (422, "start_date_out_of_range")
    assert await db.fetchval("SELECT count(*) FROM league") == 1


async def test_leagues_need_a_signed_in_player(db: asyncpg.Pool) -> None:
    async with api() as c:
        responses = [
            await c.post("/api/leagues", json=FRIDAY),
            await c.get("/api/leagues"),
            await c.post("/api/leagues/join", json={"code": "A" * 16}),
            await c.get("/api/leagues/1"),
        ]
    assert [r.status_code for r in responses] == [401, 401, 401, 401]


async def test_a_player_joins_by_code_sees_the_league_without_its_code_and_joining_again_changes_nothing(
    db: asyncpg.Pool,
) -> None:
    # GIVEN alice's league
    alice, bob = await make_user(db, "alice"), await make_user(db, "bob")
    async with api() as c:
        league = await _create(c, alice)
        # WHEN bob joins with its code, twice (opening the link again)
        first = await _join(c, bob, league["invite_code"])
        again = await _join(c, bob, league["invite_code"])
        mine = await c.get("/api/leagues", headers=auth_header(bob))
        members = await _members(c, alice, league["id"])
    # THEN he is a member (once) and sees the league, but not its invite code (the owner's to share)
    assert first.status_code == 200 and again.status_code == 200
    assert first.json()["role"] == "member" and first.json()["invite_code"] is None
    assert again.json()["members"] == 2
    assert [item["id"] for item in mine.json()["leagues"]] == [league["id"]]
    assert members == ["alice", "bob"]


async def test_my_leagues_lists_the_most_recently_joined_first_with_my_role_in_each(db: asyncpg.Pool) -> None:
    alice, bob = await make_user(db, "alice"), await make_user(db, "bob")
    async with api() as c:
        # GIVEN bob owns one league and then joins alice's
        own = await _create(c, bob, {"name": "Bob's"})
        theirs = await _create(c, alice, {"name": "Alice's"})
        await _join(c, bob, theirs["invite_code"])
        # WHEN bob lists his leagues
        body = (await c.get("/api/leagues", headers=auth_header(bob))).json()
    # THEN the one he joined last comes first, and his role and the codes he may see follow from it
    assert [(item["name"], item["role"]) for item in body["leagues"]] == [("Alice's", "member"), ("Bob's", "owner")]
    assert body["leagues"][0]["invite_code"] is None and body["leagues"][1]["invite_code"] == own["invite_code"]
    assert body["max_leagues"] == 20


async def test_a_league_is_full_at_the_member_limit(db: asyncpg.Pool) -> None:
    # GIVEN leagues of at most 3 members, and alice's league with bob in it
    settings = WebSettings(league_max_members=3)
    alice, bob, carol, dave = [await make_user(db, n) for n in ("alice", "bob", "carol", "dave")]
    async with api(settings) as c:
        league = await _create(c, alice)
        await _join(c, bob, league["invite_code"])
        # WHEN carol and then dave join
        carol_joins = await _join(c, carol, league["invite_code"])
        dave_joins = await _join(c, dave, league["invite_code"])
    # THEN carol is the third member and dave is refused
    assert carol_joins.status_code == 200 and carol_joins.json()["members"] == 3
    assert (dave_joins.status_code, _code(dave_joins)) == (409, "league_full")
    assert dave_joins.json()["error"]["details"] == {"max_members": 3}
    assert await db.fetchval("SELECT count(*) FROM league_member") == 3


@asynccontextmanager
async def _all_waiting(db: asyncpg.Pool, requests: int) -> AsyncIterator[None]:
    """Hold new memberships back until `requests` transactions wait on a lock, then let them all go at once.

    Every request has then read what it reads before its insert, so a limit checked without the right lock is
    passed for certain, not by a lucky interleaving.
    """
    async with db.acquire() as conn, conn.transaction():
        await conn.execute("LOCK TABLE league_member IN SHARE ROW EXCLUSIVE MODE")
        yield
        for _ in range(500):
            # Asked on another connection: a transaction keeps its first view of pg_stat_activity.
            waiting = await db.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if waiting >= requests:
                break
            await asyncio.sleep(0.01)
        assert waiting >= requests, f"only {waiting} of {requests} requests waited"


async def test_parallel_joins_never_pass_the_member_limit(db: asyncpg.Pool) -> None:
    # GIVEN a league with room for 3 more members, and 7 players on 7 networks opening its link at once
    settings = WebSettings(league_max_members=4)
    owner = await make_user(db, "owner")
    players = [await make_user(db, f"player{n}") for n in range(7)]
    async with AsyncExitStack() as stack:
        c = await stack.enter_async_context(api(settings))
        league = await _create(c, owner)
        clients = [await stack.enter_async_context(client(settings, client_ip=f"10.0.0.{n}")) for n in range(7)]
        # WHEN they all join in parallel, every one of them before the first is stored
        async with _all_waiting(db, len(players)):
            joins = [
                asyncio.create_task(_join(network, player, league["invite_code"]))
                for network, player in zip(clients, players, strict=True)
            ]
        responses = await asyncio.gather(*joins)
    # THEN exactly 3 get in and the rest are told it is full
    assert sorted(r.status_code for r in responses) == [200] * 3 + [409] * 4
    assert await db.fetchval("SELECT count(*) FROM league_member WHERE league_id = $1", league["id"]) == 4


async def test_a_player_in_the_most_leagues_can_neither_create_nor_join_another(db: asyncpg.Pool) -> None:
    # GIVEN players may be in 2 leagues, and alice owns one and has joined bob's
    settings = WebSettings(league_max_per_player=2)
    alice, bob = await make_user(db, "alice"), await make_user(db, "bob")
    async with api(settings) as c:
        await _create(c, alice, {"name": "One"})
        bobs = await _create(c, bob, {"name": "Bob's"})
        other = await _create(c, bob, {"name": "Bob's other"})
        await _join(c, alice, bobs["invite_code"])
        # WHEN she creates a third, or joins bob's other league
        create = await c.post("/api/leagues", json={"name": "Three"}, headers=auth_header(alice))
        join = await _join(c, alice, other["invite_code"])
        # AND after leaving bob's league she tries again
        await c.delete(f"/api/leagues/{bobs['id']}/members/alice", headers=auth_header(alice))
        retry = await _join(c, alice, other["invite_code"])
    # THEN both are refused at the limit, and leaving makes room
    assert (create.status_code, _code(create)) == (409, "too_many_leagues")
    assert (join.status_code, _code(join)) == (409, "too_many_leagues")
    assert create.json()["error"]["details"] == {"max_leagues": 2}
    assert retry.status_code == 200


async def test_parallel_creations_never_pass_the_leagues_per_player_limit(db: asyncpg.Pool) -> None:
    settings = WebSettings(league_max_per_player=3)
    alice = await make_user(db, "alice")
    async with api(settings) as c:
        async with _all_waiting(db, 7):
            creations = [
                asyncio.create_task(c.post("/api/leagues", json={"name": f"L{n}"}, headers=auth_header(alice)))
                for n in range(7)
            ]
        responses = await asyncio.gather(*creations)
    assert sorted(r.status_code for r in responses) == [201] * 3 + [409] * 4
    assert await db.fetchval("SELECT count(*) FROM league_member WHERE user_id = $1", alice) == 3


async def test_an_unknown_code_is_a_404_and_a_client_guessing_codes_is_stopped_even_with_a_right_one(
    db: asyncpg.Pool,
) -> None:
    # GIVEN a league, and joins limited to 3 unknown codes per client per 10 minutes
    settings = WebSettings(league_join_max_failures_per_client=3, league_join_window_seconds=600)
    alice, mallory, bob = await make_user(db, "alice"), await make_user(db, "mallory"), await make_user(db, "bob")
    async with api(settings) as c:
        league = await _create(c, alice)
    async with client(settings, client_ip="10.6.6.6") as guesser:
        # WHEN one client tries three wrong codes, then the right one
        guesses = [await _join(guesser, mallory, f"guess{n:011d}") for n in range(3)]
        stopped = await _join(guesser, mallory, league["invite_code"])
    async with client(settings, client_ip="10.0.0.2") as elsewhere:
        # AND another client joins with the right code
        other = await _join(elsewhere, bob, league["invite_code"])
    # THEN each guess is a 404 that says nothing about any league, then the client waits out the window
    assert [(r.status_code, _code(r)) for r in guesses] == [(404, "invite_not_found")] * 3
    assert (stopped.status_code, _code(stopped)) == (429, "too_many_join_attempts")
    assert 595 <= int(stopped.headers["retry-after"]) <= 600
    assert stopped.json()["error"]["details"] == {"retry_after_seconds": int(stopped.headers["retry-after"])}
    # AND nobody else is held up, and the guesser joined nothing
    assert other.status_code == 200
    assert await _members_of(db, league["id"]) == ["alice", "bob"]


async def _members_of(db: asyncpg.Pool, league_id: int) -> list[str]:
    rows = await db.fetch(
        'SELECT u.username FROM league_member m JOIN "user" u ON u.id = m.user_id WHERE m.league_id = $1 ORDER BY u.id',
        league_id,
    )
    return [r["username"] for r in rows]


async def test_joins_with_a_right_code_do_not_count_towards_the_guessing_limit(db: asyncpg.Pool) -> None:
    settings = WebSettings(league_join_max_failures_per_client=1)
    alice = await make_user(db, "alice")
    players = [await make_user(db, f"player{n}") for n in range(3)]
    async with api(settings) as c:
        league = await _create(c, alice)
        # WHEN three players join from one address (a shared office network) with the right code
        responses = [await _join(c, p, league["invite_code"]) for p in players]
    # THEN all get in
    assert [r.status_code for r in responses] == [200, 200, 200]


async def test_parallel_guesses_from_one_client_are_counted_one_after_another(db: asyncpg.Pool) -> None:
    # GIVEN a limit of 3 unknown codes per client
    settings = WebSettings(league_join_max_failures_per_client=3)
    mallory = await make_user(db, "mallory")
    async with api(settings) as c:
        # WHEN one client sends 10 guesses at once
        responses = await asyncio.gather(*(_join(c, mallory, f"{n:016d}") for n in range(10)))
    # THEN exactly 3 are answered and the rest stopped
    assert sorted(r.status_code for r in responses) == [404] * 3 + [429] * 7


async def test_rotating_the_code_makes_the_old_link_fail_and_the_new_one_work(db: asyncpg.Pool) -> None:
    alice, bob, carol = await make_user(db, "alice"), await make_user(db, "bob"), await make_user(db, "carol")
    async with api() as c:
        # GIVEN alice's league, which bob joined by its first link
        league = await _create(c, alice)
        await _join(c, bob, league["invite_code"])
        # WHEN alice rotates the code, and bob tries to (he is not the owner)
        rotated = await c.post(f"/api/leagues/{league['id']}/invite", headers=auth_header(alice))
        by_member = await c.post(f"/api/leagues/{league['id']}/invite", headers=auth_header(bob))
        # AND carol opens the old link, then the new one
        old = await _join(c, carol, league["invite_code"])
        new = await _join(c, carol, rotated.json()["invite_code"])
    # THEN the owner gets a new code, the member a 403, and only the new link lets carol in
    assert rotated.status_code == 200 and rotated.json()["invite_code"] != league["invite_code"]
    assert (by_member.status_code, _code(by_member)) == (403, "not_league_owner")
    assert (old.status_code, _code(old)) == (404, "invite_not_found")
    assert new.status_code == 200 and new.json()["members"] == 3


async def test_the_owner_removes_a_member_who_then_cannot_see_the_league(db: asyncpg.Pool) -> None:
    alice, bob, carol = await make_user(db, "alice"), await make_user(db, "bob"), await make_user(db, "carol")
    async with api() as c:
        # GIVEN alice's league with bob and carol
        league = await _create(c, alice)
        for player in (bob, carol):
            await _join(c, player, league["invite_code"])
        # WHEN carol (a member) tries to remove bob, and alice removes him (any case of his name)
        by_member = await c.delete(f"/api/leagues/{league['id']}/members/bob", headers=auth_header(carol))
        removed = await c.delete(f"/api/leagues/{league['id']}/members/BOB", headers=auth_header(alice))
        again = await c.delete(f"/api/leagues/{league['id']}/members/bob", headers=auth_header(alice))
        seen_by_bob = await c.get(f"/api/leagues/{league['id']}", headers=auth_header(bob))
        members = await _members(c, alice, league["id"])
    # THEN only the owner may remove, a non-member cannot be removed twice, and bob no longer sees the league
    assert (by_member.status_code, _code(by_member)) == (403, "not_league_owner")
    assert removed.status_code == 204
    assert (again.status_code, _code(again)) == (404, "member_not_found")
    assert (seen_by_bob.status_code, _code(seen_by_bob)) == (404, "league_not_found")
    assert members == ["alice", "carol"]


async def test_a_member_leaves_but_the_owner_must_hand_over_first(db: asyncpg.Pool) -> None:
    alice, bob, carol = await make_user(db, "alice"), await make_user(db, "bob"), await make_user(db, "carol")
    async with api() as c:
        # GIVEN alice's league with bob and carol
        league = await _create(c, alice)
        for player in (bob, carol):
            await _join(c, player, league["invite_code"])
        path = f"/api/leagues/{league['id']}"
        # WHEN carol leaves, and alice tries to
        carol_leaves = await c.delete(f"{path}/members/carol", headers=auth_header(carol))
        alice_stays = await c.delete(f"{path}/members/alice", headers=auth_header(alice))
        # AND bob tries to take the league, alice hands it over to carol (gone) and then to bob, then leaves
        grab = await c.post(f"{path}/owner", json={"username": "bob"}, headers=auth_header(bob))
        to_carol = await c.post(f"{path}/owner", json={"username": "carol"}, headers=auth_header(alice))
        handed = await c.post(f"{path}/owner", json={"username": "Bob"}, headers=auth_header(alice))
        alice_leaves = await c.delete(f"{path}/members/alice", headers=auth_header(alice))
        bobs_view = await c.get(path, headers=auth_header(bob))
    # THEN a member leaves freely, the owner only once someone else owns the league
    assert carol_leaves.status_code == 204
    assert (alice_stays.status_code, _code(alice_stays)) == (409, "owner_cannot_leave")
    assert (grab.status_code, _code(grab)) == (403, "not_league_owner")
    assert (to_carol.status_code, _code(to_carol)) == (404, "member_not_found")
    assert handed.status_code == 200
    assert (handed.json()["owner"], handed.json()["role"], handed.json()["invite_code"]) == ("bob", "member", None)
    assert alice_leaves.status_code == 204
    # AND bob now owns it alone and holds its code
    body = bobs_view.json()
    assert (body["owner"], body["role"], body["members"]) == ("bob", "owner", 1)
    assert body["invite_code"] == league["invite_code"]


async def test_the_database_refuses_a_league_whose_owner_is_not_a_member(db: asyncpg.Pool) -> None:
    # GIVEN alice's league with bob in it
    alice, bob = await make_user(db, "alice"), await make_user(db, "bob")
    async with api() as c:
        league = await _create(c, alice)
        await _join(c, bob, league["invite_code"])
    async with db.acquire() as conn:
        # WHEN anything removes the owner's membership while she still owns it
        try:
            async with conn.transaction():
                await conn.execute("DELETE FROM league_member WHERE user_id = $1", alice)
        except asyncpg.ForeignKeyViolationError:
            refused = True
        else:
            refused = False
    # THEN the commit is refused
    assert refused
    assert await _members_of(db, league["id"]) == ["alice", "bob"]


async def test_the_owner_deletes_the_league_for_everyone_and_a_member_cannot(db: asyncpg.Pool) -> None:
    alice, bob = await make_user(db, "alice"), await make_user(db, "bob")
    async with api() as c:
        league = await _create(c, alice)
        await _join(c, bob, league["invite_code"])
        by_member = await c.delete(f"/api/leagues/{league['id']}", headers=auth_header(bob))
        deleted = await c.delete(f"/api/leagues/{league['id']}", headers=auth_header(alice))
        after = [await c.get(f"/api/leagues/{league['id']}", headers=auth_header(u)) for u in (alice, bob)]
        code = await _join(c, bob, league["invite_code"])
    assert (by_member.status_code, _code(by_member)) == (403, "not_league_owner")
    assert deleted.status_code == 204
    assert [r.status_code for r in after] == [404, 404]
    assert code.status_code == 404
    assert await db.fetchval("SELECT count(*) FROM league_member") == 0


async def test_a_non_member_gets_the_same_404_as_for_a_league_that_does_not_exist(db: asyncpg.Pool) -> None:
    # GIVEN alice's league and mallory, who is not in it
    alice, mallory = await make_user(db, "alice"), await make_user(db, "mallory")
    async with api() as c:
        league = await _create(c, alice)
        missing = league["id"] + 1000
        # WHEN mallory asks for anything about it, and about a league that does not exist
        paths = ["", "/members", "/leaderboard", "/leaderboard/me", "/feed"]
        real = [await c.get(f"/api/leagues/{league['id']}{p}", headers=auth_header(mallory)) for p in paths]
        none = [await c.get(f"/api/leagues/{missing}{p}", headers=auth_header(mallory)) for p in paths]
        writes = [
            await c.post(f"/api/leagues/{league['id']}/invite", headers=auth_header(mallory)),
            await c.post(
                f"/api/leagues/{league['id']}/owner", json={"username": "mallory"}, headers=auth_header(mallory)
            ),
            await c.delete(f"/api/leagues/{league['id']}/members/alice", headers=auth_header(mallory)),
            await c.delete(f"/api/leagues/{league['id']}", headers=auth_header(mallory)),
        ]
    # THEN every answer is the 404 a missing league gets, message aside (it names the id asked for)
    for seen, unseen in zip(real, none, strict=True):
        assert seen.status_code == unseen.status_code == 404
        assert _code(seen) == _code(unseen) == "league_not_found"
    assert [(r.status_code, _code(r)) for r in writes] == [(404, "league_not_found")] * 4
    assert await _members_of(db, league["id"]) == ["alice"]


async def test_league_responses_are_never_stored_by_shared_caches(db: asyncpg.Pool) -> None:
    alice = await make_user(db, "alice")
    async with api() as c:
        league = await _create(c, alice)
        responses = [
            await c.get(f"/api/leagues{p}", headers=auth_header(alice))
            for p in ("", f"/{league['id']}", f"/{league['id']}/members", f"/{league['id']}/feed")
        ]
    assert {r.headers["cache-control"] for r in responses} == {"private, no-cache"}


async def test_the_database_refuses_names_and_codes_the_api_would_refuse(db: asyncpg.Pool) -> None:
    # GIVEN a player
    alice = await make_user(db, "alice")
    insert = (
        "INSERT INTO league (name, description, start_date, owner_id, invite_code) "
        "VALUES ($1, $2, current_date, $3, $4) RETURNING id"
    )
    bad = [
        ("ring\x07", None, "A" * 16),  # a control character in the name
        (" padded", None, "B" * 16),  # untrimmed
        ("ok", "tab\there\x1b[31m", "C" * 16),  # an escape sequence in the description
        ("ok", None, "too-short"),  # not an invite code
    ]
    # WHEN each is written past the API THEN the database refuses it
    for name, description, code in bad:
        with pytest.raises(asyncpg.CheckViolationError):
            async with db.acquire() as conn, conn.transaction():
                league_id = await conn.fetchval(insert, name, description, alice, code)
                await conn.execute("INSERT INTO league_member (league_id, user_id) VALUES ($1, $2)", league_id, alice)
    assert await db.fetchval("SELECT count(*) FROM league") == 0
