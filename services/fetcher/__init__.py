"""The fetcher: The Odds API client, the credit ledger and budget guard, the normalizer, publishing to SQS, and the
two scheduled Lambda handlers (`fetch_odds`, `fetch_scores`).

It reads the game table to decide what is worth paying for, but never writes games or odds: that is the ingest
consumer's job (services/grader).
"""
