"""The community split of a game: share of picks and of units staked on each side of each market.

Aggregates only (counts and sums, never who picked what), so pending picks count from the moment they are placed.
"""
