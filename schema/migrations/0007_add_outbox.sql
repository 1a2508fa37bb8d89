-- The fetcher's transactional outbox (docs/ingestion.md, "The outbox"): the events a paid Odds API call produced are
-- written here in the same transaction as the call's ledger row, then published to SQS and marked sent. A run that
-- cannot reach SQS leaves them here; the next run, or `pickvs outbox drain`, publishes them first.
CREATE TABLE outbox (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue             text NOT NULL,
    event_id          text NOT NULL,
    event_type        text NOT NULL,
    body              text NOT NULL,
    odds_api_call_id  bigint REFERENCES odds_api_call (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    sent_at           timestamptz,
    attempts          integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error        text
);
-- The drain reads only what is still to send, oldest first.
CREATE INDEX outbox_unsent_idx ON outbox (id) WHERE sent_at IS NULL;

-- A 200 response the fetcher could not read: its body (cut to 64 KiB) is kept with its ledger row for diagnosis.
ALTER TABLE odds_api_call ADD COLUMN raw_body text;
