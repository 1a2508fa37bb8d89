"""Settle a game's picks from one result event: one transaction, set-based SQL, exactly-once effect.

The rulebook is `contracts/grading.py`; `_SETTLE_SQL` below is the same rules written as SQL CASE expressions, and
tests/grader/test_sql_agrees_with_rulebook.py proves the two agree. docs/grading.md ("Settlement", "Score corrections",
"Void games") states the ordering and idempotency rules implemented here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from contracts.events import EventAction, GameResultEvent
from contracts.markets import GameStatus
from pickvs.db import Connection, transaction
from services.grader.games import bump_data_version, upsert_game

log = logging.getLogger(__name__)

CONSUMER = "grader"
# Two graders settling games that share players lock the same user rows; PostgreSQL breaks a deadlock by aborting one
# transaction, which is then simply run again (the outcome does not depend on which one went first).
_ATTEMPTS = 3
_WORK_MEM = "128MB"


@dataclass(frozen=True)
class SettlementResult:
    """What one result event did: applied (graded or re-graded the game), duplicate or stale (no effect)."""

    game_id: int
    action: EventAction
    picks_written: int = 0
    picks_regraded: int = 0
    users_updated: int = 0


_EPOCH = datetime.min.replace(tzinfo=UTC)


def result_order_key(
    *, last_update: datetime | None, outcome: GameStatus, event_id: str
) -> tuple[bool, datetime, bool, str]:
    """Rank a game's result events: the game ends up holding the greatest, whatever the delivery order."""
    # A result without the source's timestamp cannot claim to be newer than one with it; at the same timestamp a
    # final score outranks a void (it says more); the event id only breaks exact ties so the order is total.
    return (last_update is not None, last_update or _EPOCH, outcome is GameStatus.FINAL, event_id)


_LOCK_GAME_SQL = """
SELECT id, sport_key, status, home_score, away_score, last_update, result_event_id, settled_at,
       now() AS transaction_started_at
FROM game WHERE external_id = $1
FOR UPDATE
"""

_RECORD_EVENT_SQL = """
INSERT INTO processed_event (event_id, event_type, consumer, processed_at)
VALUES ($1, 'game_result', $2, $3)
ON CONFLICT (event_id) DO NOTHING
"""

