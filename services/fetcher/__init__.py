"""The fetcher: The Odds API client, the credit ledger and budget guard, the normalizer, publishing to SQS, the jobs
(`fetch_odds`, `fetch_scores`, `fetch_closing`) and the one Lambda entry point every schedule targets.

In reading order: `handler.py` (event → schedule → job) → `jobs.py` (per sport: guard, call, record, normalize,
publish) → `calls.py` (one call's attempts) → `client.py` / `ledger.py` / `normalize.py` / `publish.py`; `resources.py`
builds what a run needs, `report.py` says what it did, `schedules.py` says when.

It reads the game table to decide what is worth paying for, but never writes games or odds: that is the ingest
consumer's job (services/grader).
"""
