"""The grading rulebook: how a pick on a finished game is graded and what it pays.

Pure and deterministic — no I/O, no clock, Decimal in and out, never float. The set-based SQL settlement must agree with
these functions on every case; docs/grading.md states the same rules for players.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from contracts.markets import Market, PickStatus, Selection, market_has_point, selection_fits_market
from contracts.odds_math import validate_american_price

# Rounding rule for every unit amount: the exact profit is rounded ONCE, to 0.01, half away from zero (ROUND_HALF_UP
# on the positive profit). This is PostgreSQL's round(numeric, 2), so the SQL settlement
#     round(stake * price / 100.0, 2)          -- price > 0
#     round(stake * 100.0 / abs(price), 2)     -- price < 0
# gives the same cents. Python computes the profit exactly (integer ratio) and rounds once. PostgreSQL first rounds the
# quotient to at least 16 significant digits (select_div_dscale) and then applies round(…, 2); that first rounding
# cannot reach a half cent the exact value is not on, because for a stake in cents the exact profit stake·100/|price|
# is either exactly on a half cent or at least 1 / (200·|price|) away from one — far more than a 16-digit error.
# The two constants name the rule for other modules and tests; win_profit applies it in integer arithmetic because an
# exact profit such as 100/110 has no exact Decimal to quantize.
UNITS_QUANTUM = Decimal("0.01")
UNITS_ROUNDING = ROUND_HALF_UP

_ZERO_UNITS = Decimal("0.00")


@dataclass(frozen=True)
class Settlement:
    """A graded pick: its status and the units it won (+), lost (-) or returned (0.00)."""

    status: PickStatus
    result_units: Decimal


def _compare(left: Decimal | int, right: Decimal | int) -> int:
    # Comparison is exact whatever the caller's decimal context; subtraction would round at its precision.
    return (left > right) - (left < right)


_STATUS_BY_SIGN = {1: PickStatus.WON, 0: PickStatus.PUSH, -1: PickStatus.LOST}


def grade_outcome(
    *, market: Market, selection: Selection, point: Decimal | None, home_score: int, away_score: int
) -> PickStatus:
    """Grade one pick against a final score: WON, LOST or PUSH."""
    # Coerce so a raw "h2h" string is never mistaken for another market by identity checks downstream.
    market = Market(market)
    selection = Selection(selection)
    if not selection_fits_market(market, selection):
        raise ValueError(f"selection {selection!s} is not a side of market {market!s}")
    if market_has_point(market):
        if point is None:
            raise ValueError(f"market {market!s} needs a point (line) to grade")
        if not isinstance(point, Decimal) or not point.is_finite():
            raise ValueError(f"point must be a finite Decimal, got {point!r}")
    elif point is not None:
        raise ValueError(f"market {market!s} has no point, got {point!r}")
    for name, score in (("home_score", home_score), ("away_score", away_score)):
        if not isinstance(score, int) or isinstance(score, bool):
            raise ValueError(f"{name} must be an int, got {score!r}")
        if score < 0:
            raise ValueError(f"{name} must be non-negative, got {score}")

    if market is Market.TOTALS:
        assert point is not None
        over = _compare(home_score + away_score, point)
        return _STATUS_BY_SIGN[over if selection is Selection.OVER else -over]

    own, opponent = (home_score, away_score) if selection is Selection.HOME else (away_score, home_score)
    if market is Market.H2H:
        return _STATUS_BY_SIGN[_compare(own, opponent)]
    assert point is not None
    # own + point vs opponent, compared as point vs the integer margin so no Decimal arithmetic is needed.
    return _STATUS_BY_SIGN[_compare(point, opponent - own)]


def _validate_stake(stake: Decimal) -> Decimal:
    if not isinstance(stake, Decimal):
        raise TypeError(f"stake must be a Decimal, got {type(stake).__name__}")
    if not stake.is_finite() or stake <= 0:
        raise ValueError(f"stake must be a finite Decimal > 0, got {stake}")
    return stake


def win_profit(*, price: int, stake: Decimal) -> Decimal:
    """Return the profit (stake excluded) of a winning pick, rounded to 0.01 half away from zero."""
    validate_american_price(price)
    _validate_stake(stake)
    numerator, denominator = stake.as_integer_ratio()
    # Exact rational profit n/d; one rounding at the end, never an intermediate rounded quotient.
    if price > 0:
        n, d = numerator * price, denominator * 100
    else:
        n, d = numerator * 100, denominator * -price
    cents, remainder = divmod(n * 100, d)
    if 2 * remainder >= d:  # half or more rounds up: positive values, so this is half away from zero
        cents += 1
    # Built from digits, not by arithmetic, so the caller's decimal context cannot round it.
    return Decimal((0, tuple(int(digit) for digit in str(cents)), -2))


def result_units(*, status: PickStatus, price: int, stake: Decimal) -> Decimal:
    """Return the units a graded pick adds to the player's total: profit, minus the stake, or 0.00."""
    status = PickStatus(status)
    validate_american_price(price)
    _validate_stake(stake)
    if status is PickStatus.WON:
        return win_profit(price=price, stake=stake)
    if status is PickStatus.LOST:
        return stake.copy_negate()  # exact; unary minus would round to the caller's decimal context
    if status in (PickStatus.PUSH, PickStatus.VOID):
        return _ZERO_UNITS
    raise ValueError(f"a {status!s} pick has no result yet")


def settle(
    *,
    market: Market,
    selection: Selection,
    point: Decimal | None,
    price: int,
    stake: Decimal,
    home_score: int,
    away_score: int,
) -> Settlement:
    """Grade one pick against a final score and compute its units."""
    status = grade_outcome(
        market=market, selection=selection, point=point, home_score=home_score, away_score=away_score
    )
    return Settlement(status=status, result_units=result_units(status=status, price=price, stake=stake))
