"""The leaderboard SQL agrees with the documented rules applied in Python to random picks (docs/grading.md)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import asyncpg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.grading import result_units
from contracts.markets import PickStatus
from services.web.settings import WebSettings
from tests.web.factories import api

SPORTS = ("basketball_nba", "americanfootball_nfl")
NAMES = ("amy", "Bea", "cal", "Dee", "eve")
GRADED = ("won", "lost", "push")

picks_strategy = st.lists(
    st.tuples(
        st.integers(0, len(NAMES) - 1),  # player
        st.integers(0, 5),  # game
        st.sampled_from(["won", "lost", "push", "void", "pending"]),
        st.sampled_from([-250, -110, -105, 100, 120, 300]),  # price
        st.sampled_from(["1", "1.5", "2", "5"]),  # stake
        st.sampled_from([0, 3, 10, 40, 400]),  # graded this many days ago
    ),
    max_size=30,
    unique_by=lambda p: (p[0], p[1]),  # one h2h pick per player per game
)


def _six(value: Fraction) -> str:
    return str((Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.000001"), ROUND_HALF_UP))


def _expected(rows: list[dict], *, sort: str, min_picks: int) -> list[tuple]:
    players: dict[str, dict] = {}
    for row in rows:
        p = players.setdefault(
            row["name"], {"units": Decimal(0), "wagered": Decimal(0), "won": 0, "lost": 0, "push": 0}
        )
        p["units"] += row["units"]
        p["wagered"] += row["stake"]
        p[row["status"]] += 1
    ranked = []
    for name, p in players.items():
        n = p["won"] + p["lost"] + p["push"]
        if n < min_picks:
            continue
        roi = Fraction(p["units"]) / Fraction(p["wagered"])
        decisions = p["won"] + p["lost"]
        win_rate = Fraction(p["won"], decisions) if decisions else None
        rating = roi * n / (n + 50)
        primary = {"units": Fraction(p["units"]), "roi": roi, "rating": rating, "win_rate": win_rate}[sort]
        # Highest first, nulls last, then more units, less wagered, username ignoring case, then exactly.
        key = (primary is None, -(primary or 0), -p["units"], p["wagered"], name.lower(), name)
        ranked.append(
            (
                key,
                (
                    name,
                    f"{p['units']:.2f}",
                    f"{p['wagered']:.2f}",
                    _six(roi),
                    p["won"],
                    p["lost"],
                    p["push"],
                    n,
                    None if win_rate is None else _six(win_rate),
                    _six(rating),
                ),
            )
        )
    return [row for _, row in sorted(ranked)]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    picks=picks_strategy,
    sport_of_game=st.lists(st.sampled_from(SPORTS), min_size=6, max_size=6),
    window=st.sampled_from(["all", "season", "month", "week"]),
    sport=st.sampled_from([None, *SPORTS]),
    sort=st.sampled_from(["units", "roi", "win_rate", "rating"]),
    min_picks=st.integers(1, 3),
)
async def test_the_board_equals_the_rules_applied_to_every_pick(
    db: asyncpg.Pool,
    picks: list[tuple],
    sport_of_game: list[str],
    window: str,
    sport: str | None,
    sort: str,
    min_picks: int,
) -> None:
    # GIVEN random players with random picks, settled by the rulebook, graded at various ages
    await db.execute('TRUNCATE pick, game, "user" RESTART IDENTITY CASCADE')
    today = await db.fetchval("SELECT (now() AT TIME ZONE 'UTC')::date")
    season_start = today - timedelta(days=30)
    now = datetime.now(UTC)
    user_ids = [
        await db.fetchval(
            'INSERT INTO "user" (username, email, password_hash) VALUES ($1, $2, $3) RETURNING id',
            name,
            f"{name}@example.com",
            "x",
        )
        for name in NAMES
    ]
    game_ids = [
        await db.fetchval(
            "INSERT INTO game (external_id, sport_key, home_team, away_team, commence_time) "
            "VALUES ($1, $2, 'H', 'A', $3) RETURNING id",
            f"g{i}",
            s,
            now - timedelta(days=401),
        )
        for i, s in enumerate(sport_of_game)
    ]
    inserted = []
    for player, game, status, price, stake, days_ago in picks:
        stake_d = Decimal(stake)
        units = None if status == "pending" else result_units(status=PickStatus(status), price=price, stake=stake_d)
        graded_at = None if status == "pending" else now - timedelta(days=days_ago)
        await db.execute(
            "INSERT INTO pick (user_id, game_id, market, selection, price, stake, status, result_units, graded_at) "
            "VALUES ($1, $2, 'h2h', 'home', $3, $4, $5, $6, $7)",
            user_ids[player],
            game_ids[game],
            price,
            stake_d,
            status,
            units,
            graded_at,
        )
        inserted.append(
            {
                "name": NAMES[player],
                "sport": sport_of_game[game],
                "status": status,
                "units": units,
                "stake": stake_d,
                "graded_at": graded_at,
            }
        )
    # WHEN the board is read
    async with api(WebSettings(season_start=season_start)) as client:
        response = await client.get(
            "/api/leaderboard",
            params={
                "window": window,
                "sort": sort,
                "min_picks": min_picks,
                "limit": 200,
                **({"sport": sport} if sport else {}),
            },
        )
    assert response.status_code == 200, response.text
    # THEN it equals the documented rules applied in Python to every graded pick in the window and sport
    midnight = lambda day: datetime.combine(day, time.min, tzinfo=UTC)  # noqa: E731
    since = {
        "all": None,
        "season": midnight(season_start),
        "month": midnight(today.replace(day=1)),
        "week": midnight(today - timedelta(days=6)),
    }[window]
    counted = [
        r
        for r in inserted
        if r["status"] in GRADED
        and (since is None or r["graded_at"] >= since)
        and (sport is None or r["sport"] == sport)
    ]
    got = [
        (
            e["username"],
            e["units"],
            e["wagered"],
            e["roi"],
            e["wins"],
            e["losses"],
            e["pushes"],
            e["picks"],
            e["win_rate"],
            e["rating"],
        )
        for e in response.json()["entries"]
    ]
    assert got == _expected(counted, sort=sort, min_picks=min_picks)
    assert [e["rank"] for e in response.json()["entries"]] == list(range(1, len(got) + 1))
