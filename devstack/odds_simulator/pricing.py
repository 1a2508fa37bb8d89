"""Bookmakers and their prices: pure functions of (game, bookmaker, now).

Each game has a consensus spread and total that drift by half points once per `odds_interval` (6 hours on a real
slate). A bookmaker re-prices at a deterministic instant inside some of those intervals, so books lag one another,
disagree by half a point, and each reports the `last_update` of its own latest move.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from devstack.odds_simulator.slate import Game


@dataclass(frozen=True)
class Bookmaker:
    """A bookmaker the feed carries, the region it belongs to and how it quotes."""

    key: str
    title: str
    region: str
    vig: float  # overround per two-way market; 0.0476 turns a fair coin into -110 / -110
    american_native: bool  # US books quote American odds; the rest quote decimal


BOOKMAKERS: tuple[Bookmaker, ...] = (
    Bookmaker("draftkings", "DraftKings", "us", 0.0476, True),
    Bookmaker("fanduel", "FanDuel", "us", 0.0476, True),
    Bookmaker("betmgm", "BetMGM", "us", 0.050, True),
    Bookmaker("williamhill_us", "Caesars", "us", 0.0476, True),
    Bookmaker("betrivers", "BetRivers", "us", 0.050, True),
    Bookmaker("bovada", "Bovada", "us", 0.045, True),
    Bookmaker("espnbet", "ESPN BET", "us2", 0.0476, True),
    Bookmaker("hardrockbet", "Hard Rock Bet", "us2", 0.050, True),
    Bookmaker("williamhill", "William Hill", "uk", 0.055, False),
    Bookmaker("skybet", "Sky Bet", "uk", 0.055, False),
    Bookmaker("pinnacle", "Pinnacle", "eu", 0.025, False),
    Bookmaker("onexbet", "1xBet", "eu", 0.040, False),
    Bookmaker("sportsbet", "SportsBet", "au", 0.050, False),
    Bookmaker("tab", "TAB", "au", 0.055, False),
)
BOOKMAKERS_BY_KEY = {book.key: book for book in BOOKMAKERS}
REGIONS = ("us", "us2", "uk", "eu", "au")
MARKETS = ("h2h", "spreads", "totals")

# Chance that a bookmaker re-prices during a given interval, and how far into the interval it does so at most.
_MOVE_CHANCE = 0.7
_MOVE_WINDOW = 0.25


@dataclass(frozen=True)
class Price:
    """One price in both formats; the bookmaker's native format is exact, the other is converted."""

    american: int
    decimal: float


@dataclass(frozen=True)
class Outcome:
    """A side of a market: a team or Over/Under, with a point for spreads and totals."""

    name: str
    price: Price
    point: float | None = None


@dataclass(frozen=True)
class Quote:
    """A bookmaker's three markets for one game as of its latest update."""

    bookmaker: Bookmaker
    last_update: datetime
    markets: dict[str, tuple[Outcome, Outcome]]


def quote(game: Game, book: Bookmaker, now: datetime) -> Quote | None:
    """Return the bookmaker's prices for a game at `now`, or None before the game is listed."""
    if now < game.listed_at:
        return None
    update = _latest_update(game, book, min(now, game.commence_time))
    updated_at = game.listed_at + update * game.odds_interval + _update_offset(game, book, update)
    spread = consensus_spread(game, update) + _book_shift(game, book, "spread")
    total = consensus_total(game, update) + _book_shift(game, book, "total")
    skew = _choice(game.id, book.key, update, "skew", options=(-0.015, -0.01, 0.0, 0.0, 0.0, 0.01, 0.015))
    home_wins = _normal_cdf(-spread / game.margin_sd)
    markets = {
        "h2h": (
            Outcome(game.away_team, _price(1 - home_wins, book)),
            Outcome(game.home_team, _price(home_wins, book)),
        ),
        "spreads": (
            Outcome(game.away_team, _price(0.5 - skew, book), -spread + 0.0),
            Outcome(game.home_team, _price(0.5 + skew, book), spread),
        ),
        "totals": (
            Outcome("Over", _price(0.5 + skew / 2, book), total),
            Outcome("Under", _price(0.5 - skew / 2, book), total),
        ),
    }
    return Quote(book, updated_at, markets)


def consensus_spread(game: Game, interval: int) -> float:
    """Return the market's home spread after `interval` intervals of drift."""
    return game.opening_spread + sum(_drift(game, "spread", k) for k in range(1, interval + 1))


def consensus_total(game: Game, interval: int) -> float:
    """Return the market's total after `interval` intervals of drift."""
    return game.opening_total + sum(_drift(game, "total", k) for k in range(1, interval + 1))


def _latest_update(game: Game, book: Bookmaker, now: datetime) -> int:
    # Interval 0 is the opening line, posted by every book at listing time; later intervals only when the book moved.
    interval = int((now - game.listed_at) / game.odds_interval)
    for k in range(interval, 0, -1):
        moved = _unit(game.id, book.key, k, "moves") < _MOVE_CHANCE
        if moved and game.listed_at + k * game.odds_interval + _update_offset(game, book, k) <= now:
            return k
    return 0


def _update_offset(game: Game, book: Bookmaker, interval: int) -> timedelta:
    if interval == 0:
        return timedelta(0)
    # Whole seconds, as the real feed's timestamps have no fraction.
    seconds = int(_unit(game.id, book.key, interval, "offset") * _MOVE_WINDOW * game.odds_interval.total_seconds())
    return timedelta(seconds=seconds)


def _drift(game: Game, line: str, interval: int) -> float:
    return _choice(game.id, line, interval, options=(-0.5, 0.0, 0.0, 0.0, 0.5))


def _book_shift(game: Game, book: Bookmaker, line: str) -> float:
    # Most books hang the consensus number; now and then one sits half a point off it.
    return _choice(game.id, book.key, line, "shift", options=(-0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5))


def _price(fair: float, book: Bookmaker) -> Price:
    implied = min(max(fair * (1 + book.vig), 0.01), 0.99)
    if book.american_native:
        american = _round_american(_american_from_probability(implied))
        return Price(american, _decimal_from_american(american))
    decimal = max(round(1 / implied, 2), 1.01)
    return Price(_american_from_decimal(decimal), decimal)


def _american_from_probability(p: float) -> float:
    return -100 * p / (1 - p) if p >= 0.5 else 100 * (1 - p) / p


def _round_american(american: float) -> int:
    # US books quote in steps of 5 (-110, +145); rounding never crosses into the impossible band (-100, +100).
    rounded = int(5 * round(american / 5))
    if -100 < rounded < 100:
        return -100 if american < 0 else 100
    return rounded


def _decimal_from_american(american: int) -> float:
    return round(1 + (100 / -american if american < 0 else american / 100), 2)


def _american_from_decimal(decimal: float) -> int:
    return round((decimal - 1) * 100) if decimal >= 2 else round(-100 / (decimal - 1))


def _normal_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _unit(*parts: object) -> float:
    """Map the parts to a stable number in [0, 1): the simulator's only source of pricing randomness."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _choice(*parts: object, options: tuple[float, ...]) -> float:
    return options[int(_unit(*parts) * len(options))]
