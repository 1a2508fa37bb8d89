-- A board reads the player_total rows of one sport key: every sport's ('*') or one sport's. Kept apart, each board
-- scans only its own rows, half the table or less (docs/performance.md: a 100,000-player board is a scan of them).
ALTER TABLE player_total RENAME TO player_total_unpartitioned;
ALTER TABLE player_total_unpartitioned RENAME CONSTRAINT player_total_pkey TO player_total_unpartitioned_pkey;

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
) PARTITION BY LIST (sport_key);
-- Totals touch no indexed column, so with room on the page a settlement's update stays HOT (0020).
CREATE TABLE player_total_every_sport PARTITION OF player_total FOR VALUES IN ('*') WITH (fillfactor = 70);
CREATE TABLE player_total_one_sport PARTITION OF player_total DEFAULT WITH (fillfactor = 70);

INSERT INTO player_total SELECT * FROM player_total_unpartitioned ORDER BY sport_key, user_id;
DROP TABLE player_total_unpartitioned;
