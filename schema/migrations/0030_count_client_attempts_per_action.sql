-- Per-client attempt limits for more than sign-ups (services/web/limits.py, docs/auth-limits.md).
--
-- `registration_attempt` counted sign-ups per client; league joins with a wrong invite code are now counted the same
-- way, so the table names the action each row counts. Existing rows were sign-ups.
ALTER TABLE registration_attempt RENAME TO client_attempt;
ALTER INDEX registration_attempt_pkey RENAME TO client_attempt_pkey;
ALTER SEQUENCE registration_attempt_id_seq RENAME TO client_attempt_id_seq;
ALTER TABLE client_attempt
    ADD COLUMN action text NOT NULL DEFAULT 'register' CHECK (action IN ('register', 'league_join'));
ALTER TABLE client_attempt ALTER COLUMN action DROP DEFAULT;
DROP INDEX registration_attempt_client_at_idx;
DROP INDEX registration_attempt_at_idx;
CREATE INDEX client_attempt_action_client_at_idx ON client_attempt (action, client, at);
-- Pruning deletes one action's rows older than that action's window.
CREATE INDEX client_attempt_action_at_idx ON client_attempt (action, at);
