"""The leaderboard: players ranked over graded picks by window, sport and sort, served from the data-version cache.

Reads the rollups the grader keeps (player_total, player_day) in one SQL statement per answer, never the picks; never
writes them (the grader owns those).
"""
