"""The grading rulebook as a table: market, side, line, final score → result and units."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import NamedTuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.grading import (
    UNITS_QUANTUM,
    UNITS_ROUNDING,
    Settlement,
    grade_outcome,
    result_units,
    settle,
    win_profit,
)
from contracts.markets import Market, PickStatus, Selection

H2H, SPREADS, TOTALS = Market.H2H, Market.SPREADS, Market.TOTALS
HOME, AWAY, OVER, UNDER = Selection.HOME, Selection.AWAY, Selection.OVER, Selection.UNDER
WON, LOST, PUSH = PickStatus.WON, PickStatus.LOST, PickStatus.PUSH
D = Decimal


class Rule(NamedTuple):
    rule: str
    market: Market
    selection: Selection
    point: Decimal | None
    home: int
    away: int
    status: PickStatus
    price: int
    stake: Decimal
    units: Decimal


# fmt: off
RULEBOOK = [
    # Moneyline (h2h): the winner wins, the loser loses, a tie is a push.
    Rule("favourite wins outright",        H2H, HOME, None,    110, 100, WON,  -200, D("5"),   D("2.50")),
    Rule("underdog loses outright",        H2H, AWAY, None,    110, 100, LOST, +150, D("2.5"), D("-2.5")),
    Rule("underdog wins outright",         H2H, AWAY, None,     98, 105, WON,  +150, D("1"),   D("1.50")),
    Rule("favourite loses outright",       H2H, HOME, None,     98, 105, LOST, -200, D("5"),   D("-5")),
    Rule("tie is a push for home",         H2H, HOME, None,    100, 100, PUSH, -110, D("1"),   D("0.00")),
    Rule("tie is a push for away",         H2H, AWAY, None,    100, 100, PUSH, +100, D("2.5"), D("0.00")),
    # Spreads: the picked side's score plus its point against the opponent's score.
    Rule("favourite covers -3.5",          SPREADS, HOME, D("-3.5"), 110, 105, WON,  -110, D("1"),   D("0.91")),
    Rule("underdog +3.5 fails to cover",   SPREADS, AWAY, D("3.5"),  110, 105, LOST, -110, D("1"),   D("-1")),
    Rule("favourite wins but misses -3.5", SPREADS, HOME, D("-3.5"), 110, 108, LOST, -110, D("2.5"), D("-2.5")),
    Rule("underdog +3.5 covers in a loss", SPREADS, AWAY, D("3.5"),  110, 108, WON,  -105, D("2"),   D("1.90")),
    Rule("away favourite covers -2.5",     SPREADS, AWAY, D("-2.5"), 100, 104, WON,  +100, D("2.5"), D("2.50")),
    Rule("home underdog +2.5 misses",      SPREADS, HOME, D("2.5"),  100, 104, LOST, -120, D("1"),   D("-1")),
    Rule("underdog +7.5 wins outright",    SPREADS, HOME, D("7.5"),  101, 100, WON,  -115, D("2.5"), D("2.17")),
    Rule("favourite -3 lands on 3: push",  SPREADS, HOME, D("-3"),   110, 107, PUSH, -110, D("1"),   D("0.00")),
    Rule("underdog +3 lands on 3: push",   SPREADS, AWAY, D("3"),    110, 107, PUSH, -110, D("1"),   D("0.00")),
    Rule("underdog +7 loses by 7: push",   SPREADS, HOME, D("7"),     93, 100, PUSH, +100, D("5"),   D("0.00")),
    Rule("favourite -7 wins by 7: push",   SPREADS, AWAY, D("-7"),    93, 100, PUSH, -100, D("5"),   D("0.00")),
    Rule("pick'em 0 wins by 1",            SPREADS, HOME, D("0"),    101, 100, WON,  -105, D("1"),   D("0.95")),
    Rule("pick'em 0 on a tie: push",       SPREADS, AWAY, D("0"),    100, 100, PUSH, -105, D("1"),   D("0.00")),
    # Totals: home + away against the point; over wins above it, under wins below it, landing on it is a push.
    Rule("over 220.5, 222 scored",         TOTALS, OVER,  D("220.5"), 112, 110, WON,  -115, D("2.5"), D("2.17")),
    Rule("under 220.5, 222 scored",        TOTALS, UNDER, D("220.5"), 112, 110, LOST, -105, D("2.5"), D("-2.5")),
    Rule("over 220.5, 215 scored",         TOTALS, OVER,  D("220.5"), 110, 105, LOST, -110, D("1"),   D("-1")),
    Rule("under 220.5, 215 scored",        TOTALS, UNDER, D("220.5"), 110, 105, WON,  -100, D("1"),   D("1.00")),
    Rule("over 221 lands on 221: push",    TOTALS, OVER,  D("221"),   111, 110, PUSH, -110, D("5"),   D("0.00")),
    Rule("under 221 lands on 221: push",   TOTALS, UNDER, D("221"),   111, 110, PUSH, -110, D("5"),   D("0.00")),
    Rule("over 0.5 in a 0-0 game",         TOTALS, OVER,  D("0.5"),     0,   0, LOST, +333, D("1.5"), D("-1.5")),
    Rule("under 0.5 in a 0-0 game",        TOTALS, UNDER, D("0.5"),     0,   0, WON,  +333, D("1.5"), D("5.00")),
]

# What a winning pick pays (profit, stake not included), rounded once to 0.01, half up.
PAYOUTS = [
    # price, stake,      profit   — the exact value, for the reader
    (+150,  D("1"),    D("1.50")),  # 1.5
    (+150,  D("5"),    D("7.50")),  # 7.5
    (-110,  D("1"),    D("0.91")),  # 0.9090…
    (-110,  D("2.5"),  D("2.27")),  # 2.2727…
    (-110,  D("5"),    D("4.55")),  # 4.5454…
    (-105,  D("1"),    D("0.95")),  # 0.9523…
    (-105,  D("2"),    D("1.90")),  # 1.9047…
    (+100,  D("1"),    D("1.00")),  # 1
    (-100,  D("2.5"),  D("2.50")),  # 2.5
    (-200,  D("5"),    D("2.50")),  # 2.5
    (-200,  D("1"),    D("0.50")),  # 0.5
    (+333,  D("1"),    D("3.33")),  # 3.33
    (+333,  D("1.5"),  D("5.00")),  # 4.995     → half rounds up
    (-115,  D("2.5"),  D("2.17")),  # 2.1739…
    (+125,  D("0.02"), D("0.03")),  # 0.025     → half rounds up
    (-400,  D("0.1"),  D("0.03")),  # 0.025     → half rounds up
    (-160,  D("0.02"), D("0.01")),  # 0.0125    → rounds down
    (-120,  D("0.03"), D("0.03")),  # 0.025     → half rounds up
]
# fmt: on


@pytest.mark.parametrize("row", RULEBOOK, ids=[row.rule for row in RULEBOOK])
def test_rulebook(row: Rule) -> None:
    # GIVEN a pick and a final score WHEN it is settled THEN it gets the rulebook's status and units
    settlement = settle(
        market=row.market,
        selection=row.selection,
        point=row.point,
        price=row.price,
        stake=row.stake,
        home_score=row.home,
        away_score=row.away,
    )

    assert settlement == Settlement(status=row.status, result_units=row.units)


@pytest.mark.parametrize(("price", "stake", "profit"), PAYOUTS, ids=[f"{p:+d} x {s}" for p, s, _ in PAYOUTS])
def test_win_pays_the_payout_table(price: int, stake: Decimal, profit: Decimal) -> None:
    assert win_profit(price=price, stake=stake) == profit
    assert str(win_profit(price=price, stake=stake)) == str(profit)  # always two decimals


def test_rounding_rule_is_cents_half_up() -> None:
    assert (Decimal("0.01"), ROUND_HALF_UP) == (UNITS_QUANTUM, UNITS_ROUNDING)


def test_result_units_by_status() -> None:
    # GIVEN a -110 pick of 2.5 units WHEN graded each way THEN profit / minus stake / nothing
    assert result_units(status=PickStatus.WON, price=-110, stake=D("2.5")) == D("2.27")
    assert result_units(status=PickStatus.LOST, price=-110, stake=D("2.5")) == D("-2.5")
    assert str(result_units(status=PickStatus.PUSH, price=-110, stake=D("2.5"))) == "0.00"
    assert str(result_units(status=PickStatus.VOID, price=-110, stake=D("2.5"))) == "0.00"


def test_a_pending_pick_has_no_result() -> None:
    with pytest.raises(ValueError, match="pending"):
        result_units(status=PickStatus.PENDING, price=-110, stake=D("1"))


def test_results_ignore_the_callers_decimal_context() -> None:
    # GIVEN a caller that set a 3-digit decimal context WHEN big amounts are graded THEN nothing is rounded to 3 digits
    with localcontext() as context:
        context.prec = 3
        assert win_profit(price=150, stake=D("12345.67")) == D("18518.51")  # 18518.505 half up
        assert result_units(status=PickStatus.LOST, price=150, stake=D("12345.67")) == D("-12345.67")
        assert grade_outcome(market=TOTALS, selection=OVER, point=D("220.5"), home_score=111, away_score=110) is WON


# --- invalid input -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"market": H2H, "selection": OVER, "point": None}, "not a side of market"),
        ({"market": TOTALS, "selection": HOME, "point": D("220.5")}, "not a side of market"),
        ({"market": SPREADS, "selection": HOME, "point": None}, "needs a point"),
        ({"market": TOTALS, "selection": OVER, "point": None}, "needs a point"),
        ({"market": H2H, "selection": HOME, "point": D("-3.5")}, "has no point"),
        ({"market": SPREADS, "selection": HOME, "point": -3.5}, "finite Decimal"),
        ({"market": SPREADS, "selection": HOME, "point": D("NaN")}, "finite Decimal"),
        ({"market": H2H, "selection": HOME, "point": None, "home_score": -1}, "home_score must be non-negative"),
        ({"market": H2H, "selection": HOME, "point": None, "away_score": -3}, "away_score must be non-negative"),
        ({"market": H2H, "selection": HOME, "point": None, "away_score": 100.0}, "away_score must be an int"),
        ({"market": "moneyline", "selection": HOME, "point": None}, "moneyline"),
    ],
)
def test_grade_outcome_rejects_invalid_input(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"home_score": 100, "away_score": 99, **kwargs}
    with pytest.raises(ValueError, match=message):
        grade_outcome(**arguments)  # type: ignore[arg-type]


def test_grade_outcome_accepts_raw_enum_values() -> None:
    # A raw "h2h" string is the same market, not a market with a point.
    market, selection = "h2h", "home"
    status = grade_outcome(market=market, selection=selection, point=None, home_score=2, away_score=1)  # type: ignore
    assert status is WON


@pytest.mark.parametrize("price", [0, 1, -1, 50, 99, -99])
def test_win_profit_rejects_a_price_that_is_not_american(price: int) -> None:
    with pytest.raises(ValueError, match="American price"):
        win_profit(price=price, stake=D("1"))


@pytest.mark.parametrize("stake", [D("0"), D("-1"), D("NaN"), D("Infinity")])
def test_win_profit_rejects_a_stake_that_is_not_positive(stake: Decimal) -> None:
    with pytest.raises(ValueError, match="stake"):
        win_profit(price=-110, stake=stake)


@pytest.mark.parametrize("stake", [1.0, 1, "1"])
def test_stake_must_be_a_decimal(stake: object) -> None:
    with pytest.raises(TypeError, match="stake must be a Decimal"):
        win_profit(price=-110, stake=stake)  # type: ignore[arg-type]


def test_price_must_be_an_int() -> None:
    with pytest.raises(TypeError, match="int"):
        win_profit(price=-110.0, stake=D("1"))  # type: ignore[arg-type]


def test_settle_validates_the_price_even_on_a_push() -> None:
    with pytest.raises(ValueError, match="American price"):
        settle(market=H2H, selection=HOME, point=None, price=0, stake=D("1"), home_score=100, away_score=100)


# --- properties ----------------------------------------------------------------------------------------------------

# Stakes are in cents; prices within what NBA books quote. The bounds matter for "a win always pays": a stake of
# 0.01 at -10000 earns 0.0001, which rounds to 0.00 — a win pays at least 0.01 only while stake × 100 / |price| ≥ 0.005.
stakes = st.decimals(min_value=D("1.00"), max_value=D("10000.00"), places=2)
prices = st.integers(min_value=100, max_value=10_000) | st.integers(min_value=-10_000, max_value=-100)
scores = st.integers(min_value=0, max_value=200)
half_lines = st.integers(min_value=-60, max_value=60).map(lambda n: Decimal(n) / 2)
total_lines = st.integers(min_value=0, max_value=600).map(lambda n: Decimal(n) / 2)


@given(price=prices, stake=stakes)
def test_a_win_always_pays_something_in_cents(price: int, stake: Decimal) -> None:
    profit = win_profit(price=price, stake=stake)
    assert profit > 0
    assert profit.as_tuple().exponent == -2


@given(price=prices, stake=stakes)
def test_a_loss_costs_exactly_the_stake(price: int, stake: Decimal) -> None:
    assert result_units(status=PickStatus.LOST, price=price, stake=stake) == -stake


def _graded_pair(market: Market, line: Decimal | None, home: int, away: int) -> tuple[PickStatus, PickStatus]:
    """Grade both sides of one line: home/away get mirrored spread points, over/under share the total."""
    first, second = {H2H: (HOME, AWAY), SPREADS: (HOME, AWAY), TOTALS: (OVER, UNDER)}[market]
    second_point = -line if market is SPREADS and line is not None else line
    return (
        grade_outcome(market=market, selection=first, point=line, home_score=home, away_score=away),
        grade_outcome(market=market, selection=second, point=second_point, home_score=home, away_score=away),
    )


@given(
    data=st.data(),
    market=st.sampled_from(list(Market)),
    home=scores,
    away=scores,
)
def test_two_sides_of_one_line_never_both_win(data: st.DataObject, market: Market, home: int, away: int) -> None:
    line = {H2H: st.none(), SPREADS: half_lines, TOTALS: total_lines}[market]
    first, second = _graded_pair(market, data.draw(line), home, away)
    # One side wins and the other loses, or both push.
    assert (first, second) in {(WON, LOST), (LOST, WON), (PUSH, PUSH)}


# --- agreement with PostgreSQL's numeric arithmetic (a model of it; the SQL agreement test runs the real thing) ----


def _pg_round_half_away(value: Fraction, scale: int) -> Fraction:
    """Round an exact value to `scale` decimals, half away from zero, as PostgreSQL's round_var does."""
    scaled = abs(value) * 10**scale
    whole, remainder = divmod(scaled.numerator, scaled.denominator)
    if 2 * remainder >= scaled.denominator:
        whole += 1
    return Fraction(whole if value >= 0 else -whole, 10**scale)


