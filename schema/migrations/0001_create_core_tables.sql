-- Core tables: players, games, odds, picks, the credit ledger, idempotency and cache versions.
-- Units are NUMERIC everywhere; the vocabulary CHECKs mirror contracts/markets.py.

CREATE TABLE "user" (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username        text NOT NULL CHECK (username ~ '^[A-Za-z0-9_]{3,32}$'),
    email           text NOT NULL CHECK (length(email) <= 254 AND email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
    password_hash   text NOT NULL,
    total_units     numeric(14, 2) NOT NULL DEFAULT 0,
    total_wagered   numeric(14, 2) NOT NULL DEFAULT 0 CHECK (total_wagered >= 0),
    -- Derived, so it can never disagree with units and wagered; NULL until something was wagered.
    roi             numeric(12, 6) GENERATED ALWAYS AS (
                        CASE WHEN total_wagered > 0 THEN round(total_units / total_wagered, 6) END
                    ) STORED,
    wins            integer NOT NULL DEFAULT 0 CHECK (wins >= 0),
    losses          integer NOT NULL DEFAULT 0 CHECK (losses >= 0),
    pushes          integer NOT NULL DEFAULT 0 CHECK (pushes >= 0),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX user_username_ci_key ON "user" (lower(username));
CREATE UNIQUE INDEX user_email_ci_key ON "user" (lower(email));

CREATE TABLE game (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id     text NOT NULL UNIQUE,
    sport_key       text NOT NULL,
    sport_title     text,
    home_team       text NOT NULL,
    away_team       text NOT NULL,
    commence_time   timestamptz NOT NULL,
    status          text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'live', 'final', 'void')),
    home_score      integer CHECK (home_score >= 0),
    away_score      integer CHECK (away_score >= 0),
    completed_at    timestamptz,
    -- The result source's last_update for the scores we hold.
    last_update     timestamptz,
    void_reason     text,
    odds_fetched_at timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (home_team <> away_team),
    CHECK (status <> 'final' OR (home_score IS NOT NULL AND away_score IS NOT NULL AND completed_at IS NOT NULL))
);
CREATE INDEX game_sport_commence_idx ON game (sport_key, commence_time);
CREATE INDEX game_awaiting_result_idx ON game (commence_time) WHERE status IN ('scheduled', 'live');

-- Every bookmaker's price for each side of each market; `current` is the newest snapshot, `closing` the last one
-- taken before tip-off.
CREATE TABLE odds (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    game_id         bigint NOT NULL REFERENCES game (id) ON DELETE CASCADE,
    bookmaker       text NOT NULL,
    market          text NOT NULL CHECK (market IN ('h2h', 'spreads', 'totals')),
    selection       text NOT NULL,
    price           integer NOT NULL CHECK (price <= -100 OR price >= 100),
    point           numeric(6, 2),
    last_update     timestamptz NOT NULL,
    snapshot_kind   text NOT NULL CHECK (snapshot_kind IN ('current', 'closing')),
    fetched_at      timestamptz NOT NULL,
    UNIQUE (game_id, snapshot_kind, market, selection, bookmaker),
    CHECK ((market IN ('h2h', 'spreads') AND selection IN ('home', 'away'))
           OR (market = 'totals' AND selection IN ('over', 'under'))),
    CHECK ((market = 'h2h') = (point IS NULL))
);

-- The consensus line players pick against (docs/grading.md states the rule), one row per side.
CREATE TABLE market_line (
    game_id         bigint NOT NULL REFERENCES game (id) ON DELETE CASCADE,
    snapshot_kind   text NOT NULL CHECK (snapshot_kind IN ('current', 'closing')),
    market          text NOT NULL CHECK (market IN ('h2h', 'spreads', 'totals')),
    selection       text NOT NULL,
    price           integer NOT NULL CHECK (price <= -100 OR price >= 100),
    point           numeric(6, 2),
    bookmaker       text NOT NULL,
    bookmaker_count integer NOT NULL CHECK (bookmaker_count > 0),
    fetched_at      timestamptz NOT NULL,
    PRIMARY KEY (game_id, snapshot_kind, market, selection),
    CHECK ((market IN ('h2h', 'spreads') AND selection IN ('home', 'away'))
           OR (market = 'totals' AND selection IN ('over', 'under'))),
    CHECK ((market = 'h2h') = (point IS NULL))
);

