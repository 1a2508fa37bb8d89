"""The leaderboard: players ranked over graded picks by window, sport and sort, served from the data-version cache.

Aggregates in one SQL statement over `pick`; never reads or writes user totals (the grader owns those).
"""
