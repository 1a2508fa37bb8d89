-- Settlement of a big game writes every one of its picks and every one of its players' totals in one transaction
-- (docs/decisions.md, "Settlement writes fewer index entries"; `make bench` measures it).

-- A pick's grading changes indexed columns (status, graded_at), so each written pick adds an entry to every index of
-- pick: keep only indexes some query uses. The settlement and the consensus find a game's picks through
-- pick_game_idx (the pending-only variant was never chosen: the settlement's filter is a parameter), and the
-- leaderboard and profiles read graded picks through pick_graded_rollup_idx and pick_user_graded_idx (0005), which
-- superseded pick_graded_idx.
DROP INDEX pick_pending_by_game_idx;
DROP INDEX pick_graded_idx;

-- Totals change no indexed column, so a player's update can stay on its page (a HOT update: no index entries at all)
-- when the page has room for the new version. A game's settlement updates every player on a page at once, so half of
-- each page is kept free; the table is narrow, doubling it costs little against three index entries per player.
ALTER TABLE "user" SET (fillfactor = 50);