# $1 game id, $2 void?, $3 home score, $4 away score, $5 graded at, $6 event id, $7 regrade reason, $8 pending only?,
# $9 the game's sport key.
# Every pick of the game gets its (status, units) from the rulebook; only rows whose grading changes are written, a
# pick that was already graded and changes result gets a pick_regrade row, and each player's totals and leaderboard
# rollups move by the difference new − old, so applying the same result twice writes nothing the second time.
_SETTLE_SQL = """
WITH line AS (
    -- The pick's closing line for the audit: the closing consensus, else the last current one.
    SELECT DISTINCT ON (market, selection) market, selection, price, point
    FROM market_line
    WHERE game_id = $1
    ORDER BY market, selection, snapshot_kind = 'closing' DESC
),
graded AS (
    SELECT p.id, p.user_id, p.stake,
           p.status AS old_status, p.result_units AS old_units, (p.graded_at AT TIME ZONE 'UTC')::date AS old_day,
           s.new_status,
           CASE s.new_status
               WHEN 'won' THEN CASE WHEN p.price > 0 THEN round(p.stake * p.price / 100.0, 2)
                                    ELSE round(p.stake * 100.0 / abs(p.price), 2) END
               WHEN 'lost' THEN -p.stake
               ELSE 0.00
           END AS new_units,
           CASE WHEN $2 THEN NULL ELSE $3::int END AS new_home_score,
           CASE WHEN $2 THEN NULL ELSE $4::int END AS new_away_score,
           CASE WHEN l.price IS NULL THEN p.closing_price ELSE l.price END AS new_closing_price,
           CASE WHEN l.price IS NULL THEN p.closing_point ELSE l.point END AS new_closing_point,
           p.graded_home_score, p.graded_away_score, p.closing_price, p.closing_point
    FROM pick p
    -- margin: how far the picked side finished ahead of its line (> 0 won, = 0 push, < 0 lost).
    CROSS JOIN LATERAL (
        SELECT CASE p.market
                   WHEN 'totals' THEN CASE p.selection WHEN 'over' THEN ($3::int + $4::int) - p.point
                                                       ELSE p.point - ($3::int + $4::int) END
                   WHEN 'h2h' THEN CASE p.selection WHEN 'home' THEN $3::int - $4::int ELSE $4::int - $3::int END
                   ELSE CASE p.selection WHEN 'home' THEN $3::int + p.point - $4::int
                                         ELSE $4::int + p.point - $3::int END
               END AS margin
    ) m
    CROSS JOIN LATERAL (
        SELECT CASE WHEN $2 THEN 'void'
                    WHEN m.margin > 0 THEN 'won'
                    WHEN m.margin < 0 THEN 'lost'
                    ELSE 'push'
               END AS new_status
    ) s
    LEFT JOIN line l ON l.market = p.market AND l.selection = p.selection
    WHERE p.game_id = $1 AND (NOT $8 OR p.status = 'pending')
),
written AS (
    UPDATE pick p
    SET status = g.new_status,
        result_units = g.new_units,
        graded_at = $5,
        graded_home_score = g.new_home_score,
        graded_away_score = g.new_away_score,
        closing_price = g.new_closing_price,
        closing_point = g.new_closing_point
    FROM graded g
    -- The game's picks only: without this the planner may scan the whole table to match them (a season of picks).
    WHERE p.id = g.id AND p.game_id = $1
      AND (g.old_status, g.old_units, g.graded_home_score, g.graded_away_score, g.closing_price, g.closing_point)
          IS DISTINCT FROM
          (g.new_status, g.new_units, g.new_home_score, g.new_away_score, g.new_closing_price, g.new_closing_point)
    RETURNING g.id, g.user_id, g.stake, g.old_status, g.old_units, g.old_day, g.new_status, g.new_units
),
regraded AS (
    INSERT INTO pick_regrade (pick_id, old_status, new_status, old_result_units, new_result_units, reason, event_id,
                              regraded_at)
    SELECT id, old_status, new_status, old_units, new_units, $7, $6, $5
    FROM written
    WHERE old_status <> 'pending' AND (old_status, old_units) IS DISTINCT FROM (new_status, new_units)
    RETURNING pick_id
),
delta AS (
    -- Per player, in one pass: what the new gradings add (all of them today, UTC) and what the old ones take away,
    -- all told and the part of it that was graded in the season, this month and today. The caller dates a game's
    -- gradings in order, so no old grading is later than today. A void counts in nothing but voids: not in units
    -- (0.00), not in wagered, not in W-L-P.
    SELECT w.user_id,
           sum(w.new_units) AS n_units,
           coalesce(sum(w.stake) FILTER (WHERE w.new_status IN ('won', 'lost', 'push')), 0) AS n_wagered,
           count(*) FILTER (WHERE w.new_status = 'won')::int AS n_wins,
           count(*) FILTER (WHERE w.new_status = 'lost')::int AS n_losses,
           count(*) FILTER (WHERE w.new_status = 'push')::int AS n_pushes,
           count(*) FILTER (WHERE w.new_status = 'void')::int AS n_voids,
           max((c.today >= c.season)::int) AS in_season,
           coalesce(sum(w.old_units) FILTER (WHERE f.graded), 0) AS o_units,
           coalesce(sum(w.stake) FILTER (WHERE f.counted), 0) AS o_wagered,
           count(*) FILTER (WHERE w.old_status = 'won')::int AS o_wins,
           count(*) FILTER (WHERE w.old_status = 'lost')::int AS o_losses,
           count(*) FILTER (WHERE w.old_status = 'push')::int AS o_pushes,
           coalesce(sum(w.old_units) FILTER (WHERE f.graded AND f.in_season), 0) AS os_units,
           coalesce(sum(w.stake) FILTER (WHERE f.counted AND f.in_season), 0) AS os_wagered,
           count(*) FILTER (WHERE w.old_status = 'won' AND f.in_season)::int AS os_wins,
           count(*) FILTER (WHERE w.old_status = 'lost' AND f.in_season)::int AS os_losses,
           count(*) FILTER (WHERE w.old_status = 'push' AND f.in_season)::int AS os_pushes,
           coalesce(sum(w.old_units) FILTER (WHERE f.graded AND f.this_month), 0) AS om_units,
           coalesce(sum(w.stake) FILTER (WHERE f.counted AND f.this_month), 0) AS om_wagered,
           count(*) FILTER (WHERE w.old_status = 'won' AND f.this_month)::int AS om_wins,
           count(*) FILTER (WHERE w.old_status = 'lost' AND f.this_month)::int AS om_losses,
           count(*) FILTER (WHERE w.old_status = 'push' AND f.this_month)::int AS om_pushes,
           coalesce(sum(w.old_units) FILTER (WHERE f.graded AND f.today), 0) AS ot_units,
           coalesce(sum(w.stake) FILTER (WHERE f.counted AND f.today), 0) AS ot_wagered,
           count(*) FILTER (WHERE w.old_status = 'won' AND f.today)::int AS ot_wins,
           count(*) FILTER (WHERE w.old_status = 'lost' AND f.today)::int AS ot_losses,
           count(*) FILTER (WHERE w.old_status = 'push' AND f.today)::int AS ot_pushes,
           count(*) FILTER (WHERE w.old_status = 'void' AND f.today)::int AS ot_voids
    FROM written w
    CROSS JOIN (SELECT ($5::timestamptz AT TIME ZONE 'UTC')::date AS today,
                       (SELECT starts_on FROM rollup_season) AS season) c
    CROSS JOIN LATERAL (
        SELECT w.old_status <> 'pending' AS graded, w.old_status IN ('won', 'lost', 'push') AS counted,
               w.old_day >= c.season AS in_season, w.old_day >= date_trunc('month', c.today) AS this_month,
               w.old_day = c.today AS today
    ) f
    GROUP BY w.user_id
    -- In id order, so the players below are looked up (and locked) walking the table and its index forwards: on a
    -- big game that is several times faster than a hash's order (docs/decisions.md).
    ORDER BY w.user_id
),
totals AS (
    UPDATE "user" u
    SET total_units = u.total_units + d.n_units - d.o_units,
        total_wagered = u.total_wagered + d.n_wagered - d.o_wagered,
        wins = u.wins + d.n_wins - d.o_wins,
        losses = u.losses + d.n_losses - d.o_losses,
        pushes = u.pushes + d.n_pushes - d.o_pushes
    FROM delta d
    WHERE u.id = d.user_id
      AND (d.n_units - d.o_units, d.n_wagered - d.o_wagered, d.n_wins - d.o_wins, d.n_losses - d.o_losses,
           d.n_pushes - d.o_pushes) <> (0, 0, 0, 0, 0)
    RETURNING u.id
),
day_delta AS (
    -- Today's row: the new gradings less the old ones made today; earlier days lose their old gradings.
    SELECT user_id, ($5::timestamptz AT TIME ZONE 'UTC')::date AS day,
           n_units - ot_units AS units, n_wagered - ot_wagered AS wagered, n_wins - ot_wins AS wins,
           n_losses - ot_losses AS losses, n_pushes - ot_pushes AS pushes, n_voids - ot_voids AS voids
    FROM delta
    UNION ALL
    SELECT user_id, old_day, -sum(old_units),
           -coalesce(sum(stake) FILTER (WHERE old_status IN ('won', 'lost', 'push')), 0),
           -count(*) FILTER (WHERE old_status = 'won'), -count(*) FILTER (WHERE old_status = 'lost'),
           -count(*) FILTER (WHERE old_status = 'push'), -count(*) FILTER (WHERE old_status = 'void')
    FROM written
    WHERE old_status <> 'pending' AND old_day < ($5::timestamptz AT TIME ZONE 'UTC')::date
    GROUP BY user_id, old_day
),
days AS (
    INSERT INTO player_day AS t (user_id, sport_key, day, units, wagered, wins, losses, pushes, voids)
    SELECT user_id, $9, day, units, wagered, wins, losses, pushes, voids
    FROM day_delta
    WHERE (units, wagered, wins, losses, pushes, voids) <> (0, 0, 0, 0, 0, 0)
    ORDER BY user_id, day
    ON CONFLICT (user_id, sport_key, day) DO UPDATE
    SET units = t.units + excluded.units,
        wagered = t.wagered + excluded.wagered,
        wins = t.wins + excluded.wins,
        losses = t.losses + excluded.losses,
        pushes = t.pushes + excluded.pushes,
        voids = t.voids + excluded.voids
    RETURNING 1
),
rollups AS (
    -- Every sport ('*') for every player with a written pick, in id order, then the game's sport, before anything else
    -- of theirs is written (the last SELECT reads this first): two graders sharing players queue at the first shared
    -- '*' row instead of deadlocking, and whoever passes has the players to itself for the rest of the statement.
    -- The month columns hold the player's latest month: this month replaces an older one (nothing graded before this
    -- month counts in it), an older one never replaces it.
    INSERT INTO player_total AS t (sport_key, user_id, username, units, wagered, wins, losses, pushes,
                                   season_units, season_wagered, season_wins, season_losses, season_pushes,
                                   month_start, month_units, month_wagered, month_wins, month_losses, month_pushes)
    SELECT k.sport_key, d.user_id, u.username,
           d.n_units - d.o_units, d.n_wagered - d.o_wagered, d.n_wins - d.o_wins, d.n_losses - d.o_losses,
           d.n_pushes - d.o_pushes,
           d.in_season * d.n_units - d.os_units, d.in_season * d.n_wagered - d.os_wagered,
           d.in_season * d.n_wins - d.os_wins, d.in_season * d.n_losses - d.os_losses,
           d.in_season * d.n_pushes - d.os_pushes,
           date_trunc('month', $5::timestamptz AT TIME ZONE 'UTC')::date,
           d.n_units - d.om_units, d.n_wagered - d.om_wagered, d.n_wins - d.om_wins, d.n_losses - d.om_losses,
           d.n_pushes - d.om_pushes
    FROM delta d
    JOIN "user" u ON u.id = d.user_id
    CROSS JOIN (VALUES ('*'), ($9::text)) k(sport_key)
    ORDER BY k.sport_key <> '*', d.user_id
    ON CONFLICT (sport_key, user_id) DO UPDATE
    SET units = t.units + excluded.units,
        wagered = t.wagered + excluded.wagered,
        wins = t.wins + excluded.wins,
        losses = t.losses + excluded.losses,
        pushes = t.pushes + excluded.pushes,
        season_units = t.season_units + excluded.season_units,
        season_wagered = t.season_wagered + excluded.season_wagered,
        season_wins = t.season_wins + excluded.season_wins,
        season_losses = t.season_losses + excluded.season_losses,
        season_pushes = t.season_pushes + excluded.season_pushes,
        month_start = greatest(t.month_start, excluded.month_start),
        month_units = CASE WHEN t.month_start > excluded.month_start THEN t.month_units
            WHEN t.month_start = excluded.month_start THEN t.month_units + excluded.month_units
            ELSE excluded.month_units END,
        month_wagered = CASE WHEN t.month_start > excluded.month_start THEN t.month_wagered
            WHEN t.month_start = excluded.month_start THEN t.month_wagered + excluded.month_wagered
            ELSE excluded.month_wagered END,
        month_wins = CASE WHEN t.month_start > excluded.month_start THEN t.month_wins
            WHEN t.month_start = excluded.month_start THEN t.month_wins + excluded.month_wins
            ELSE excluded.month_wins END,
        month_losses = CASE WHEN t.month_start > excluded.month_start THEN t.month_losses
            WHEN t.month_start = excluded.month_start THEN t.month_losses + excluded.month_losses
            ELSE excluded.month_losses END,
        month_pushes = CASE WHEN t.month_start > excluded.month_start THEN t.month_pushes
            WHEN t.month_start = excluded.month_start THEN t.month_pushes + excluded.month_pushes
            ELSE excluded.month_pushes END
    RETURNING 1
)
SELECT (SELECT count(*) FROM written) AS written,
       (SELECT count(*) FROM regraded) AS regraded,
       (SELECT count(*) FROM rollups) AS rollups,
       (SELECT count(*) FROM totals) AS users,
       (SELECT count(*) FROM days) AS days
"""

