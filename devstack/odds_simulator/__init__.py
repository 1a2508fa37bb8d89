"""A local imitation of The Odds API v4 for `make dev` and the tests: sports, events, odds and scores endpoints, the
monthly usage quota with its x-requests-* headers, and knobs for failures, postponements and score corrections.

What lives here: the deterministic slate (`slate.py`), game progress (`scoreboard.py`), bookmaker prices
(`pricing.py`), the endpoint bodies (`endpoints.py`) and the aiohttp server with quota and knobs (`simulator.py`).
What must not: anything production imports, or anything that reaches the internet.
"""

from devstack.odds_simulator.simulator import OddsApiSimulator, RecordedCall, Usage
from devstack.odds_simulator.slate import Game, Slate, Sport

__all__ = ["Game", "OddsApiSimulator", "RecordedCall", "Slate", "Sport", "Usage"]
