"""Settle one game with many picks, against the cheapest write of the same rows, and recompute the totals.

Two shapes of the same number of picks on one game:
- `distinct`: every pick is a different player's (the most player rows a settlement can touch);
- `crowd`: each player picks all three markets of the game and already has graded history on earlier games (about ten
  picks each), so the pick table, its indexes and the players' totals look like a season in progress.

Data is generated in SQL (generate_series), never in a Python loop.
"""

from __future__ import annotations

import contextlib
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
_TABLES = 'pick_regrade, pick, market_line, odds, processed_event, game, player_day, player_total, "user"'


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
    correction_baseline_s: float
    void_baseline_s: float
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


# Each history pick is its player's only pick of its day, so a day row is the pick and the totals are their sums.
_HISTORY_ROLLUPS_SQL = (
    """
    INSERT INTO player_day (user_id, sport_key, day, units, wagered, wins, losses, pushes, voids)
    SELECT p.user_id, g.sport_key, (p.graded_at AT TIME ZONE 'UTC')::date, p.result_units, p.stake,
           (p.status = 'won')::int, (p.status = 'lost')::int, (p.status = 'push')::int, 0
    FROM pick p JOIN game g ON g.id = p.game_id
    WHERE p.status <> 'pending'
    ORDER BY 1, 3
    """,
    """
    INSERT INTO player_total (sport_key, user_id, username, units, wagered, wins, losses, pushes, season_units,
                              season_wagered, season_wins, season_losses, season_pushes, month_start, month_units,
                              month_wagered, month_wins, month_losses, month_pushes)
    SELECT k.sport_key, d.user_id, u.username, sum(d.units), sum(d.wagered), sum(d.wins), sum(d.losses),
           sum(d.pushes),
           coalesce(sum(d.units) FILTER (WHERE d.day >= r.starts_on), 0),
           coalesce(sum(d.wagered) FILTER (WHERE d.day >= r.starts_on), 0),
           coalesce(sum(d.wins) FILTER (WHERE d.day >= r.starts_on), 0),
           coalesce(sum(d.losses) FILTER (WHERE d.day >= r.starts_on), 0),
           coalesce(sum(d.pushes) FILTER (WHERE d.day >= r.starts_on), 0),
           date_trunc('month', max(d.day))::date,
           coalesce(sum(d.units) FILTER (WHERE date_trunc('month', d.day) = m.month), 0),
           coalesce(sum(d.wagered) FILTER (WHERE date_trunc('month', d.day) = m.month), 0),
           coalesce(sum(d.wins) FILTER (WHERE date_trunc('month', d.day) = m.month), 0),
           coalesce(sum(d.losses) FILTER (WHERE date_trunc('month', d.day) = m.month), 0),
           coalesce(sum(d.pushes) FILTER (WHERE date_trunc('month', d.day) = m.month), 0)
    FROM player_day d
    JOIN "user" u ON u.id = d.user_id
    CROSS JOIN rollup_season r
    CROSS JOIN (SELECT date_trunc('month', max(day)) AS month FROM player_day) m
    CROSS JOIN (VALUES ('*'), ('basketball_nba')) k(sport_key)
    GROUP BY k.sport_key, d.user_id, u.username
    ORDER BY 1, 2
    """,
    """
    UPDATE "user" u
    SET total_units = t.units, total_wagered = t.wagered, wins = t.wins, losses = t.losses, pushes = t.pushes
    FROM player_total t
    WHERE t.sport_key = '*' AND t.user_id = u.id
    """,
)


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


async def settle_writes(pool: asyncpg.Pool) -> None:
    """Flush what earlier work left dirty before something is timed, so its writes land in no figure (a database user
    who may not checkpoint times them as they are)."""
    with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
        await pool.execute("CHECKPOINT")


async def _vacuum(pool: asyncpg.Pool) -> None:
    # Between steps, as autovacuum would between a game's final and its correction hours later; never timed. The
    # checkpoint then writes out what the last step dirtied, so no timed write pays for the one before it (a settlement
    # run straight after its baseline flushed the baseline's pages, 1.51x in one run against 1.34x to 1.40x in others).
    await pool.execute('VACUUM (ANALYZE) pick, "user", pick_regrade, game')
    await settle_writes(pool)


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
        # Totals and rollups that agree with the history, as grading would have left them (not timed); built directly
        # (the history is one pick per player and day) because a full recompute of 3.3M picks takes a minute. The
        # run's closing recompute proves them right.
        async with pool.acquire() as conn, conn.transaction():
            for statement in _HISTORY_ROLLUPS_SQL:
                await conn.execute(statement)
    await _vacuum(pool)
    return game_id, players, history


