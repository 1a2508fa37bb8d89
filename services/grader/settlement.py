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
SELECT id, sport_key, status, home_score, away_score, last_update, result_event_id
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
           p.status AS old_status, p.result_units AS old_units, p.graded_at AS old_graded_at,
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
    WHERE p.id = g.id
      AND (g.old_status, g.old_units, g.graded_home_score, g.graded_away_score, g.closing_price, g.closing_point)
          IS DISTINCT FROM
          (g.new_status, g.new_units, g.new_home_score, g.new_away_score, g.new_closing_price, g.new_closing_point)
    RETURNING g.id, g.user_id, g.stake, g.old_status, g.old_units, g.old_graded_at, g.new_status, g.new_units
),
regraded AS (
    INSERT INTO pick_regrade (pick_id, old_status, new_status, old_result_units, new_result_units, reason, event_id,
                              regraded_at)
    SELECT id, old_status, new_status, old_units, new_units, $7, $6, $5
    FROM written
    WHERE old_status <> 'pending' AND (old_status, old_units) IS DISTINCT FROM (new_status, new_units)
    RETURNING pick_id
),
moved AS (
    -- Each written pick leaves the UTC day of its old grading (if it had one) and joins today's. A void counts in
    -- nothing but `voids`: not in units (0.00), not in wagered, not in W-L-P.
    SELECT w.user_id, c.day, c.sign * c.units AS units,
           c.sign * CASE WHEN c.status IN ('won', 'lost', 'push') THEN w.stake ELSE 0 END AS wagered,
           c.sign * (c.status = 'won')::int AS wins, c.sign * (c.status = 'lost')::int AS losses,
           c.sign * (c.status = 'push')::int AS pushes, c.sign * (c.status = 'void')::int AS voids
    FROM written w
    CROSS JOIN LATERAL (
        VALUES (-1, w.old_status, w.old_units, (w.old_graded_at AT TIME ZONE 'UTC')::date),
               (1, w.new_status, w.new_units, ($5::timestamptz AT TIME ZONE 'UTC')::date)
    ) c(sign, status, units, day)
    WHERE c.status <> 'pending'
),
day_delta AS (
    SELECT user_id, day, sum(units) AS units, sum(wagered) AS wagered, sum(wins)::int AS wins,
           sum(losses)::int AS losses, sum(pushes)::int AS pushes, sum(voids)::int AS voids
    FROM moved
    GROUP BY user_id, day
    HAVING (sum(units), sum(wagered), sum(wins), sum(losses), sum(pushes), sum(voids)) <> (0, 0, 0, 0, 0, 0)
),
delta AS (
    -- Per player: all time, the season's part, and the part graded in the newest month touched (a player's month
    -- columns hold their latest month: an older month's change no longer counts there, a newer month starts afresh).
    SELECT d.user_id,
           sum(d.units) AS units, sum(d.wagered) AS wagered,
           sum(d.wins) AS wins, sum(d.losses) AS losses, sum(d.pushes) AS pushes,
           coalesce(sum(d.units) FILTER (WHERE d.in_season), 0) AS season_units,
           coalesce(sum(d.wagered) FILTER (WHERE d.in_season), 0) AS season_wagered,
           coalesce(sum(d.wins) FILTER (WHERE d.in_season), 0) AS season_wins,
           coalesce(sum(d.losses) FILTER (WHERE d.in_season), 0) AS season_losses,
           coalesce(sum(d.pushes) FILTER (WHERE d.in_season), 0) AS season_pushes,
           max(d.newest) AS month_start,
           coalesce(sum(d.units) FILTER (WHERE d.month = d.newest), 0) AS month_units,
           coalesce(sum(d.wagered) FILTER (WHERE d.month = d.newest), 0) AS month_wagered,
           coalesce(sum(d.wins) FILTER (WHERE d.month = d.newest), 0) AS month_wins,
           coalesce(sum(d.losses) FILTER (WHERE d.month = d.newest), 0) AS month_losses,
           coalesce(sum(d.pushes) FILTER (WHERE d.month = d.newest), 0) AS month_pushes
    FROM (
        SELECT day_delta.*, date_trunc('month', day)::date AS month,
               max(date_trunc('month', day)::date) OVER (PARTITION BY user_id) AS newest,
               day >= (SELECT starts_on FROM rollup_season) AS in_season
        FROM day_delta
    ) d
    GROUP BY d.user_id
    -- In id order, so the players below are looked up (and locked) walking the table and its index forwards: on a
    -- big game that is several times faster than a hash's order (docs/decisions.md).
    ORDER BY d.user_id
),
totals AS (
    UPDATE "user" u
    SET total_units = u.total_units + d.units,
        total_wagered = u.total_wagered + d.wagered,
        wins = u.wins + d.wins,
        losses = u.losses + d.losses,
        pushes = u.pushes + d.pushes
    -- Lock the players in id order so two graders sharing players wait for each other instead of deadlocking. The
    -- rollups below are written after this (the last SELECT reads `totals` first), each table in key order.
    FROM (SELECT d.*
          FROM "user" lu JOIN delta d ON d.user_id = lu.id
          WHERE (d.units, d.wagered, d.wins, d.losses, d.pushes) <> (0, 0, 0, 0, 0)
          ORDER BY lu.id
          FOR UPDATE OF lu) d
    WHERE u.id = d.user_id
    RETURNING u.id
),
days AS (
    INSERT INTO player_day AS t (user_id, sport_key, day, units, wagered, wins, losses, pushes, voids)
    SELECT user_id, $9, day, units, wagered, wins, losses, pushes, voids
    FROM day_delta
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
    -- The game's sport, and '*' (every sport together).
    INSERT INTO player_total AS t (sport_key, user_id, username, units, wagered, wins, losses, pushes,
                                   season_units, season_wagered, season_wins, season_losses, season_pushes,
                                   month_start, month_units, month_wagered, month_wins, month_losses, month_pushes)
    SELECT k.sport_key, d.user_id, u.username, d.units, d.wagered, d.wins, d.losses, d.pushes,
           d.season_units, d.season_wagered, d.season_wins, d.season_losses, d.season_pushes,
           d.month_start, d.month_units, d.month_wagered, d.month_wins, d.month_losses, d.month_pushes
    FROM delta d
    JOIN "user" u ON u.id = d.user_id
    CROSS JOIN (VALUES ('*'), ($9::text)) k(sport_key)
    ORDER BY k.sport_key, d.user_id
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
       (SELECT count(*) FROM totals) AS users,
       (SELECT count(*) FROM days) AS days,
       (SELECT count(*) FROM rollups) AS rollups
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
    updated_at = $6::timestamptz
WHERE id = $1
"""


_KEEP_NEWEST_UPDATE_SQL = "UPDATE game SET last_update = greatest(last_update, $2) WHERE id = $1"


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
    # docs/decisions.md). This transaction only; a settlement this size hashes about 100 MB.
    await conn.execute(f"SET LOCAL work_mem = '{_WORK_MEM}'")
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


async def apply_result_in(conn: Connection, event: GameResultEvent, *, now: datetime) -> SettlementResult:
    """Apply one result event inside the caller's transaction (the DLQ check uses it to dry-run a message)."""
    await upsert_game(conn, event.game)
    # Every event for this game waits here for the one before it: the decision below reads a settled state.
    held = await conn.fetchrow(_LOCK_GAME_SQL, event.game.external_id)
    assert held is not None  # upserted just above
    game_id = held["id"]
    held_status = GameStatus(held["status"])
    await conn.execute(_RECORD_EVENT_SQL, event.event_id, CONSUMER, now)

    if held["result_event_id"] == event.event_id:
        # The result the game already holds (a redelivery, or the source re-reporting the same score later). Keep its
        # newest timestamp so an older different result can never overtake it, and grade only picks still pending.
        await conn.execute(_KEEP_NEWEST_UPDATE_SQL, game_id, event.last_update)
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
                graded_at = now or await conn.fetchval("SELECT now()")
                return await apply_result_in(conn, event, now=graded_at)
        except asyncpg.DeadlockDetectedError:
            if attempt == _ATTEMPTS:
                raise
            log.warning("grader: deadlock settling %s (attempt %d); retrying", event.event_id, attempt)
    raise AssertionError("unreachable")
