"""The board: upcoming games with their consensus line (and each bookmaker's prices on request), and one game.

Reads `game`, `market_line` and `odds` as ingestion left them; "started" always comes from the database clock compared
with `commence_time`, never from the stored status (ingestion runs once a day, so the status can be stale).
"""