CREATE TABLE pick (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES "user" (id) ON DELETE CASCADE,
    game_id         bigint NOT NULL REFERENCES game (id),
    market          text NOT NULL CHECK (market IN ('h2h', 'spreads', 'totals')),
    selection       text NOT NULL,
    point           numeric(6, 2),
    price           integer NOT NULL CHECK (price <= -100 OR price >= 100),
    stake           numeric(8, 2) NOT NULL CHECK (stake > 0),
    placed_at       timestamptz NOT NULL DEFAULT now(),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'won', 'lost', 'push', 'void')),
    result_units    numeric(12, 2),
    graded_at       timestamptz,
    -- Audit: the score this pick was graded on and the closing line it is compared with.
    graded_home_score integer,
    graded_away_score integer,
    closing_point   numeric(6, 2),
    closing_price   integer CHECK (closing_price <= -100 OR closing_price >= 100),
    UNIQUE (user_id, game_id, market),
    CHECK ((market IN ('h2h', 'spreads') AND selection IN ('home', 'away'))
           OR (market = 'totals' AND selection IN ('over', 'under'))),
    CHECK ((market = 'h2h') = (point IS NULL)),
    CHECK ((status = 'pending') = (result_units IS NULL)),
    CHECK ((status = 'pending') = (graded_at IS NULL))
);
CREATE INDEX pick_pending_by_game_idx ON pick (game_id) WHERE status = 'pending';
CREATE INDEX pick_game_idx ON pick (game_id);
CREATE INDEX pick_user_placed_idx ON pick (user_id, placed_at DESC);
CREATE INDEX pick_graded_idx ON pick (graded_at) WHERE status <> 'pending';

-- Every re-grade of a pick (score corrections, voids after a result), for the audit trail.
CREATE TABLE pick_regrade (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pick_id         bigint NOT NULL REFERENCES pick (id) ON DELETE CASCADE,
    old_status      text NOT NULL,
    new_status      text NOT NULL,
    old_result_units numeric(12, 2),
    new_result_units numeric(12, 2),
    reason          text NOT NULL,
    event_id        text,
    regraded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pick_regrade_pick_idx ON pick_regrade (pick_id);

-- Idempotency: an event's effect and its row here commit in the same transaction.
CREATE TABLE processed_event (
    event_id        text PRIMARY KEY,
    event_type      text NOT NULL,
    consumer        text NOT NULL,
    processed_at    timestamptz NOT NULL DEFAULT now()
);

-- The Odds API credit ledger: one row per HTTP call, paid or free, successful or not.
CREATE TABLE odds_api_call (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    called_at           timestamptz NOT NULL DEFAULT now(),
    job                 text NOT NULL,
    endpoint            text NOT NULL,
    sport_key           text,
    params              jsonb NOT NULL DEFAULT '{}'::jsonb,
    status_code         integer,
    requests_last       integer CHECK (requests_last >= 0),
    requests_used       integer CHECK (requests_used >= 0),
    requests_remaining  integer CHECK (requests_remaining >= 0),
    error               text,
    duration_ms         integer
);
CREATE INDEX odds_api_call_called_at_idx ON odds_api_call (called_at);

-- Bumped by ingestion and grading so every web instance knows when its cached board/leaderboard is stale.
CREATE TABLE data_version (
    scope       text PRIMARY KEY,
    version     bigint NOT NULL DEFAULT 0,
    bumped_at   timestamptz NOT NULL DEFAULT now()
);
INSERT INTO data_version (scope) VALUES ('board'), ('leaderboard');
