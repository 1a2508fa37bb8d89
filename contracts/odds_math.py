"""Pure odds helpers: American price conversions, closing line value and the consensus ("median book") line rule.

Used by the ingest consumer (which line is stored as the game's line) and the web API (what a player sees and picks
against). No I/O; Decimal in and out, never float.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Context, Decimal
from types import MappingProxyType

from contracts.markets import MARKET_SELECTIONS, Market, Selection, market_has_point

# Conversions are non-terminating decimals (-110 → 1.9090…); a fixed context keeps results identical whatever decimal
# context the caller has set. 28 significant digits is Python's default and far beyond any display need.
ODDS_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN)

_HUNDRED = Decimal(100)


def validate_american_price(price: int) -> int:
    """Return the price if it is a valid American price (≤ -100 or ≥ 100), else raise ValueError."""
    # bool is an int subclass; True as a price is always a bug upstream.
    if not isinstance(price, int) or isinstance(price, bool):
        raise TypeError(f"an American price must be an int, got {type(price).__name__}")
    if -100 < price < 100:
        raise ValueError(f"an American price is <= -100 or >= 100, got {price}")
    return price


def american_to_decimal(price: int) -> Decimal:
    """Convert an American price to decimal odds (total return per 1 unit staked, stake included)."""
    validate_american_price(price)
    if price > 0:
        return ODDS_CONTEXT.add(1, ODDS_CONTEXT.divide(Decimal(price), _HUNDRED))
    return ODDS_CONTEXT.add(1, ODDS_CONTEXT.divide(_HUNDRED, Decimal(-price)))


def implied_probability(price: int) -> Decimal:
    """Convert an American price to its implied probability (vig included), a Decimal in (0, 1)."""
    validate_american_price(price)
    if price > 0:
        return ODDS_CONTEXT.divide(_HUNDRED, Decimal(price + 100))
    return ODDS_CONTEXT.divide(Decimal(-price), Decimal(-price + 100))


def closing_line_value(*, price_taken: int, closing_price: int) -> Decimal:
    """Return closing minus taken implied probability: positive when the player got a better price than the close.

    Example: a player takes +150 (40.00 %) and the side closes at +120 (45.45 %): CLV = +0.0545, the market moved
    towards the player's side after the pick. Both prices must be for the same side of the same market and line.
    """
    return ODDS_CONTEXT.subtract(implied_probability(closing_price), implied_probability(price_taken))


@dataclass(frozen=True)
class BookQuote:
    """One bookmaker's quote for one market of one game: both sides' prices and (spreads/totals) points."""

    bookmaker: str
    prices: Mapping[Selection, int]
    points: Mapping[Selection, Decimal | None]
    last_update: datetime

    def __post_init__(self) -> None:
        # Read-only copies so a quote chosen as consensus cannot be changed behind the caller's back.
        object.__setattr__(self, "prices", MappingProxyType(dict(self.prices)))
        object.__setattr__(self, "points", MappingProxyType(dict(self.points)))


def _is_usable(market: Market, quote: BookQuote) -> bool:
    """Tell whether a quote prices both sides of the market (and, for spreads/totals, gives both sides a point)."""
    for selection in MARKET_SELECTIONS[market]:
        price = quote.prices.get(selection)
        if not isinstance(price, int) or isinstance(price, bool) or -100 < price < 100:
            return False
        if market_has_point(market) and not isinstance(quote.points.get(selection), Decimal):
            return False
    return True


def _line_key(market: Market, quote: BookQuote) -> tuple[Decimal, ...]:
    """Order key of a quote's line: spreads by home point, totals by the point, then the first side's probability."""
    first_side = MARKET_SELECTIONS[market][0]  # home for h2h/spreads, over for totals
    probability = implied_probability(quote.prices[first_side])
    if market_has_point(market):
        point = quote.points[first_side]
        assert point is not None  # guaranteed by _is_usable
        return (point, probability)
    return (probability,)


def consensus_quote(
    market: Market, quotes: Sequence[BookQuote], *, reference_bookmaker: str = "draftkings"
) -> BookQuote | None:
    """Choose the median bookmaker's quote as the market's consensus line; None when no quote prices both sides.

    One real quote is chosen (never an average) so the point and both prices always belong together. Usable quotes are
    ordered by their line — spreads: home point, then home implied probability; totals: the point, then over implied
    probability; h2h: home implied probability — ties broken by bookmaker key. The middle quote wins; with an even count
    the reference bookmaker wins if it is one of the two middle quotes, else the lower-middle one does.
    """
    seen: set[str] = set()
    for quote in quotes:
        if quote.bookmaker in seen:
            raise ValueError(f"bookmaker {quote.bookmaker!r} quoted twice for {market}; pass one quote per bookmaker")
        seen.add(quote.bookmaker)

    usable = sorted(
        (quote for quote in quotes if _is_usable(market, quote)),
        key=lambda quote: (*_line_key(market, quote), quote.bookmaker),
    )
    if not usable:
        return None
    middle = len(usable) // 2
    if len(usable) % 2 == 1:
        return usable[middle]
    lower, upper = usable[middle - 1], usable[middle]
    if upper.bookmaker == reference_bookmaker:
        return upper
    return lower
