-- Settlement writes each pick of a game once per result (docs/decisions.md, "Grading a pick is a HOT update").

-- The leaderboard and profiles read the rollups now (0020), so nothing reads graded picks by grading time any more:
-- EXPLAIN of every remaining query (profile CLV and pick pages, my picks, consensus, recompute) uses neither index.
-- Without them grading changes no indexed column of pick, so the new version of a graded pick can stay on its page
-- (a HOT update) and adds no index entry at all.
DROP INDEX pick_graded_rollup_idx;
DROP INDEX pick_user_graded_idx;

-- Room on each page for that new version: a pick is written when it is placed and again when its game is graded.
ALTER TABLE pick SET (fillfactor = 60);

-- When the grader last settled the game's picks: a later settlement never dates its grading earlier (two graders'
-- clocks, or a transaction that waited for the game's lock, can disagree by a moment), so a pick's grading only moves
-- forwards in time and the rollups' month and day buckets only ever receive changes for days up to the current one.
ALTER TABLE game ADD COLUMN settled_at timestamptz;
UPDATE game g SET settled_at = p.graded_at
FROM (SELECT game_id, max(graded_at) AS graded_at FROM pick WHERE graded_at IS NOT NULL GROUP BY game_id) p
WHERE p.game_id = g.id;