_APPLY_GAME_SQL = """
UPDATE game
SET status = $2::text,
    home_score = $3::int,
    away_score = $4::int,
    completed_at = CASE WHEN $2::text = 'final' THEN coalesce($5::timestamptz, $6::timestamptz) END,
    last_update = $5::timestamptz,
    void_reason = CASE WHEN $2::text = 'void' THEN coalesce($7::text, 'void') END,
    result_event_id = $8::text,
    updated_at = $6::timestamptz,
    settled_at = $6::timestamptz
WHERE id = $1
"""


# The result the game already holds arrived again: record it, keep the newest timestamps and say whether any of the
# game's picks is still pending, in one round trip. Almost always none is, and the settlement statement is skipped:
# planned afresh for a redelivery it takes 1 to 2 ms to plan and writes nothing. A season's 1,230 finals are redelivered
# in 0.8 s instead of 1.2 s to 2.5 s (make bench).
_KEEP_NEWEST_SQL = """
WITH recorded AS (
    INSERT INTO processed_event (event_id, event_type, consumer, processed_at)
    VALUES ($4, 'game_result', $5, $3)
    ON CONFLICT (event_id) DO NOTHING
), kept AS (
    UPDATE game SET last_update = greatest(last_update, $2), settled_at = greatest(settled_at, $3) WHERE id = $1
)
SELECT EXISTS (SELECT 1 FROM pick WHERE game_id = $1 AND status = 'pending')
"""


