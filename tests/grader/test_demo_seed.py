"""`pickvs demo seed`: dev-only demo history, graded through the real settlement, with totals that recompute equal."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from pwdlib import PasswordHash

from devstack.demo_seed import DEMO_PASSWORD, DemoRefused, seed_demo
from pickvs.cli import main
from services.grader.recompute import recompute_totals
from tests.builders import insert_users
from tests.web.factories import api, auth_header

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


async def test_demo_seed_builds_weeks_of_graded_history_whose_totals_recompute_equal(db: asyncpg.Pool) -> None:
    # WHEN the demo is seeded on an empty dev database
    summary = await seed_demo(db, env="dev", now=NOW)

    # THEN there are a few dozen players and four weeks of past games, every pick graded by the settlement
    assert summary.players >= 30 and summary.games >= 4 * 7 * 3 and summary.picks > 500
    span = await db.fetchrow("SELECT min(commence_time) AS first, max(commence_time) AS last FROM game")
    assert span["first"] <= NOW - timedelta(days=27) and span["last"] < NOW
    assert await db.fetchval("SELECT count(*) FROM pick WHERE status = 'pending'") == 0
    statuses = {r["status"] for r in await db.fetch("SELECT DISTINCT status FROM pick")}
    assert {"won", "lost", "void"} <= statuses
    assert await db.fetchval("SELECT count(*) FROM game WHERE status = 'void'") == summary.voids == 2
    assert summary.corrections == 3
    assert await db.fetchval("SELECT count(*) FROM processed_event") == summary.games + summary.corrections
    assert await db.fetchval("SELECT count(*) FROM pick_regrade WHERE reason LIKE 'score corrected%'") > 0
    assert (
        await db.fetchval(
            "SELECT count(*) FROM pick p JOIN game g ON g.id = p.game_id "
            "WHERE p.graded_away_score IS DISTINCT FROM g.away_score"
        )
        == 0
    )
    assert await db.fetchval("SELECT count(*) FROM market_line") == summary.games * 12
    assert await db.fetchval("SELECT count(*) FROM pick WHERE closing_price IS NULL") == 0
    # a living leaderboard: players up and down
    assert await db.fetchval('SELECT count(DISTINCT sign(total_units)) FROM "user"') >= 2
    # and the settlement's running totals equal a from-scratch recomputation
    assert await recompute_totals(db, fix=False) == []
    password_hash = await db.fetchval('SELECT DISTINCT password_hash FROM "user"')
    assert await asyncio.to_thread(PasswordHash.recommended().verify, DEMO_PASSWORD, password_hash)


async def test_demo_seed_includes_a_league_whose_members_are_ranked_over_its_two_weeks(db: asyncpg.Pool) -> None:
    # WHEN the demo is seeded
    summary = await seed_demo(db, env="dev", now=NOW)
    # THEN a league of a dozen demo players counts their NBA picks of the last two weeks
    league = await db.fetchrow('SELECT l.*, u.username AS owner FROM league l JOIN "user" u ON u.id = l.owner_id')
    assert (league["name"], league["owner"], league["invite_code"]) == (
        summary.league.name,
        summary.league.owner,
        summary.league.invite_code,
    )
    assert league["sport_key"] == "basketball_nba" and league["start_date"] == (NOW - timedelta(days=14)).date()
    assert league["created_at"] <= NOW - timedelta(days=14)
    assert await db.fetchval("SELECT count(*) FROM league_member") == summary.league.members == 12
    # AND its owner sees its members ranked over those picks
    async with api() as client:
        response = await client.get(f"/api/leagues/{league['id']}/leaderboard", headers=auth_header(league["owner_id"]))
    body = response.json()
    assert response.status_code == 200 and body["total"] >= 2
    members = {r["username"] for r in await db.fetch('SELECT username FROM league_member JOIN "user" ON id = user_id')}
    assert {entry["username"] for entry in body["entries"]} <= members


async def test_demo_seed_refuses_outside_dev(db: asyncpg.Pool) -> None:
    with pytest.raises(DemoRefused, match="dev"):
        await seed_demo(db, env="prod", now=NOW)
    assert await db.fetchval("SELECT count(*) FROM game") == 0


async def test_demo_seed_refuses_a_database_that_has_players(db: asyncpg.Pool) -> None:
    await insert_users(db, 1)
    with pytest.raises(DemoRefused, match="already has players"):
        await seed_demo(db, env="dev", now=NOW)
    assert await db.fetchval('SELECT count(*) FROM "user"') == 1


async def test_demo_seed_command_exits_non_zero_outside_dev(db: asyncpg.Pool, capsys) -> None:
    # GIVEN the test environment (PICKVS_ENV=test) WHEN `pickvs demo seed` runs THEN it says why and changes nothing
    assert await asyncio.to_thread(main, ["demo", "seed"]) == 1
    assert "only in dev" in capsys.readouterr().err
    assert await db.fetchval('SELECT count(*) FROM "user"') == 0
