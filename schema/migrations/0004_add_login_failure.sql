-- Failed logins, for rate limiting that holds across several web instances.
-- key is `account:<lower(username or email)>` or `client:<ip>`; rows older than the window are pruned on write.
CREATE TABLE login_failure (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key     text NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failure_key_at_idx ON login_failure (key, at);
CREATE INDEX login_failure_at_idx ON login_failure (at);
