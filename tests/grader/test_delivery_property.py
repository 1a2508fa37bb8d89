"""At-least-once, any order, two consumers: random results delivered shuffled and duplicated leave every pick graded as
the rulebook grades it against the result its game holds, and totals and leaderboard rollups equal to a from-scratch
recomputation, whatever UTC days and months the deliveries are graded on."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.events import GameResultEvent
from contracts.grading import settle
from contracts.markets import GameStatus, Market, PickStatus, Selection
from services.grader.recompute import Totals, recompute_totals
from services.grader.settlement import apply_result
from tests.builders import PickRow, game_info, insert_game, insert_picks, insert_users, stored_totals

D = Decimal
# Two sports, so the per-sport rollups and the every-sport ones ('*') differ.
GAMES = [game_info(f"prop-{n}", sport_key=("basketball_nba", "americanfootball_nfl")[n % 2]) for n in range(3)]
# Deliveries are graded over a few days around a month's end, with the rollups' season starting among them: a
# correction can move a pick to another day, month or season.
GRADING_STARTS = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)
SEASON_START = date(2026, 12, 1)

# Scores and lines close together, so pushes, corrections that flip results, and ties on timestamps all happen often.
scores = st.integers(min_value=98, max_value=104)
spread_points = st.integers(min_value=-8, max_value=8).map(lambda n: D(n) / 2)
total_points = st.integers(min_value=396, max_value=416).map(lambda n: D(n) / 2)
prices = st.sampled_from([-250, -150, -115, -110, -105, -100, 100, 120, 175, 333])
stakes = st.integers(min_value=1, max_value=10).map(lambda n: D(n) / 2) | st.sampled_from([D("0.01"), D("0.03")])


@st.composite
def picks(draw: st.DrawFn, user: int, game: int) -> list[tuple]:
    markets = draw(st.lists(st.sampled_from(list(Market)), unique=True, max_size=3))
    chosen = []
    for market in markets:
        if market is Market.TOTALS:
            chosen.append(
                (
                    user,
                    game,
                    market,
                    draw(st.sampled_from([Selection.OVER, Selection.UNDER])),
                    draw(total_points),
                    draw(prices),
                    draw(stakes),
                )
            )
        else:
            point = draw(spread_points) if market is Market.SPREADS else None
            chosen.append(
                (
                    user,
                    game,
                    market,
                    draw(st.sampled_from([Selection.HOME, Selection.AWAY])),
                    point,
                    draw(prices),
                    draw(stakes),
                )
            )
    return chosen


@st.composite
def results(draw: st.DrawFn, game: int) -> GameResultEvent:
    info = GAMES[game]
    hours = draw(st.none() | st.integers(min_value=1, max_value=4))
    last_update = None if hours is None else info.commence_time + timedelta(hours=hours)
    if draw(st.integers(min_value=0, max_value=4)) == 0:
        return GameResultEvent(game=info, outcome="void", reason="not completed in time", last_update=last_update)
    # A few recurring scores, so the same result is often re-reported later (same event id, newer timestamp).
    home, away = draw(st.sampled_from([(100, 100), (101, 99), (99, 104)]) | st.tuples(scores, scores))
    return GameResultEvent(game=info, outcome="final", home_score=home, away_score=away, last_update=last_update)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[int, list[tuple], list[tuple[int, GameResultEvent, datetime]]]:
    users = draw(st.integers(min_value=1, max_value=4))
    games = draw(st.integers(min_value=1, max_value=len(GAMES)))
    all_picks = [p for u in range(users) for g in range(games) for p in draw(picks(u, g))]
    events = [e for g in range(games) for e in draw(st.lists(results(g), min_size=0, max_size=4))]
    deliveries = [e for e in events for _ in range(draw(st.integers(min_value=1, max_value=2)))]
    # Each delivery goes to one of two graders running at the same time, as SQS hands messages to concurrent Lambdas.
    graders = draw(st.lists(st.integers(min_value=0, max_value=1), min_size=len(deliveries), max_size=len(deliveries)))
    # The clock each delivery is graded at: forwards in delivery order, 0 to 30 hours at a time.
    steps = draw(st.lists(st.integers(min_value=0, max_value=30), min_size=len(deliveries), max_size=len(deliveries)))
    clocks = [GRADING_STARTS + timedelta(hours=sum(steps[: i + 1])) for i in range(len(deliveries))]
    shuffled = draw(st.permutations(deliveries))
    return users, all_picks, [(g, e, t) for g, e, t in zip(graders, shuffled, clocks, strict=True)]


def _winning_result(events: list[GameResultEvent]) -> GameResultEvent:
    """The rule in docs/grading.md: newest source timestamp; then final over void; then event id."""
    return max(
        events,
        key=lambda e: (
            e.last_update is not None,
            e.last_update or e.game.commence_time,
            e.outcome == "final",
            e.event_id,
        ),
    )


async def _reset(db: asyncpg.Pool) -> None:
    # pytest fixtures are not re-run per hypothesis example: each example empties the grader's tables itself.
    await db.execute(
        'TRUNCATE "user", game, pick, pick_regrade, processed_event, market_line, player_day, player_total '
        "RESTART IDENTITY CASCADE"
    )


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
async def test_shuffled_duplicated_deliveries_end_with_the_totals_a_recompute_gives(
    db: asyncpg.Pool, scenario: tuple[int, list[tuple], list[tuple[int, GameResultEvent, datetime]]]
) -> None:
    # GIVEN random players with random picks on a few games of two sports, and the rollups' season starting on the 1st
    await _reset(db)
    await db.execute("UPDATE rollup_season SET starts_on = $1", SEASON_START)
    user_count, pick_rows, deliveries = scenario
    users = await insert_users(db, user_count)
    game_ids = [await insert_game(db, g) for g in GAMES]
    pick_ids: list[int] = []
    if pick_rows:
        pick_ids = await insert_picks(
            db, [PickRow(users[u], game_ids[g], m, s, pt, pr, st) for u, g, m, s, pt, pr, st in pick_rows]
        )

    # WHEN random finals, corrections and voids arrive shuffled and duplicated at two graders working at once, over days
    async def grader(number: int) -> None:
        for worker, event, clock in deliveries:
            if worker == number:
                await apply_result(db, event, now=clock)

    await asyncio.gather(grader(0), grader(1))

    # THEN every pick is graded by the result that ranks newest, totals equal the pure rulebook's, and a recompute finds
    # every total and rollup (per day, sport, season and month) as the settlements left them
    winners = {}
    for _, event, _ in deliveries:
        winners.setdefault(event.game.external_id, []).append(event)
    winners = {external_id: _winning_result(events) for external_id, events in winners.items()}
    expected: dict[int, list] = defaultdict(lambda: [D("0.00"), D("0.00"), 0, 0, 0])
    stored_picks = {r["id"]: (r["status"], r["result_units"]) for r in await db.fetch("SELECT * FROM pick")}
    for pick_id, (u, g, market, selection, point, price, stake) in zip(pick_ids, pick_rows, strict=True):
        result = winners.get(GAMES[g].external_id)
        # Each pick, one by one: pending without a result, void (0.00) on a void game, else the rulebook's grading.
        if result is None:
            assert stored_picks[pick_id] == (PickStatus.PENDING, None), (pick_id, "no result")
            continue
        if result.outcome is GameStatus.VOID:
            assert stored_picks[pick_id] == (PickStatus.VOID, D("0.00")), (pick_id, result)
            continue  # a void counts in nothing
        settled = settle(
            market=market,
            selection=selection,
            point=point,
            price=price,
            stake=stake,
            home_score=result.home_score,
            away_score=result.away_score,
        )
        assert stored_picks[pick_id] == (settled.status, settled.result_units), (pick_id, result)
        totals = expected[users[u]]
        totals[0] += settled.result_units
        totals[1] += stake
        totals[2 + [PickStatus.WON, PickStatus.LOST, PickStatus.PUSH].index(settled.status)] += 1
    assert await stored_totals(db) == {u: Totals(*expected[u]) for u in users}
    assert await recompute_totals(db, fix=False) == []
    # AND the every-sport all-time rollup is each player's totals
    rollups = {
        r["user_id"]: Totals(r["units"], r["wagered"], r["wins"], r["losses"], r["pushes"])
        for r in await db.fetch("SELECT * FROM player_total WHERE sport_key = '*'")
    }
    assert {u: rollups.get(u, Totals(D("0.00"), D("0.00"), 0, 0, 0)) for u in users} == await stored_totals(db)
    for external_id, result in winners.items():
        game = await db.fetchrow("SELECT status, home_score, away_score FROM game WHERE external_id = $1", external_id)
        assert tuple(game) == (result.outcome, result.home_score, result.away_score)
