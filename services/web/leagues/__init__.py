"""Leagues: private contests among friends, joined by invite code, with their own leaderboard and feed.

A league's leaderboard is the global leaderboard's ranking restricted to its members, its start date and its sport
(`services.web.leaderboard.service.Restriction`), never a query of its own. Members see a league; to anyone else it
does not exist. Picks appear in the feed only once their game has started, by the database clock (as on profiles).
Never writes picks or totals (the grader owns those).
"""
