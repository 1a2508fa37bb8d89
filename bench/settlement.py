"""Settle one game with many picks, against the cheapest write of the same rows, and recompute the totals.

Two shapes of the same number of picks on one game:
- `distinct`: every pick is a different player's (the most player rows a settlement can touch);
- `crowd`: each player picks all three markets of the game and already has graded history on earlier games (about ten
  picks each), so the pick table, its indexes and the players' totals look like a season in progress.

Data is generated in SQL (generate_series), never in a Python loop.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import asyncpg

from contracts.events import GameInfo, GameResultEvent
from pickvs.db import Connection
from services.grader.recompute import recompute_totals
from services.grader.settlement import apply_result

Shape = Literal["distinct", "crowd"]
SHAPES: tuple[Shape, ...] = ("distinct", "crowd")

TIP_OFF = datetime(2026, 11, 1, 0, 30, tzinfo=UTC)
GRADED_AT = TIP_OFF + timedelta(hours=4)
# Graded picks each crowd player already holds on earlier games (with the three on the benchmarked game: ~10 each).
CROWD_HISTORY_PER_PLAYER = 7
# As long as a real argon2id hash, so player rows are as wide as real ones.
_PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$" + "s" * 22 + "$" + "h" * 43
_TABLES = 'pick_regrade, pick, market_line, odds, processed_event, game, "user"'


class BenchDatabaseNotEmpty(RuntimeError):
    """The benchmark empties its tables between runs, so it refuses a database that already holds players."""


@dataclass(frozen=True)
class SettlementReport:
    """One shape's timings in seconds, the baseline ratios and what was checked after the run."""

    shape: Shape
    picks: int
    players: int
    history_picks: int
    generate_s: float
    baseline_s: float
    final_s: float
    correction_s: float
    void_s: float
    recompute_s: float
    final_ratio: float
    correction_ratio: float
    void_ratio: float
    picks_written_final: int
    picks_regraded_correction: int
    picks_regraded_void: int
    users_updated_final: int
    all_picks_graded: bool
    totals_match_recompute: bool

    def as_dict(self) -> dict[str, Any]:
        """Return the report as plain JSON-ready values."""
        return asdict(self)


GAME = GameInfo(
    external_id="bench-game",
    sport_key="basketball_nba",
    sport_title="NBA",
    home_team="Bench Home",
    away_team="Bench Away",
    commence_time=TIP_OFF,
)
# The final grades every side of every market; the correction flips the winner (h2h and spread picks change result,
# totals do not); the void returns every stake.
FINAL = GameResultEvent(
    game=GAME, outcome="final", home_score=110, away_score=104, last_update=TIP_OFF + timedelta(hours=3)
)
CORRECTION = GameResultEvent(
    game=GAME, outcome="final", home_score=104, away_score=110, last_update=TIP_OFF + timedelta(hours=27)
)
VOID = GameResultEvent(
    game=GAME, outcome="void", reason="bench: result withdrawn", last_update=TIP_OFF + timedelta(hours=40)
)

_MARKET_LINES_SQL = """
INSERT INTO market_line (game_id, snapshot_kind, market, selection, price, point, bookmaker, bookmaker_count,
                         fetched_at)
SELECT $1, k.kind, l.market, l.selection, l.price, l.point, 'draftkings', 5, $2
FROM (VALUES ('current'), ('closing')) AS k(kind),
     (VALUES ('h2h', 'home', -150, NULL::numeric), ('h2h', 'away', 130, NULL),
             ('spreads', 'home', -110, -3.5), ('spreads', 'away', -110, 3.5),
             ('totals', 'over', -105, 220.5), ('totals', 'under', -115, 220.5)) AS l(market, selection, price, point)
"""

