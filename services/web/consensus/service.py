"""Split a game's picks by side in one grouped query."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from contracts.markets import MARKET_SELECTIONS
from services.web.consensus.schemas import ConsensusMarket, ConsensusSide, GameConsensus
from services.web.db import DbHandle
from services.web.errors import NotFound

_SIX_PLACES = Decimal("0.000001")

# Every side of every market comes from the vocabulary, so sides nobody picked still appear with zeros.
_SIDES = [(market.value, selection.value) for market, sides in MARKET_SELECTIONS.items() for selection in sides]

_SQL = """
SELECT s.market, s.selection, count(p.id) AS picks, coalesce(sum(p.stake), 0)::numeric(14, 2) AS units
FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS s(market, selection, position)
LEFT JOIN pick p
       ON p.game_id = $1 AND p.market = s.market AND p.selection = s.selection AND p.status <> 'void'
GROUP BY s.market, s.selection, s.position
ORDER BY s.position
"""


def _share(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(_SIX_PLACES, rounding=ROUND_HALF_UP)


async def get_consensus(*, db: DbHandle, game_id: int) -> GameConsensus:
    """Return the share of picks and of units on each side of each market of the game; NotFound if no such game."""
    if await db.fetchval("SELECT 1 FROM game WHERE id = $1", game_id) is None:
        raise NotFound(f"There is no game {game_id}.", code="game_not_found")
    rows = await db.fetch(_SQL, game_id, [m for m, _ in _SIDES], [s for _, s in _SIDES])
    markets = []
    for market in MARKET_SELECTIONS:
        market_rows = [row for row in rows if row["market"] == market.value]
        picks = sum(row["picks"] for row in market_rows)
        units = sum((row["units"] for row in market_rows), Decimal("0.00"))
        sides = [
            ConsensusSide(
                selection=row["selection"],
                picks=row["picks"],
                units=row["units"],
                pick_share=_share(row["picks"], picks),
                unit_share=_share(row["units"], units),
            )
            for row in market_rows
        ]
        markets.append(ConsensusMarket(market=market, picks=picks, units=units, sides=sides))
    return GameConsensus(
        game_id=game_id,
        picks=sum(m.picks for m in markets),
        units=sum((m.units for m in markets), Decimal("0.00")),
        markets=markets,
    )
