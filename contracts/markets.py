"""Markets, selections and statuses: the one vocabulary used by every service and by the API schemas."""

from enum import StrEnum


class Market(StrEnum):
    """An Odds API market key."""

    H2H = "h2h"
    SPREADS = "spreads"
    TOTALS = "totals"


class Selection(StrEnum):
    """The side of a market a price belongs to or a player picks."""

    HOME = "home"
    AWAY = "away"
    OVER = "over"
    UNDER = "under"


# Which selections belong to which market; the database CHECKs mirror this table.
MARKET_SELECTIONS: dict[Market, tuple[Selection, Selection]] = {
    Market.H2H: (Selection.HOME, Selection.AWAY),
    Market.SPREADS: (Selection.HOME, Selection.AWAY),
    Market.TOTALS: (Selection.OVER, Selection.UNDER),
}


def selection_fits_market(market: Market, selection: Selection) -> bool:
    """Tell whether a selection is one of the two sides of a market."""
    return selection in MARKET_SELECTIONS[market]


def market_has_point(market: Market) -> bool:
    """Spreads and totals carry a point (line); a moneyline does not."""
    return market is not Market.H2H


class GameStatus(StrEnum):
    """Where a game stands; `void` means cancelled or never completed in time."""

    SCHEDULED = "scheduled"
    LIVE = "live"
    FINAL = "final"
    VOID = "void"


class PickStatus(StrEnum):
    """A pick's settlement state; everything but `pending` is graded."""

    PENDING = "pending"
    WON = "won"
    LOST = "lost"
    PUSH = "push"
    VOID = "void"


class SnapshotKind(StrEnum):
    """`current` is the newest odds snapshot; `closing` is the last one taken before tip-off."""

    CURRENT = "current"
    CLOSING = "closing"
