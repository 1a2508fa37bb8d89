"""The settlement SQL and the pure rulebook (contracts/grading.py) grade the same table of cases identically."""

from __future__ import annotations

import random
from collections import defaultdict
from decimal import Decimal
from itertools import cycle

import asyncpg

from contracts.grading import settle
from contracts.markets import Market, PickStatus, Selection
from services.grader.recompute import Totals
from services.grader.settlement import apply_result
from tests.builders import (
    PickRow,
    final,
    game_info,
    insert_game,
    insert_picks,
    insert_users,
    stored_totals,
    void,
)
from tests.contracts.test_grading import PAYOUTS, RULEBOOK

D = Decimal
SCORES = [(110, 107), (107, 110), (100, 100), (111, 110), (0, 0), (98, 105), (93, 100), (130, 70)]
PRICES = [-110, +150, -105, +100, -100, -200, +333, -115, +125, -400, -160, -120, -10000, +10000, -137, +245, -101]
STAKES = [D("1"), D("2.5"), D("5"), D("0.02"), D("0.03"), D("1.5"), D("0.1"), D("4.99"), D("999999.99"), D("0.01")]


def _lines(market: Market, home: int, away: int) -> list[Decimal | None]:
    """Lines around the game's margin or total, so every score gets wins, losses and pushes on whole numbers."""
    if market is Market.H2H:
        return [None]
    centre = home - away if market is Market.SPREADS else home + away
    offsets = [D(n) / 2 for n in range(-9, 10)]
    if market is Market.SPREADS:
        # A home point of -m pushes at margin m; an away point of +m pushes too.
        return sorted({-centre + o for o in offsets} | {centre + o for o in offsets})
    return sorted({max(D(0), centre + o) for o in offsets})


def _cases() -> list[tuple[tuple[int, int], Market, Selection, Decimal | None, int, Decimal]]:
    """(score, market, side, line, price, stake): the rulebook's rows, the payout table, a grid around each score."""
    cases = [((r.home, r.away), r.market, r.selection, r.point, r.price, r.stake) for r in RULEBOOK]
    cases += [((101, 100), Market.H2H, Selection.HOME, None, price, stake) for price, stake, _ in PAYOUTS]
    prices, stakes = cycle(PRICES), cycle(STAKES)
    for home, away in SCORES:
        for market, sides in ((Market.H2H, "home away"), (Market.SPREADS, "home away"), (Market.TOTALS, "over under")):
            for selection in sides.split():
                for line in _lines(market, home, away):
                    cases.append(((home, away), market, Selection(selection), line, next(prices), next(stakes)))
    rng = random.Random(4)
    for _ in range(300):
        home, away = rng.choice(SCORES)
        market = rng.choice(list(Market))
        sides = [Selection.OVER, Selection.UNDER] if market is Market.TOTALS else [Selection.HOME, Selection.AWAY]
        selection = rng.choice(sides)
        line = None if market is Market.H2H else D(rng.randint(-40 if market is Market.SPREADS else 0, 500)) / 2
        price = rng.choice([rng.randint(100, 2000), -rng.randint(100, 2000)])
        stake = D(rng.randint(1, 99_999_999)) / 100
        cases.append(((home, away), market, selection, line, price, stake))
    return cases


async def test_sql_settlement_matches_the_rulebook_on_every_case(db: asyncpg.Pool) -> None:
    # GIVEN one player per case, each with one pick on a game that ends with the case's score
    cases = _cases()
    scores = sorted({case[0] for case in cases})
    games = {score: game_info(f"score-{score[0]}-{score[1]}") for score in scores}
    game_ids = {score: await insert_game(db, info) for score, info in games.items()}
    users = await insert_users(db, len(cases))
    pick_ids = await insert_picks(
        db,
        [
            PickRow(user, game_ids[score], market, selection, line, price, stake)
            for user, (score, market, selection, line, price, stake) in zip(users, cases, strict=True)
        ],
    )

    # WHEN each game's final score is settled by the SQL
    for score, info in games.items():
        await apply_result(db, final(info, *score))

    # THEN every pick has exactly the rulebook's status and units, and the player's totals are that one pick
    rows = {r["id"]: r for r in await db.fetch("SELECT id, status, result_units FROM pick")}
    totals = await stored_totals(db)
    pushes = 0
    for pick_id, user, (score, market, selection, line, price, stake) in zip(pick_ids, users, cases, strict=True):
        expected = settle(
            market=market,
            selection=selection,
            point=line,
            price=price,
            stake=stake,
            home_score=score[0],
            away_score=score[1],
        )
        got = rows[pick_id]
        case = f"{market} {selection} {line} at {price} x {stake}, final {score}"
        assert (got["status"], got["result_units"]) == (expected.status, expected.result_units), case
        assert str(got["result_units"]) == str(expected.result_units.quantize(D("0.01"))), case
        status = expected.status
        pushes += status is PickStatus.PUSH
        assert totals[user] == Totals(
            expected.result_units,
            stake,
            int(status is PickStatus.WON),
            int(status is PickStatus.LOST),
            int(status is PickStatus.PUSH),
        ), case
    by_market = defaultdict(int)
    for (_, market, _, _, _, _), user in zip(cases, users, strict=True):
        by_market[market, totals[user].pushes] += 1
    assert all(by_market[market, 1] > 0 for market in Market), "every market has push cases"
    assert pushes > 50


async def test_void_settles_every_market_to_a_returned_stake(db: asyncpg.Pool) -> None:
    # GIVEN picks on every market and side of one game
    info = game_info("void-table")
    game_id = await insert_game(db, info)
    sides = [
        (Market.H2H, "home", None),
        (Market.H2H, "away", None),
        (Market.SPREADS, "home", D("-3")),
        (Market.SPREADS, "away", D("3")),
        (Market.TOTALS, "over", D("221")),
        (Market.TOTALS, "under", D("221.5")),
    ]
    users = await insert_users(db, len(sides))
    await insert_picks(
        db, [PickRow(u, game_id, m, s, p, -110, D("2.5")) for u, (m, s, p) in zip(users, sides, strict=True)]
    )

    # WHEN the game is void
    await apply_result(db, void(info, "postponed"))

    # THEN every pick is void with 0.00 units and no player's totals moved
    rows = await db.fetch("SELECT status, result_units, graded_home_score FROM pick")
    assert {(r["status"], str(r["result_units"]), r["graded_home_score"]) for r in rows} == {("void", "0.00", None)}
    assert set((await stored_totals(db)).values()) == {Totals(D("0.00"), D("0.00"), 0, 0, 0)}
