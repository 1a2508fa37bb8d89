-- The grader's ordering key for a game's result: the event whose result the game holds. Together with last_update it
-- decides whether a later-delivered result event is newer (apply) or stale (ignore); docs/grading.md states the rule.
ALTER TABLE game ADD COLUMN result_event_id text;
