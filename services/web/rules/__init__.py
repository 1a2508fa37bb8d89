"""The contest's rules as numbers (stakes, slips, passwords, leaderboard minimums, league limits) for clients."""
