"""Player profiles: record and units per window, closing-line value, a units-over-time series and the pick history.

Another player's pending picks stay hidden until their game locks (tip-off by the database clock); the owner always
sees their own.
"""