# Pick n of the game: market n % 3, side by n / 3 % 2, a spread of -6.5..+6.5 and a total of 209.5..221.5 around the
# score, so the final and the correction produce wins, losses and pushes; prices and stakes vary.
_GAME_PICKS_SQL = """
INSERT INTO pick (user_id, game_id, market, selection, point, price, stake, placed_at)
SELECT u.id, $1, m.market,
       CASE WHEN m.market = 'totals' THEN (ARRAY['over', 'under'])[n / 3 % 2 + 1]
            ELSE (ARRAY['home', 'away'])[n / 3 % 2 + 1] END,
       CASE m.market WHEN 'h2h' THEN NULL
                     WHEN 'spreads' THEN (n % 13 - 6) + 0.5 * (n / 13 % 2)
                     ELSE 208 + n % 14 + 0.5 * (n / 14 % 2) END,
       (ARRAY[-150, 130, -110, -105, 120, -200, 250])[n % 7 + 1],
       (1 + n % 5)::numeric,
       $2
FROM generate_series(0, $3 - 1) AS n
JOIN "user" u ON u.id = $4 + n / $5
CROSS JOIN LATERAL (SELECT (ARRAY['h2h', 'spreads', 'totals'])[n % 3 + 1] AS market) m
ORDER BY n
"""

# History: each crowd player's earlier games, already graded (a mix of wins, losses and pushes at -110).
_HISTORY_PICKS_SQL = """
INSERT INTO pick (user_id, game_id, market, selection, point, price, stake, placed_at, status, result_units,
                  graded_at, graded_home_score, graded_away_score)
SELECT u.id, g.id, 'spreads', 'home', -2.5, -110, s.stake, g.commence_time - interval '1 day', s.status,
       CASE s.status WHEN 'won' THEN round(s.stake * 100.0 / 110, 2) WHEN 'lost' THEN -s.stake ELSE 0 END,
       g.commence_time + interval '3 hours', 100, 98
FROM "user" u
JOIN game g ON g.external_id LIKE 'bench-past-%'
CROSS JOIN LATERAL (SELECT (ARRAY['won', 'lost', 'push'])[(u.id + g.id) % 3 + 1] AS status,
                           (1 + (u.id + g.id) % 4)::numeric AS stake) s
ORDER BY g.id, u.id
"""