# The rows a settlement of the game writes besides its picks and players: each player's day rows (the day a pick was
# graded on, if it was, and the day it is graded on now) and their totals for the sport and for every sport ('*').
_BASELINE_DAYS_SQL = """
INSERT INTO player_day AS t (user_id, sport_key, day)
SELECT DISTINCT p.user_id, g.sport_key, d.day
FROM pick p
JOIN game g ON g.id = p.game_id
CROSS JOIN LATERAL (VALUES ((p.graded_at AT TIME ZONE 'UTC')::date), ($2::date)) d(day)
WHERE p.game_id = $1 AND d.day IS NOT NULL
ORDER BY 1, 3
ON CONFLICT (user_id, sport_key, day) DO UPDATE SET units = t.units
"""
_BASELINE_TOTALS_SQL = """
INSERT INTO player_total AS t (sport_key, user_id, username, month_start)
SELECT k.sport_key, u.id, u.username, date_trunc('month', $2::date)
FROM (SELECT DISTINCT user_id FROM pick WHERE game_id = $1) p
JOIN "user" u ON u.id = p.user_id
CROSS JOIN (VALUES ('*'), ((SELECT sport_key FROM game WHERE id = $1))) k(sport_key)
ORDER BY 1, 2
ON CONFLICT (sport_key, user_id) DO UPDATE SET units = t.units
"""


async def _baseline(pool: asyncpg.Pool, *, game_id: int, graded_at: datetime) -> float:
    """Time the cheapest write of the rows a settlement at `graded_at` writes, rolled back: a plain UPDATE of the game's
    picks and their players, and a plain upsert of those players' rollup rows (the audit rows of re-graded picks are
    added after the event, when their number is known)."""
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
            await conn.execute(_BASELINE_DAYS_SQL, game_id, graded_at.date())
            await conn.execute(_BASELINE_TOTALS_SQL, game_id, graded_at.date())
            return time.perf_counter() - started
        finally:
            await tr.rollback()


async def _regrade_baseline(pool: asyncpg.Pool, *, game_id: int, rows: int, event_id: str, reason: str) -> float:
    """Time a plain INSERT of as many audit rows as the event wrote (one per re-graded pick), rolled back."""
    if not rows:
        return 0.0
    async with pool.acquire() as conn:
        tr = conn.transaction()
        await tr.start()
        try:
            started = time.perf_counter()
            await conn.execute(
                "INSERT INTO pick_regrade (pick_id, old_status, new_status, old_result_units, new_result_units, "
                "reason, event_id, regraded_at) "
                "SELECT id, status, status, result_units, result_units, $3, $4, now() "
                "FROM pick WHERE game_id = $1 ORDER BY id LIMIT $2",
                game_id,
                rows,
                reason,
                event_id,
            )
            return time.perf_counter() - started
        finally:
            await tr.rollback()


async def run_settlement(pool: asyncpg.Pool, *, shape: Shape, picks: int) -> SettlementReport:
    """Benchmark one shape on an empty, migrated database (left filled; `empty_tables` clears it)."""
    generate_s, (game_id, players, history) = await _timed(lambda: generate(pool, shape=shape, picks=picks))
    # Each event against the plain write of the rows it writes, measured just before it on the same table state.
    baselines, events = [], []
    for event, graded_at in (
        (FINAL, GRADED_AT),
        (CORRECTION, GRADED_AT + timedelta(days=1)),
        (VOID, GRADED_AT + timedelta(days=2)),
    ):
        baselines.append(await _baseline(pool, game_id=game_id, graded_at=graded_at))
        await _vacuum(pool)
        started = time.perf_counter()
        result = await apply_result(pool, event, now=graded_at)
        events.append((time.perf_counter() - started, result))
        await _vacuum(pool)
        # The audit rows it wrote are rows it wrote too: their plain insert, on the table as the event left it.
        reason = await pool.fetchval("SELECT max(reason) FROM pick_regrade WHERE event_id = $1", event.event_id)
        baselines[-1] += await _regrade_baseline(
            pool, game_id=game_id, rows=result.picks_regraded, event_id=event.event_id, reason=reason or ""
        )
    (final_s, final), (correction_s, correction), (void_s, voided) = events
    recompute_s, differences = await _timed(lambda: recompute_totals(pool, fix=False))
    still_open = await pool.fetchval("SELECT count(*) FROM pick WHERE game_id = $1 AND status <> 'void'", game_id)
    return SettlementReport(
        shape=shape,
        picks=picks,
        players=players,
        history_picks=history,
        generate_s=generate_s,
        baseline_s=baselines[0],
        correction_baseline_s=baselines[1],
        void_baseline_s=baselines[2],
        final_s=final_s,
        correction_s=correction_s,
        void_s=void_s,
        recompute_s=recompute_s,
        final_ratio=final_s / baselines[0],
        correction_ratio=correction_s / baselines[1],
        void_ratio=void_s / baselines[2],
        picks_written_final=final.picks_written,
        picks_regraded_correction=correction.picks_regraded,
        picks_regraded_void=voided.picks_regraded,
        users_updated_final=final.users_updated,
        all_picks_graded=still_open == 0 and final.picks_written == picks,
        totals_match_recompute=differences == [],
    )
