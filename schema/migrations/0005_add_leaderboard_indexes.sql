-- Indexes for the leaderboard and profiles (services/web): both aggregate graded picks by grading time and by player.

-- Windowed leaderboards scan the graded picks since a date; the included columns let PostgreSQL aggregate them from
-- the index alone (an index-only scan once the table is vacuumed).
CREATE INDEX pick_graded_rollup_idx ON pick (graded_at)
    INCLUDE (user_id, game_id, stake, result_units, status)
    WHERE status IN ('won', 'lost', 'push');

-- A profile reads one player's settled picks per window and per day.
CREATE INDEX pick_user_graded_idx ON pick (user_id, graded_at) WHERE status <> 'pending';
