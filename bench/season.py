"""The season shape: a season of games, players picking all three markets, settled through the grader's Lambda handler.

`PLAYERS` players and `GAMES` games spread over the `SEASON_DAYS` days up to yesterday (UTC), with `PICKS` picks: each
game's pickers take all three markets of it, some games draw three times the picks of others. Results reach the real
grader handler (`services.grader.handler.handle`) in Lambda-shaped SQS batches of 10 records built here, so the
embedded SQS server's own speed stays out of the figure; every event is then delivered again, which must change
nothing. The handler grades with the database clock (today); `redate` then dates each grading on its game's night, as
a season graded night by night would have, and rebuilds the rollups from the picks, so the week and month windows
hold what they would at the end of a season. `extend` adds picks by the same players on the same nights (more games
each night), graded on their nights too: the 4,000,000-pick board, with the same players as the 1,000,000-pick one.

Data is generated in SQL (generate_series), never in a Python loop.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import asyncpg

from bench.settlement import settle_writes
from contracts.events import GameInfo, GameResultEvent

PLAYERS = 100_000
GAMES = 1_230
PICKS = 1_000_000
SEASON_DAYS = 165
BATCH = 10  # records per Lambda invocation (the SQS event source's default batch size)
SPORT = "basketball_nba"
_PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$" + "s" * 22 + "$" + "h" * 43

# Game n tips off on day n * SEASON_DAYS / GAMES of the season (7 to 8 a night), between 23:00 and 03:30 UTC.
_GAMES_SQL = """
INSERT INTO game (external_id, sport_key, sport_title, home_team, away_team, commence_time)
SELECT 'season-' || n, $2, 'NBA', 'Home ' || n % 30, 'Away ' || (n + 7) % 30,
       $3::timestamptz + (n * $4 / $1) * interval '1 day' + (23 * 60 + (n % 10) * 27) * interval '1 minute'
FROM generate_series(0, $1 - 1) AS n
ORDER BY n
"""

_LINES_SQL = """
INSERT INTO market_line (game_id, snapshot_kind, market, selection, price, point, bookmaker, bookmaker_count,
                         fetched_at)
SELECT g.id, k.kind, l.market, l.selection, l.price, l.point, 'draftkings', 5, g.commence_time - interval '5 minutes'
FROM game g,
     (VALUES ('current'), ('closing')) AS k(kind),
     (VALUES ('h2h', 'home', -150, NULL::numeric), ('h2h', 'away', 130, NULL),
             ('spreads', 'home', -110, -3.5), ('spreads', 'away', -110, 3.5),
             ('totals', 'over', -105, 220.5), ('totals', 'under', -115, 220.5)) AS l(market, selection, price, point)
WHERE g.external_id LIKE 'season-%'
"""

# Game g draws pickers in proportion to its weight 1..3; picker j of game g is player (g * 7919 + j) % players (or,
# for `extend`, the next block of players after the ones already there), taking all three markets.
_PICKS_SQL = """
WITH weighted AS (
    SELECT g.id AS game_id, g.commence_time, row_number() OVER (ORDER BY g.id) - 1 AS n,
           1 + ((g.id * 37) % 5) / 2.0 AS weight
    FROM game g WHERE g.external_id LIKE 'season-%'
), sized AS (
    SELECT w.*, round($1::numeric / 3 * weight / sum(weight) OVER ())::int AS pickers FROM weighted w
)
INSERT INTO pick (user_id, game_id, market, selection, point, price, stake, placed_at, status, result_units,
                  graded_at)
SELECT $2::bigint + (s.n * 7919 + $4::int + j) % $3, s.game_id, m.market,
       CASE WHEN m.market = 'totals' THEN (ARRAY['over', 'under'])[(j + s.n) % 2 + 1]
            ELSE (ARRAY['home', 'away'])[(j + s.n) % 2 + 1] END,
       CASE m.market WHEN 'h2h' THEN NULL WHEN 'spreads' THEN (j % 13 - 6) + 0.5 * (j / 13 % 2)
                     ELSE 208 + j % 14 + 0.5 * (j / 14 % 2) END,
       (ARRAY[-150, 130, -110, -105, 120, -200, 250])[(j + s.n) % 7 + 1],
       (1 + (j + s.n) % 5)::numeric,
       s.commence_time - interval '1 day',
       'pending', NULL, NULL
FROM sized s
CROSS JOIN LATERAL generate_series(0, s.pickers - 1) AS j
CROSS JOIN (VALUES ('h2h'), ('spreads'), ('totals')) AS m(market)
ORDER BY s.game_id, j
"""

# Each final: home wins by (n % 15) - 4 on a total around 214, so every market produces wins, losses and pushes.
_FINALS_SQL = """
SELECT external_id, sport_key, sport_title, home_team, away_team, commence_time,
       110 + (id % 15) - 4 AS home_score, 110 - ((id * 3) % 7) AS away_score
