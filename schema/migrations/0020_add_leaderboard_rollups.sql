-- Leaderboard rollups (docs/grading.md, "How settlement works"; docs/performance.md): what each player's graded picks
-- add up to, kept by the settlement with the same per-player deltas as the user totals, in the same transaction, so a
-- leaderboard reads one row per player (or per player and day) instead of every pick. `pickvs grade --recompute`
-- rebuilds them from the picks, reports any that drifted and fixes it.

-- The settlement upserts deltas, and PostgreSQL checks a proposed row's CHECK constraints before it finds the conflict,
-- so these columns carry no `>= 0` checks: a delta row (a void taking a stake back) is negative. `pickvs grade
-- --recompute` is what proves them.

-- Per player, sport and UTC day of grading. Void picks count only in `voids` (their stake was returned). A league board
-- (a set of players, picks graded since a date, one sport) and the week window sum these rows; profiles read them.
CREATE TABLE player_day (
    user_id     bigint NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    sport_key   text NOT NULL,
    day         date NOT NULL,
    units       numeric(14, 2) NOT NULL DEFAULT 0,
    wagered     numeric(14, 2) NOT NULL DEFAULT 0,
    wins        integer NOT NULL DEFAULT 0,
    losses      integer NOT NULL DEFAULT 0,
    pushes      integer NOT NULL DEFAULT 0,
    voids       integer NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, sport_key, day)
) WITH (fillfactor = 80);
-- The week window (and any board since a recent date) reads only the days it covers.
CREATE INDEX player_day_day_idx ON player_day (day);

-- The season the `season_*` columns of player_total are kept for: the settlement counts a pick there when it was graded
-- on or after this day. `pickvs grade --recompute` sets it from PICKVS_SEASON_START and rebuilds the columns; the web
-- uses them only while its own PICKVS_SEASON_START is this day (otherwise it sums player_day).
CREATE TABLE rollup_season (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    starts_on   date NOT NULL
);
INSERT INTO rollup_season (starts_on) VALUES ('2026-10-20');

-- One row per player and sport, and one per player with sport_key '*' for every sport together: all-time totals, the
-- season's, and the latest calendar month (UTC) in which the player had a pick graded (`month_start`, its first day; a
-- board of the current month reads the rows whose month_start is this month's). Totals touch no indexed column, so
-- with room on the page a settlement's update is HOT. The username is copied (usernames never change) because ties are
-- broken by it: a board then ranks these rows alone, without joining every player's account.
CREATE TABLE player_total (
    sport_key       text NOT NULL,
    user_id         bigint NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    username        text NOT NULL,
    units           numeric(14, 2) NOT NULL DEFAULT 0,
    wagered         numeric(14, 2) NOT NULL DEFAULT 0,
    wins            integer NOT NULL DEFAULT 0,
    losses          integer NOT NULL DEFAULT 0,
    pushes          integer NOT NULL DEFAULT 0,
    season_units    numeric(14, 2) NOT NULL DEFAULT 0,
    season_wagered  numeric(14, 2) NOT NULL DEFAULT 0,
    season_wins     integer NOT NULL DEFAULT 0,
    season_losses   integer NOT NULL DEFAULT 0,
    season_pushes   integer NOT NULL DEFAULT 0,
    month_start     date NOT NULL,
    month_units     numeric(14, 2) NOT NULL DEFAULT 0,
    month_wagered   numeric(14, 2) NOT NULL DEFAULT 0,
    month_wins      integer NOT NULL DEFAULT 0,
    month_losses    integer NOT NULL DEFAULT 0,
    month_pushes    integer NOT NULL DEFAULT 0,
    PRIMARY KEY (sport_key, user_id),
    CHECK (month_start = date_trunc('month', month_start)::date)
) WITH (fillfactor = 70);

-- Picks graded before this migration: their rollups, as a recompute would build them.
INSERT INTO player_day (user_id, sport_key, day, units, wagered, wins, losses, pushes, voids)
SELECT p.user_id, g.sport_key, (p.graded_at AT TIME ZONE 'UTC')::date,
       sum(p.result_units),
       coalesce(sum(p.stake) FILTER (WHERE p.status IN ('won', 'lost', 'push')), 0),
       count(*) FILTER (WHERE p.status = 'won'), count(*) FILTER (WHERE p.status = 'lost'),
       count(*) FILTER (WHERE p.status = 'push'), count(*) FILTER (WHERE p.status = 'void')
FROM pick p JOIN game g ON g.id = p.game_id
WHERE p.status <> 'pending'
GROUP BY 1, 2, 3;

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
SELECT m.sport_key, m.user_id, u.username, sum(m.units), sum(m.wagered), sum(m.wins), sum(m.losses), sum(m.pushes),
       coalesce(sum(m.units) FILTER (WHERE m.day >= '2026-10-20'), 0),
       coalesce(sum(m.wagered) FILTER (WHERE m.day >= '2026-10-20'), 0),
       coalesce(sum(m.wins) FILTER (WHERE m.day >= '2026-10-20'), 0),
       coalesce(sum(m.losses) FILTER (WHERE m.day >= '2026-10-20'), 0),
       coalesce(sum(m.pushes) FILTER (WHERE m.day >= '2026-10-20'), 0),
       max(m.last_month),
       coalesce(sum(m.units) FILTER (WHERE m.month = m.last_month), 0),
       coalesce(sum(m.wagered) FILTER (WHERE m.month = m.last_month), 0),
       coalesce(sum(m.wins) FILTER (WHERE m.month = m.last_month), 0),
       coalesce(sum(m.losses) FILTER (WHERE m.month = m.last_month), 0),
       coalesce(sum(m.pushes) FILTER (WHERE m.month = m.last_month), 0)
FROM marked m JOIN "user" u ON u.id = m.user_id
GROUP BY m.sport_key, m.user_id, u.username;
