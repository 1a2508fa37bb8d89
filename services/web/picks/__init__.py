"""Picks: place a bet slip (all or nothing), list mine with results and audit fields, cancel one before tip-off.

The lock rule is decided by the database clock at the instant a pick is written (`commence_time > clock_timestamp()`
in the INSERT, and in the DELETE of a cancel), never by the transaction's start, and every lock these transactions
wait for is bounded by `lock_timeout`. A stored pick keeps the price and point it was taken at. Grading is the grader
service's job, never this package's.
"""