FROM game WHERE external_id LIKE 'season-%' ORDER BY commence_time, id
"""

# What settling must leave the same when every event is delivered again: every pick's grading and every rollup.
_STATE_SQL = """
SELECT md5(string_agg(concat_ws(',', id, status, result_units, graded_at), ';' ORDER BY id)) FROM pick
UNION ALL
SELECT md5(string_agg(concat_ws(',', sport_key, user_id, units, wagered, wins, losses, pushes, season_units,
                                month_start, month_units), ';' ORDER BY sport_key, user_id)) FROM player_total
UNION ALL
SELECT md5(string_agg(concat_ws(',', user_id, sport_key, day, units, wagered, voids), ';'
                      ORDER BY user_id, sport_key, day)) FROM player_day
"""


@dataclass(frozen=True)
class Season:
    """What was generated: the season's first day and today (UTC), and the counts."""

    first_day: date
    today: date
    players: int
    games: int
    picks: int


async def generate(
    pool: asyncpg.Pool,
    *,
    players: int = PLAYERS,
    games: int = GAMES,
    picks: int = PICKS,
    season_days: int = SEASON_DAYS,
) -> Season:
    """Fill empty tables with the season's players, games, lines and pending picks."""
    today: date = await pool.fetchval("SELECT (now() AT TIME ZONE 'UTC')::date")
    first_day = today - timedelta(days=season_days)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            'INSERT INTO "user" (username, email, password_hash) '
            "SELECT 'player_' || n, 'player_' || n || '@example.com', $2 FROM generate_series(1, $1) AS n ORDER BY n",
            players,
            _PASSWORD_HASH,
        )
        first_user = await conn.fetchval('SELECT min(id) FROM "user"')
        start = datetime.combine(first_day, clock_time.min, tzinfo=UTC)
        await conn.execute(_GAMES_SQL, games, SPORT, start, season_days - 1)
        await conn.execute(_LINES_SQL)
        await conn.execute(_PICKS_SQL, picks, first_user, players, 0)
    count = await pool.fetchval("SELECT count(*) FROM pick")
    await pool.execute('VACUUM (ANALYZE) pick, "user", game, market_line')
    return Season(first_day=first_day, today=today, players=players, games=games, picks=count)


def result_events(rows: list[asyncpg.Record]) -> list[GameResultEvent]:
    """Each game's final score, as the fetcher would publish it."""
    return [
        GameResultEvent(
            game=GameInfo(
                external_id=r["external_id"],
                sport_key=r["sport_key"],
                sport_title=r["sport_title"],
                home_team=r["home_team"],
                away_team=r["away_team"],
                commence_time=r["commence_time"],
            ),
            outcome="final",
            home_score=r["home_score"],
            away_score=r["away_score"],
            last_update=r["commence_time"] + timedelta(hours=3),
        )
        for r in rows
    ]


def sqs_batch(events: list[GameResultEvent], *, receive_count: int = 1) -> dict[str, Any]:
    """An SQS event source's Lambda event for these bodies, shaped exactly as AWS sends it."""
    records = []
    for event in events:
        body = event.model_dump_json()
        records.append(
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "AQEB" + hashlib.sha1(body.encode()).hexdigest(),
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": str(receive_count),
                    "SentTimestamp": "1545082649183",
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": "1545082649185",
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:111122223333:score-events",
                "awsRegion": "us-east-1",
            }
        )
    return {"Records": records}


@dataclass(frozen=True)
class SettleReport:
    """The handler's seconds for the first delivery and for the redelivery of every event, and what they left."""

    events: int
    batches: int
    first_s: float
    redelivery_s: float
    picks_per_game: list[int]
    seconds_per_batch: list[float]
    failures: int
    redelivery_changed_nothing: bool


async def state_digest(pool: asyncpg.Pool) -> list[str]:
    """A digest of every pick's grading and every rollup row."""
    return [r[0] for r in await pool.fetch(_STATE_SQL)]


