"""Split a game's picks by side in one grouped query."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from contracts.markets import MARKET_SELECTIONS
from services.web.consensus.schemas import ConsensusMarket, ConsensusSide, GameConsensus
from services.web.db import DbHandle
from services.web.errors import NotFound

_SIX_PLACES = Decimal("0.000001")

# Sides nobody picked have no row; split_markets fills them in from the vocabulary with zeros.
_SQL = """
SELECT p.market, p.selection, count(*) AS picks, sum(p.stake)::numeric(14, 2) AS units
FROM pick p
WHERE p.game_id = $1 AND p.status <> 'void'
GROUP BY p.market, p.selection
"""


def _share(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(_SIX_PLACES, rounding=ROUND_HALF_UP)


def split_markets(counts: Mapping[tuple[str, str], tuple[int, Decimal]]) -> list[ConsensusMarket]:
    """Turn (market, selection) → (picks, units staked) into every market's sides and shares, zeros included."""
    markets = []
    for market, selections in MARKET_SELECTIONS.items():
        sides_counts = [(s, *counts.get((market.value, s.value), (0, Decimal("0.00")))) for s in selections]
        picks = sum(n for _, n, _ in sides_counts)
        units = sum((u for _, _, u in sides_counts), Decimal("0.00"))
        sides = [
            ConsensusSide(
                selection=selection,
                picks=n,
                units=u,
                pick_share=_share(n, picks),
                unit_share=_share(u, units),
            )
            for selection, n, u in sides_counts
        ]
        markets.append(ConsensusMarket(market=market, picks=picks, units=units, sides=sides))
    return markets


async def get_consensus(*, db: DbHandle, game_id: int) -> GameConsensus:
    """Return the share of picks and of units on each side of each market of the game; NotFound if no such game."""
    if await db.fetchval("SELECT 1 FROM game WHERE id = $1", game_id) is None:
        raise NotFound(f"There is no game {game_id}.", code="game_not_found")
    rows = await db.fetch(_SQL, game_id)
    markets = split_markets({(row["market"], row["selection"]): (row["picks"], row["units"]) for row in rows})
    return GameConsensus(
        game_id=game_id,
        picks=sum(m.picks for m in markets),
        units=sum((m.units for m in markets), Decimal("0.00")),
        markets=markets,
    )