async def _timed(action: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = await action()
    return time.perf_counter() - started, result


async def _insert_game(conn: Connection, info: GameInfo, status: str = "scheduled") -> int:
    return await conn.fetchval(
        "INSERT INTO game (external_id, sport_key, sport_title, home_team, away_team, commence_time, status, "
        "home_score, away_score, completed_at) "
        "VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7::text, CASE WHEN $7 = 'final' THEN 100 END, "
        "CASE WHEN $7 = 'final' THEN 98 END, CASE WHEN $7 = 'final' THEN $6::timestamptz + interval '3 hours' END) "
        "RETURNING id",
        info.external_id,
        info.sport_key,
        info.sport_title,
        info.home_team,
        info.away_team,
        info.commence_time,
        status,
    )


async def empty_tables(pool: asyncpg.Pool) -> None:
    """Empty the tables the benchmark fills and reset the leaderboard version."""
    await pool.execute(f"TRUNCATE {_TABLES} RESTART IDENTITY CASCADE")
    await pool.execute("UPDATE data_version SET version = 0 WHERE scope = 'leaderboard'")


async def refuse_non_empty(pool: asyncpg.Pool) -> None:
    """Raise BenchDatabaseNotEmpty when the database holds any player (it is not a throwaway one)."""
    if await pool.fetchval('SELECT EXISTS (SELECT 1 FROM "user")'):
        raise BenchDatabaseNotEmpty("the benchmark database already holds players; point it at an empty database")


async def _vacuum(pool: asyncpg.Pool) -> None:
    # Between steps, as autovacuum would between a game's final and its correction hours later; never timed.
    await pool.execute('VACUUM (ANALYZE) pick, "user", pick_regrade, game')


async def generate(pool: asyncpg.Pool, *, shape: Shape, picks: int) -> tuple[int, int, int]:
    """Fill the empty tables for one shape; return (game id, players, history picks)."""
    per_player = 1 if shape == "distinct" else 3
    players = -(-picks // per_player)
    history_games = 0 if shape == "distinct" else CROWD_HISTORY_PER_PLAYER
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            'INSERT INTO "user" (username, email, password_hash) '
            "SELECT 'bench_' || n, 'bench_' || n || '@example.com', $2 FROM generate_series(1, $1) AS n ORDER BY n",
            players,
            _PASSWORD_HASH,
        )
        first_user = await conn.fetchval('SELECT min(id) FROM "user"')
        for day in range(history_games, 0, -1):
            past = GAME.model_copy(
                update={"external_id": f"bench-past-{day}", "commence_time": TIP_OFF - timedelta(days=day)}
            )
            await _insert_game(conn, past, status="final")
        history = 0
        if history_games:
            history = int((await conn.execute(_HISTORY_PICKS_SQL)).split()[-1])
        game_id = await _insert_game(conn, GAME)
        await conn.execute(_MARKET_LINES_SQL, game_id, TIP_OFF - timedelta(minutes=5))
        await conn.execute(_GAME_PICKS_SQL, game_id, TIP_OFF - timedelta(days=1), picks, first_user, per_player)
    if history:
        # Totals that agree with the history, as grading would have left them (not timed).
        await recompute_totals(pool)
    await _vacuum(pool)
    return game_id, players, history


async def _baseline(pool: asyncpg.Pool, *, game_id: int) -> float:
    """Time the cheapest write of the rows a settlement writes (the game's picks and their players), rolled back."""
    async with pool.acquire() as conn:
        tr = conn.transaction()
        await tr.start()
        try:
            started = time.perf_counter()
            await conn.execute("UPDATE pick SET closing_price = closing_price WHERE game_id = $1", game_id)
            await conn.execute(
                'UPDATE "user" SET total_units = total_units WHERE id IN (SELECT user_id FROM pick WHERE game_id = $1)',
                game_id,
            )
            return time.perf_counter() - started
        finally:
            await tr.rollback()


async def run_settlement(pool: asyncpg.Pool, *, shape: Shape, picks: int) -> SettlementReport:
    """Benchmark one shape on an empty, migrated database (left filled; `empty_tables` clears it)."""
    generate_s, (game_id, players, history) = await _timed(lambda: generate(pool, shape=shape, picks=picks))
    baseline_s = await _baseline(pool, game_id=game_id)
    await _vacuum(pool)
    final_s, final = await _timed(lambda: apply_result(pool, FINAL, now=GRADED_AT))
    await _vacuum(pool)
    correction_s, correction = await _timed(lambda: apply_result(pool, CORRECTION, now=GRADED_AT + timedelta(days=1)))
    await _vacuum(pool)
    void_s, voided = await _timed(lambda: apply_result(pool, VOID, now=GRADED_AT + timedelta(days=2)))
    await _vacuum(pool)
    recompute_s, differences = await _timed(lambda: recompute_totals(pool, fix=False))
    still_open = await pool.fetchval("SELECT count(*) FROM pick WHERE game_id = $1 AND status <> 'void'", game_id)
    return SettlementReport(
        shape=shape,
        picks=picks,
        players=players,
        history_picks=history,
        generate_s=generate_s,
        baseline_s=baseline_s,
        final_s=final_s,
        correction_s=correction_s,
        void_s=void_s,
        recompute_s=recompute_s,
        final_ratio=final_s / baseline_s,
        correction_ratio=correction_s / baseline_s,
        void_ratio=void_s / baseline_s,
        picks_written_final=final.picks_written,
        picks_regraded_correction=correction.picks_regraded,
        picks_regraded_void=voided.picks_regraded,
        users_updated_final=final.users_updated,
        all_picks_graded=still_open == 0 and final.picks_written == picks,
        totals_match_recompute=differences == [],
    )
