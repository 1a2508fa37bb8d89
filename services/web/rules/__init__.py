"""The contest's rules as numbers (stakes, slip size, passwords, leaderboard minimums) for clients to show and obey."""
