"""Picks: place a bet slip (all or nothing), list mine with results and audit fields, cancel one before tip-off.

The lock rule is enforced by the database clock in the same transaction that inserts (`commence_time > now()`), and a
stored pick keeps the price and point it was taken at. Grading is the grader service's job, never this package's.
"""