def _pg_weight_and_first_digit(value: Decimal) -> tuple[int, int]:
    """PostgreSQL stores numerics in base-10000 digits; return the weight and value of the leading one."""
    if value == 0:
        return 0, 0
    weight = abs(value).adjusted() // 4
    return weight, int(Fraction(abs(value)) / Fraction(10000) ** weight)


def _dscale(value: Decimal) -> int:
    return max(0, -int(value.as_tuple().exponent))


def _pg_divide(dividend: Decimal, divisor: Decimal) -> Decimal:
    """numeric / numeric: select_div_dscale's result scale (≥ 16 significant digits), rounded half away from zero."""
    weight1, first1 = _pg_weight_and_first_digit(dividend)
    weight2, first2 = _pg_weight_and_first_digit(divisor)
    qweight = weight1 - weight2 - (1 if first1 <= first2 else 0)
    rscale = min(max(16 - 4 * qweight, _dscale(dividend), _dscale(divisor), 0), 1000)
    quotient = _pg_round_half_away(Fraction(dividend) / Fraction(divisor), rscale)
    with localcontext() as context:
        context.prec = 2000
        return (Decimal(quotient.numerator) / Decimal(quotient.denominator)).quantize(Decimal(1).scaleb(-rscale))


def _pg_settlement_profit(price: int, stake: Decimal) -> Decimal:
    """Model the SQL round(stake * price / 100.0, 2) / round(stake * 100.0 / abs(price), 2), stake numeric(…,2)."""
    with localcontext() as context:
        context.prec = 2000  # numeric multiplication is exact
        if price > 0:
            quotient = _pg_divide(stake * Decimal(price), Decimal("100.0"))
        else:
            quotient = _pg_divide(stake * Decimal("100.0"), Decimal(abs(price)))
    rounded = _pg_round_half_away(Fraction(quotient), 2)
    return Decimal(rounded.numerator) / Decimal(rounded.denominator)


@given(
    price=st.integers(min_value=100, max_value=100_000) | st.integers(min_value=-100_000, max_value=-100),
    stake=st.decimals(min_value=D("0.01"), max_value=D("1000000.00"), places=2),
)
def test_win_profit_agrees_with_a_model_of_postgres_numeric(price: int, stake: Decimal) -> None:
    assert win_profit(price=price, stake=stake) == _pg_settlement_profit(price, stake)


@pytest.mark.parametrize(("price", "stake", "profit"), PAYOUTS, ids=[f"{p:+d} x {s}" for p, s, _ in PAYOUTS])
def test_payout_table_agrees_with_the_postgres_model(price: int, stake: Decimal, profit: Decimal) -> None:
    assert _pg_settlement_profit(price, stake.quantize(D("0.01"))) == profit