async def settle(
    pool: asyncpg.Pool,
    handle: Callable[[dict[str, Any], Any], Any],
    *,
    checkpoint: Callable[[int], Any] | None = None,
    checkpoints: int = 4,
    progress: Callable[[str], None] = print,
) -> SettleReport:
    """Deliver every game's final to the grader handler in batches, then every one again; time both."""
    rows = await pool.fetch(_FINALS_SQL)
    events = result_events(rows)
    sizes = {
        r["external_id"]: r["n"]
        for r in await pool.fetch(
            "SELECT g.external_id, count(p.id) AS n FROM game g LEFT JOIN pick p ON p.game_id = g.id "
            "WHERE g.external_id LIKE 'season-%' GROUP BY g.external_id"
        )
    }
    batches = [events[i : i + BATCH] for i in range(0, len(events), BATCH)]
    marks = {round(len(batches) * k / checkpoints) for k in range(1, checkpoints + 1)}
    first_s, failures = 0.0, 0
    per_batch: list[float] = []
    for number, batch in enumerate(batches, start=1):
        started = time.perf_counter()
        response = await handle(sqs_batch(batch), None)
        elapsed = time.perf_counter() - started
        first_s += elapsed
        per_batch.append(elapsed)
        failures += len(response["batchItemFailures"])
        if number % 25 == 0 or number == len(batches):
            progress(f"  settled {min(number * BATCH, len(events)):,} of {len(events):,} games ({first_s:.1f} s)")
        if checkpoint is not None and number in marks:
            await checkpoint(number * BATCH)
    before = await state_digest(pool)
    # What the first delivery left for autovacuum and the checkpointer is done before the redelivery is timed, as it
    # would be by the time SQS delivers again, so the redelivery does not pay for it.
    await pool.execute('VACUUM (ANALYZE) pick, "user", player_day, player_total, game, processed_event')
    await settle_writes(pool)
    redelivery_s = 0.0
    for batch in batches:
        started = time.perf_counter()
        response = await handle(sqs_batch(batch, receive_count=2), None)
        redelivery_s += time.perf_counter() - started
        failures += len(response["batchItemFailures"])
    progress(f"  redelivered every event ({redelivery_s:.1f} s)")
    return SettleReport(
        events=len(events),
        batches=len(batches),
        first_s=first_s,
        redelivery_s=redelivery_s,
        picks_per_game=[sizes[e.game.external_id] for e in events],
        seconds_per_batch=per_batch,
        failures=failures,
        redelivery_changed_nothing=before == await state_digest(pool),
    )


# The rollups as a recompute would rebuild them, straight from the picks (the migration that added them backfills the
# same way): used after the bench re-dates or adds graded picks wholesale, which no settlement did.
_REBUILD_SQL = (
    "TRUNCATE player_day, player_total",
    """
    INSERT INTO player_day (user_id, sport_key, day, units, wagered, wins, losses, pushes, voids)
    SELECT p.user_id, g.sport_key, (p.graded_at AT TIME ZONE 'UTC')::date, sum(p.result_units),
           coalesce(sum(p.stake) FILTER (WHERE p.status IN ('won', 'lost', 'push')), 0),
           count(*) FILTER (WHERE p.status = 'won'), count(*) FILTER (WHERE p.status = 'lost'),
           count(*) FILTER (WHERE p.status = 'push'), count(*) FILTER (WHERE p.status = 'void')
    FROM pick p JOIN game g ON g.id = p.game_id
    WHERE p.status <> 'pending'
    GROUP BY 1, 2, 3
    """,
    """
    WITH days AS (
        SELECT user_id, sport_key, day, units, wagered, wins, losses, pushes FROM player_day
        UNION ALL
        SELECT user_id, '*', day, sum(units), sum(wagered), sum(wins), sum(losses), sum(pushes)
        FROM player_day GROUP BY user_id, day
    ), marked AS (
        SELECT days.*, date_trunc('month', day)::date AS month,
               max(date_trunc('month', day)::date) OVER (PARTITION BY user_id, sport_key) AS last_month
        FROM days
    )
    INSERT INTO player_total (sport_key, user_id, username, units, wagered, wins, losses, pushes,
                              season_units, season_wagered, season_wins, season_losses, season_pushes,
                              month_start, month_units, month_wagered, month_wins, month_losses, month_pushes)
    SELECT m.sport_key, m.user_id, u.username, sum(m.units), sum(m.wagered), sum(m.wins), sum(m.losses),
           sum(m.pushes),
           coalesce(sum(m.units) FILTER (WHERE m.day >= r.starts_on), 0),
           coalesce(sum(m.wagered) FILTER (WHERE m.day >= r.starts_on), 0),
           coalesce(sum(m.wins) FILTER (WHERE m.day >= r.starts_on), 0),
           coalesce(sum(m.losses) FILTER (WHERE m.day >= r.starts_on), 0),
           coalesce(sum(m.pushes) FILTER (WHERE m.day >= r.starts_on), 0),
           max(m.last_month),
           coalesce(sum(m.units) FILTER (WHERE m.month = m.last_month), 0),
           coalesce(sum(m.wagered) FILTER (WHERE m.month = m.last_month), 0),
           coalesce(sum(m.wins) FILTER (WHERE m.month = m.last_month), 0),
           coalesce(sum(m.losses) FILTER (WHERE m.month = m.last_month), 0),
           coalesce(sum(m.pushes) FILTER (WHERE m.month = m.last_month), 0)
    FROM marked m JOIN "user" u ON u.id = m.user_id CROSS JOIN rollup_season r
    GROUP BY m.sport_key, m.user_id, u.username
    """,
    """
    UPDATE "user" u
    SET total_units = t.units, total_wagered = t.wagered, wins = t.wins, losses = t.losses, pushes = t.pushes
    FROM player_total t
    WHERE t.sport_key = '*' AND t.user_id = u.id
    """,
)