def _score(home: int | None, away: int | None) -> str:
    return f"{home}-{away}"


def _regrade_reason(
    *, held_status: GameStatus, held_home: int | None, held_away: int | None, event: GameResultEvent
) -> str:
    """Say in words why a game's picks are graded again (stored on every pick_regrade row)."""
    if event.outcome is GameStatus.VOID:
        return f"game void: {event.reason or 'no reason given'}"
    new = _score(event.home_score, event.away_score)
    if held_status is GameStatus.FINAL:
        return f"score corrected from {_score(held_home, held_away)} to {new}"
    if held_status is GameStatus.VOID:
        return f"final score {new} reported after the game was void"
    return f"final score {new}"


async def _settle(
    conn: Connection,
    *,
    game_id: int,
    sport_key: str,
    event: GameResultEvent,
    now: datetime,
    reason: str,
    pending_only: bool,
) -> tuple[int, int, int]:
    # A big game's picks are matched to their grading by a hash join: past the default 4 MB it spills into batches and
    # hands the rows to the UPDATE in hash order, scattering the writes (a 1,000,000-pick correction ran 1.4x slower,
    # docs/decisions.md). This transaction only; a settlement this size hashes about 100 MB. The per-player deltas are
    # aggregated from the written picks sorted by player rather than hashed: the planner cannot estimate how many
    # players a game has, and hashing a million of them spilled in batches and then sorted them again for the id-order
    # locking (2.9 s + 0.7 s against 1.5 s sorted, EXPLAIN ANALYZE of a 1,000,000-pick final). A redelivery grades only
    # late picks, which are few, so it saves the round trip.
    if not pending_only:
        await conn.execute(f"SET LOCAL work_mem = '{_WORK_MEM}'; SET LOCAL enable_hashagg = off")
    row = await conn.fetchrow(
        _SETTLE_SQL,
        game_id,
        event.outcome is GameStatus.VOID,
        event.home_score,
        event.away_score,
        now,
        event.event_id,
        reason,
        pending_only,
        sport_key,
    )
    assert row is not None
    return row["written"], row["regraded"], row["users"]


