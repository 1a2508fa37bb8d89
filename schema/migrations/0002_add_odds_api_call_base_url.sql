-- The credit ledger remembers which API a call went to, so credits spent on the dev simulator never count against the
-- real subscription's budget (and the reverse). The key itself is never stored.
ALTER TABLE odds_api_call ADD COLUMN base_url text;
CREATE INDEX odds_api_call_base_url_called_at_idx ON odds_api_call (base_url, called_at);