async def rebuild_rollups(pool: asyncpg.Pool) -> float:
    """Rebuild the rollups from the picks in one transaction; return its seconds."""
    started = time.perf_counter()
    async with pool.acquire() as conn, conn.transaction():
        for statement in _REBUILD_SQL:
            await conn.execute(statement)
    seconds = time.perf_counter() - started
    await pool.execute('VACUUM (ANALYZE) pick, "user", player_day, player_total')
    return seconds


async def redate(pool: asyncpg.Pool) -> float:
    """Date every grading three hours after its game's tip-off, as a season graded night by night would have, and
    rebuild the rollups; return the rebuild's seconds."""
    await pool.execute(
        "UPDATE pick p SET graded_at = g.commence_time + interval '3 hours' FROM game g "
        "WHERE g.id = p.game_id AND p.status <> 'pending'"
    )
    await pool.execute("UPDATE game SET settled_at = commence_time + interval '3 hours' WHERE settled_at IS NOT NULL")
    return await rebuild_rollups(pool)


# For each game a player picked (their moneyline pick stands for the game), the next games of the same night in turn,
# all three markets: the same players, on the same nights, picking more games.
_MORE_PICKS_SQL = """
WITH night AS (
    SELECT id, min(id) OVER w AS first_id, count(*) OVER w AS games, id - min(id) OVER w AS idx
    FROM game
    WHERE external_id LIKE 'season-%'
    WINDOW w AS (PARTITION BY (commence_time AT TIME ZONE 'UTC' - interval '12 hours')::date)
), more AS (
    SELECT p.user_id, n.first_id + (n.idx + k) % n.games AS game_id, p.id AS n
    FROM pick p
    JOIN night n ON n.id = p.game_id
    CROSS JOIN generate_series(1, 3) AS k
    WHERE p.market = 'h2h' AND k < n.games
    ORDER BY k, p.id
    LIMIT $1 / 3
)
INSERT INTO pick (user_id, game_id, market, selection, point, price, stake, placed_at, status, result_units,
                  graded_at)
SELECT m.user_id, m.game_id, x.market,
       CASE WHEN x.market = 'totals' THEN (ARRAY['over', 'under'])[m.n % 2 + 1]
            ELSE (ARRAY['home', 'away'])[m.n % 2 + 1] END,
       CASE x.market WHEN 'h2h' THEN NULL WHEN 'spreads' THEN -3.5 ELSE 220.5 END,
       t.price, t.stake, g.commence_time - interval '1 day', s.status,
       CASE s.status WHEN 'won' THEN CASE WHEN t.price > 0 THEN round(t.stake * t.price / 100.0, 2)
                                          ELSE round(t.stake * 100.0 / abs(t.price), 2) END
                     WHEN 'lost' THEN -t.stake
                     ELSE 0 END,
       g.commence_time + interval '3 hours'
FROM more m
JOIN game g ON g.id = m.game_id
CROSS JOIN (VALUES ('h2h'), ('spreads'), ('totals')) AS x(market)
CROSS JOIN LATERAL (SELECT (ARRAY[-150, 130, -110, -105, 120, -200, 250])[m.n % 7 + 1] AS price,
                           (1 + m.n % 5)::numeric AS stake) t
CROSS JOIN LATERAL (SELECT (ARRAY['won', 'lost', 'lost', 'won', 'push'])[(m.n + m.game_id) % 5 + 1] AS status) s
ON CONFLICT (user_id, game_id, market) DO NOTHING
"""


async def extend(pool: asyncpg.Pool, *, picks: int) -> float:
    """Add about `picks` picks by the same players on the same nights (more games each night), graded on their game's
    night like the season's, and rebuild the rollups; return the rebuild's seconds."""
    await pool.execute(_MORE_PICKS_SQL, picks)
    return await rebuild_rollups(pool)