async def apply_result_in(conn: Connection, event: GameResultEvent, *, now: datetime | None = None) -> SettlementResult:
    """Apply one result event inside the caller's transaction (the DLQ check uses it to dry-run a message).

    `now` dates the gradings; None: the transaction's start.
    """
    # Every event for this game waits here for the one before it: the decision below reads a settled state. A game
    # never ingested is created from the event first (and then locked).
    held = await conn.fetchrow(_LOCK_GAME_SQL, event.game.external_id)
    if held is None:
        await upsert_game(conn, event.game)
        held = await conn.fetchrow(_LOCK_GAME_SQL, event.game.external_id)
    assert held is not None  # upserted just above
    now = now or held["transaction_started_at"]
    game_id = held["id"]
    held_status = GameStatus(held["status"])
    # A game's gradings are dated in the order they are applied, even when this transaction's clock reads earlier than
    # the last one's (it waited for the lock above, or another grader's clock runs ahead): a pick's grading then only
    # moves forwards in time, which the rollups' day and month buckets rely on.
    if held["settled_at"] is not None and held["settled_at"] > now:
        now = held["settled_at"]

    if held["result_event_id"] == event.event_id:
        # The result the game already holds (a redelivery, or the source re-reporting the same score later). Keep its
        # newest timestamp so an older different result can never overtake it, and grade only picks still pending.
        written = users = 0
        if await conn.fetchval(_KEEP_NEWEST_SQL, game_id, event.last_update, now, event.event_id, CONSUMER):
            written, _, users = await _settle(
                conn,
                game_id=game_id,
                sport_key=held["sport_key"],
                event=event,
                now=now,
                reason="late pick graded",
                pending_only=True,
            )
        if written:
            await bump_data_version(conn, "leaderboard", at=now)
        return SettlementResult(game_id, EventAction.DUPLICATE, picks_written=written, users_updated=users)

    await conn.execute(_RECORD_EVENT_SQL, event.event_id, CONSUMER, now)
    if held_status in (GameStatus.FINAL, GameStatus.VOID):
        held_key = result_order_key(
            last_update=held["last_update"],
            outcome=held_status,
            event_id=held["result_event_id"] or "",
        )
        event_key = result_order_key(last_update=event.last_update, outcome=event.outcome, event_id=event.event_id)
        if event_key < held_key:
            log.info("grader: %s for game %s is older than the result it holds; ignored", event.event_id, game_id)
            return SettlementResult(game_id, EventAction.STALE)

    reason = _regrade_reason(
        held_status=held_status, held_home=held["home_score"], held_away=held["away_score"], event=event
    )
    await conn.execute(
        _APPLY_GAME_SQL,
        game_id,
        event.outcome,
        event.home_score,
        event.away_score,
        event.last_update,
        now,
        event.reason,
        event.event_id,
    )
    written, regraded, users = await _settle(
        conn, game_id=game_id, sport_key=held["sport_key"], event=event, now=now, reason=reason, pending_only=False
    )
    await bump_data_version(conn, "leaderboard", at=now)
    return SettlementResult(
        game_id, EventAction.APPLIED, picks_written=written, picks_regraded=regraded, users_updated=users
    )


async def apply_result(pool: asyncpg.Pool, event: GameResultEvent, *, now: datetime | None = None) -> SettlementResult:
    """Settle a game from one result event in one transaction; a duplicate or out-of-date event changes nothing."""
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            async with transaction(pool) as conn:
                return await apply_result_in(conn, event, now=now)
        except asyncpg.DeadlockDetectedError:
            if attempt == _ATTEMPTS:
                raise
            log.warning("grader: deadlock settling %s (attempt %d); retrying", event.event_id, attempt)
    raise AssertionError("unreachable")
