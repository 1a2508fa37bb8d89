"""Odds conversions, closing line value and the consensus ("median book") line rule."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.markets import Market, Selection
from contracts.odds_math import (
    BookQuote,
    american_to_decimal,
    closing_line_value,
    consensus_quote,
    implied_probability,
    validate_american_price,
)

HOME, AWAY, OVER, UNDER = Selection.HOME, Selection.AWAY, Selection.OVER, Selection.UNDER
D = Decimal
AT = datetime(2025, 1, 15, 23, 0, tzinfo=UTC)


def spread(book: str, home_point: str, home_price: int = -110, away_price: int = -110) -> BookQuote:
    return BookQuote(
        bookmaker=book,
        prices={HOME: home_price, AWAY: away_price},
        points={HOME: D(home_point), AWAY: -D(home_point)},
        last_update=AT,
    )


def total(book: str, point: str, over_price: int = -110, under_price: int = -110) -> BookQuote:
    return BookQuote(
        bookmaker=book,
        prices={OVER: over_price, UNDER: under_price},
        points={OVER: D(point), UNDER: D(point)},
        last_update=AT,
    )


def moneyline(book: str, home_price: int, away_price: int) -> BookQuote:
    return BookQuote(bookmaker=book, prices={HOME: home_price, AWAY: away_price}, points={}, last_update=AT)


def chosen(market: Market, quotes: list[BookQuote], **kwargs: str) -> str | None:
    quote = consensus_quote(market, quotes, **kwargs)
    return None if quote is None else quote.bookmaker


# --- conversions ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "decimal_odds", "probability"),
    [
        (+150, D("2.5"), D("0.4")),
        (-150, D("1.666666666666666666666666667"), D("0.6")),
        (+100, D("2"), D("0.5")),
        (-100, D("2"), D("0.5")),
        (-200, D("1.5"), D("0.6666666666666666666666666667")),
        (-110, D("1.909090909090909090909090909"), D("0.5238095238095238095238095238")),
        (+333, D("4.33"), D("0.2309468822170900692840646651")),
    ],
)
def test_american_price_conversions(price: int, decimal_odds: Decimal, probability: Decimal) -> None:
    assert american_to_decimal(price) == decimal_odds
    assert implied_probability(price) == probability


@pytest.mark.parametrize("price", [0, 1, -1, 50, 99, -99])
def test_a_price_between_minus_100_and_100_is_not_american(price: int) -> None:
    with pytest.raises(ValueError, match="American price"):
        validate_american_price(price)
    with pytest.raises(ValueError):
        implied_probability(price)
    with pytest.raises(ValueError):
        american_to_decimal(price)


@pytest.mark.parametrize("price", [True, -110.0, "-110"])
def test_a_price_must_be_an_int(price: object) -> None:
    with pytest.raises(TypeError):
        validate_american_price(price)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("taken", "closing", "sign"),
    [
        (+150, +120, 1),  # took the underdog at a longer price than it closed: beat the close
        (-110, -130, 1),  # took the favourite cheaper than it closed
        (-110, -105, -1),  # the market moved away from the pick
        (+120, +150, -1),
        (-110, -110, 0),
    ],
)
def test_closing_line_value_is_positive_when_the_player_beat_the_close(taken: int, closing: int, sign: int) -> None:
    clv = closing_line_value(price_taken=taken, closing_price=closing)
    assert (clv > 0) - (clv < 0) == sign


def test_closing_line_value_is_the_difference_of_implied_probabilities() -> None:
    # 45.45 % at the close minus 40 % when taken
    assert closing_line_value(price_taken=+150, closing_price=+120).quantize(D("0.0001")) == D("0.0545")


# --- consensus line ------------------------------------------------------------------------------------------------


def test_no_quotes_means_no_consensus() -> None:
    assert consensus_quote(Market.SPREADS, []) is None


def test_odd_count_takes_the_median_spread() -> None:
    # GIVEN three books at home -2.5, -3.5 and -3 WHEN the consensus is taken THEN the -3 book is the line
    quotes = [spread("fanduel", "-2.5"), spread("betmgm", "-3.5"), spread("caesars", "-3")]
    assert chosen(Market.SPREADS, quotes) == "caesars"


def test_the_consensus_is_one_real_quote() -> None:
    quotes = [spread("fanduel", "-2.5", -120, +100), spread("betmgm", "-3.5", +100, -120), spread("caesars", "-3")]
    assert consensus_quote(Market.SPREADS, quotes) is quotes[2]


def test_same_spread_is_ordered_by_home_price_then_bookmaker() -> None:
    # Home -3 at -105 / -110 / -115 (home implied 51.2 % / 52.4 % / 53.5 %): the -110 book is the middle.
    quotes = [spread("a_book", "-3", -115, -105), spread("b_book", "-3", -105, -115), spread("c_book", "-3")]
    assert chosen(Market.SPREADS, quotes) == "c_book"
    # Identical lines: the bookmaker key decides.
    identical = [spread("zeta", "-3"), spread("alpha", "-3"), spread("mid", "-3")]
    assert chosen(Market.SPREADS, identical) == "mid"


@pytest.mark.parametrize(
    ("books", "expected"),
    [
        # sorted by home point: -4 (betmgm), -3.5 (fanduel), -3 (draftkings), -2.5 (caesars)
        ({"betmgm": "-4", "fanduel": "-3.5", "draftkings": "-3", "caesars": "-2.5"}, "draftkings"),  # reference upper
        ({"betmgm": "-4", "draftkings": "-3.5", "fanduel": "-3", "caesars": "-2.5"}, "draftkings"),  # reference lower
        ({"draftkings": "-4", "fanduel": "-3.5", "betmgm": "-3", "caesars": "-2.5"}, "fanduel"),  # reference outside
        ({"pointsbet": "-4", "fanduel": "-3.5", "betmgm": "-3", "caesars": "-2.5"}, "fanduel"),  # reference absent
        ({"fanduel": "-3.5", "draftkings": "-3"}, "draftkings"),
        ({"fanduel": "-3.5", "betmgm": "-3"}, "fanduel"),
    ],
)
def test_even_count_prefers_the_reference_book_among_the_two_middle_ones(books: dict[str, str], expected: str) -> None:
    quotes = [spread(book, point) for book, point in books.items()]
    assert chosen(Market.SPREADS, quotes) == expected


def test_the_reference_bookmaker_can_be_chosen() -> None:
    # sorted: caesars -4, fanduel -3.5, betmgm -3, draftkings -2.5; the middle two are fanduel and betmgm
    quotes = [spread("fanduel", "-3.5"), spread("draftkings", "-2.5"), spread("betmgm", "-3"), spread("caesars", "-4")]
    assert chosen(Market.SPREADS, quotes) == "fanduel"
    assert chosen(Market.SPREADS, quotes, reference_bookmaker="betmgm") == "betmgm"
    assert chosen(Market.SPREADS, quotes, reference_bookmaker="caesars") == "fanduel"


def test_a_quote_missing_a_side_is_ignored() -> None:
    # Without the filter the median of four would be the lower-middle -3.5; with the two broken books gone it is -3.
    no_away_price = BookQuote(
        bookmaker="betrivers", prices={HOME: -110}, points={HOME: D("-9"), AWAY: D("9")}, last_update=AT
    )
    no_away_point = BookQuote(
        bookmaker="bovada", prices={HOME: -110, AWAY: -110}, points={HOME: D("-9"), AWAY: None}, last_update=AT
    )
    not_a_price = spread("mybookie", "-9", home_price=0)
    quotes = [spread("fanduel", "-3.5"), spread("caesars", "-3"), spread("betmgm", "-2.5")]
    assert chosen(Market.SPREADS, [*quotes, no_away_price, no_away_point, not_a_price]) == "caesars"


def test_only_broken_quotes_means_no_consensus() -> None:
    broken = BookQuote(bookmaker="fanduel", prices={HOME: -110}, points={HOME: D("-3")}, last_update=AT)
    assert consensus_quote(Market.SPREADS, [broken]) is None
    # h2h prices are not a totals quote
    assert consensus_quote(Market.TOTALS, [moneyline("fanduel", -150, +130)]) is None


def test_totals_are_ordered_by_the_point_then_the_over_price() -> None:
    quotes = [total("fanduel", "221.5"), total("betmgm", "220.5"), total("caesars", "222.5")]
    assert chosen(Market.TOTALS, quotes) == "fanduel"
    # Same total: over at -105 / -110 / -115 (over implied 51.2 % / 52.4 % / 53.5 %).
    same_point = [total("a_book", "221", -115, -105), total("b_book", "221", -105, -115), total("c_book", "221")]
    assert chosen(Market.TOTALS, same_point) == "c_book"
    # Even count: lower-middle unless draftkings is a middle book.
    assert chosen(Market.TOTALS, [total("fanduel", "221.5"), total("betmgm", "220.5")]) == "betmgm"
    assert chosen(Market.TOTALS, [total("draftkings", "221.5"), total("betmgm", "220.5")]) == "draftkings"


def test_moneyline_is_ordered_by_the_home_price() -> None:
    # home implied: -150 → 60 %, -160 → 61.5 %, -140 → 58.3 %
    quotes = [moneyline("fanduel", -150, +130), moneyline("betmgm", -160, +140), moneyline("caesars", -140, +120)]
    assert chosen(Market.H2H, quotes) == "fanduel"
    assert chosen(Market.H2H, [moneyline("fanduel", -150, +130), moneyline("caesars", -140, +120)]) == "caesars"


def test_a_bookmaker_may_quote_a_market_only_once() -> None:
    with pytest.raises(ValueError, match="quoted twice"):
        consensus_quote(Market.SPREADS, [spread("fanduel", "-3"), spread("fanduel", "-3.5")])


def test_a_quote_cannot_be_changed_after_it_is_made() -> None:
    prices = {HOME: -110, AWAY: -110}
    quote = BookQuote(bookmaker="fanduel", prices=prices, points={}, last_update=AT)
    prices[HOME] = +500
    assert quote.prices[HOME] == -110
    with pytest.raises(TypeError):
        quote.prices[HOME] = +500  # type: ignore[index]


BOOKS = ["betmgm", "betrivers", "bovada", "caesars", "draftkings", "fanduel", "mybookie", "pointsbet"]


@given(
    lines=st.lists(
        st.tuples(st.integers(min_value=-20, max_value=0), st.sampled_from([-120, -115, -110, -105, 100])),
        min_size=1,
        max_size=len(BOOKS),
    ),
    data=st.data(),
)
def test_the_consensus_does_not_depend_on_the_order_of_the_quotes(
    lines: list[tuple[int, int]], data: st.DataObject
) -> None:
    quotes = [spread(book, str(D(point) / 2), price) for book, (point, price) in zip(BOOKS, lines, strict=False)]
    shuffled = data.draw(st.permutations(quotes))
    first = consensus_quote(Market.SPREADS, quotes)
    assert first is not None
    assert consensus_quote(Market.SPREADS, shuffled) is first
