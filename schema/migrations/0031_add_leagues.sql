-- Leagues: private contests among friends (services/web/leagues/, docs/leagues.md).
--
-- A league counts its members' picks graded on or after `start_date` (a UTC day), in `sport_key` when it has one.
-- Players join with the league's invite code; rotating the code replaces it, so old links stop working.
CREATE TABLE league (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- No control characters (C0, DEL, C1); a description may hold line breaks and tabs.
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 64 AND name = btrim(name)
                                     AND name !~ '[\x01-\x1f\x7f-\x9f]'),
    description text CHECK (length(description) BETWEEN 1 AND 500
                            AND description !~ '[\x01-\x08\x0b-\x1f\x7f-\x9f]'),
    sport_key   text CHECK (sport_key ~ '^[a-z0-9_]{1,64}$'),
    start_date  date NOT NULL,
    owner_id    bigint NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    -- 16 URL-safe characters from secrets.token_urlsafe(12): 96 bits of randomness.
    invite_code text NOT NULL UNIQUE CHECK (invite_code ~ '^[A-Za-z0-9_-]{16}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE league_member (
    league_id bigint NOT NULL REFERENCES league (id) ON DELETE CASCADE,
    user_id   bigint NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    joined_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (league_id, user_id)
);
-- A player's leagues (the list, and the per-player limit).
CREATE INDEX league_member_user_idx ON league_member (user_id);

-- The owner is always a member: removing the owner's membership (leaving, being removed) fails unless ownership moved
-- first, and a hand-over can only name a member. Deferred, because a new league and its owner's membership are
-- inserted one after the other in one transaction.
ALTER TABLE league ADD CONSTRAINT league_owner_is_member
    FOREIGN KEY (id, owner_id) REFERENCES league_member (league_id, user_id) DEFERRABLE INITIALLY DEFERRED;
