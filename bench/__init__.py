"""Benchmarks run by `make bench` (`python -m bench`): each reports ratios to a baseline measured in the same run.

Speed targets are ratios, never timed assertions in tests: one machine is faster than another, but settling a game
against rewriting the same rows on the same machine is comparable. Dev tooling only; production code never imports it.
"""
