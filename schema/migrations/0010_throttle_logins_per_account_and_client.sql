-- Login and registration throttling (services/web/auth/service.py, docs/auth-limits.md).
--
-- A failed login is now one row naming both the account and the client, so the limits can be kept per (account,
-- client), per account and per client from the same rows. The account is `user:<id>` when the typed username or email
-- names one (the same counter whichever was typed) and `login:<what was typed, normalized>` when it names none.
-- A row is written before the password is checked (so parallel guesses count at once) and deleted if it was right.
-- The old rows are dropped: they name what was typed, not the account, and they are at most one window old.
DROP TABLE login_failure;
CREATE TABLE login_failure (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account text NOT NULL,
    client  text NOT NULL,
    at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX login_failure_account_at_idx ON login_failure (account, at);
CREATE INDEX login_failure_client_at_idx ON login_failure (client, at);
CREATE INDEX login_failure_at_idx ON login_failure (at);

-- Clients a player has logged in (or registered) from: the per-account delay does not hold them up, so guessing
-- from elsewhere cannot lock the owner out of their own device.
CREATE TABLE login_known_client (
    user_id         bigint NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    client          text NOT NULL,
    last_success_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (user_id, client)
);

-- Registration attempts per client, for the per-client registration limit.
CREATE TABLE registration_attempt (
    id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client text NOT NULL,
    at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX registration_attempt_client_at_idx ON registration_attempt (client, at);
CREATE INDEX registration_attempt_at_idx ON registration_attempt (at);
