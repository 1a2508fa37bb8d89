"""The web API (FastAPI): auth, the board, picks, the leaderboard and profiles, one package per domain.

Reads and writes PostgreSQL only; it never calls The Odds API and never sends to or receives from SQS
(`/healthz` only reads queue attributes to report the pipeline's health).
"""
