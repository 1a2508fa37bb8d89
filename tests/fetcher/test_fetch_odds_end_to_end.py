"""fetch-odds end to end: simulator → fetcher → SQS → local event source → ingest handler → game, odds, market_line."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg

from services.fetcher.jobs import fetch_odds
from tests.fetcher.conftest import ingest_runner, table

GAME_SQL = (
    "SELECT external_id, sport_key, home_team, away_team, commence_time, status, odds_fetched_at "
    "FROM game ORDER BY external_id"
)
ODDS_SQL = (
    "SELECT g.external_id, o.snapshot_kind, o.bookmaker, o.market, o.selection, o.price, o.point, o.last_update, "
    "o.fetched_at FROM odds o JOIN game g ON g.id = o.game_id ORDER BY 1, 2, 3, 4, 5"
)
LINE_SQL = (
    "SELECT g.external_id, l.snapshot_kind, l.market, l.selection, l.price, l.point, l.bookmaker, "
    "l.bookmaker_count FROM market_line l JOIN game g ON g.id = l.game_id ORDER BY 1, 2, 3, 4"
)


async def test_fetch_odds_fills_games_odds_and_lines_through_sqs_and_twice_changes_nothing(
    db: asyncpg.Pool, sqs: Any, simulator: Any, make_deps: Any
) -> None:
    # GIVEN the simulator's Sunday slate and an empty database
    deps = make_deps()
    runner = await ingest_runner(sqs, db)
    # WHEN fetch-odds runs and the ingest worker drains the queue
    report = await fetch_odds(deps)
    await runner.drain()
    # THEN every game starting in the window is stored with every bookmaker's prices and a consensus line
    assert report.ok, report.lines()
    now = deps.clock()
    slate_ids = {
        g.id for g in simulator.slate.games_for("basketball_nba") if now < g.commence_time <= now + timedelta(hours=24)
    }
    games = await table(db, GAME_SQL)
    assert {g[0] for g in games} == slate_ids and slate_ids
    odds = await table(db, ODDS_SQL)
    # 6 US books × 3 markets × 2 sides, each as current and (fetched before tip-off) closing
    assert len(odds) == len(games) * 6 * 3 * 2 * 2
    lines = await table(db, LINE_SQL)
    assert len(lines) == len(games) * 3 * 2 * 2
    assert all((row[3] == "h2h") == (row[6] is None) for row in odds)
    # AND it cost exactly markets × regions = 3 credits, after one free /events call
    assert [c.cost for c in simulator.calls] == [0, 3]
    versions = await db.fetchval("SELECT version FROM data_version WHERE scope = 'board'")
    assert versions == len(games)

    # WHEN it runs again at the same instant
    again = await fetch_odds(deps)
    await runner.drain()
    # THEN the tables are unchanged (the same snapshot is the same event, applied once)
    assert again.ok
    assert await table(db, GAME_SQL) == games
    assert await table(db, ODDS_SQL) == odds
    assert await table(db, LINE_SQL) == lines
    assert await db.fetchval("SELECT version FROM data_version WHERE scope = 'board'") == versions
