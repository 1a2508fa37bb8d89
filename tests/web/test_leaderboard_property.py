"""The leaderboard agrees with the documented rules applied in Python to random picks (docs/grading.md), and with the
pick-scanning query it replaced (kept below as the oracle): reading the grader's rollups changed no answer."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.grading import result_units
from contracts.markets import PickStatus
from services.web.leaderboard import service as leaderboard_service
from services.web.leaderboard.schemas import SortKey
from services.web.leaderboard.service import RATING_PRIOR_PICKS
from services.web.settings import WebSettings
from tests.web.factories import api, auth_header, sync_rollups

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


# The query the leaderboard ran before the rollups: every graded pick in the window aggregated per player, ranked in
# full. $1 min picks, $2 the rating's prior, $3 offset, $4 limit, then the window's first instant and the sport.
_ORACLE_ORDER_BY = {
    SortKey.units: "units DESC, units DESC, wagered ASC, lower(username) ASC, username ASC",
    SortKey.roi: "roi_exact DESC, units DESC, wagered ASC, lower(username) ASC, username ASC",
    SortKey.win_rate: "win_rate_exact DESC NULLS LAST, units DESC, wagered ASC, lower(username) ASC, username ASC",
    SortKey.rating: "rating_exact DESC, units DESC, wagered ASC, lower(username) ASC, username ASC",
}
_ORACLE_SQL = """
WITH totals AS (
    SELECT p.user_id,
           sum(p.result_units) AS units,
           sum(p.stake) AS wagered,
           count(*) FILTER (WHERE p.status = 'won') AS wins,
           count(*) FILTER (WHERE p.status = 'lost') AS losses,
           count(*) FILTER (WHERE p.status = 'push') AS pushes,
           count(*) AS picks
    FROM pick p
    JOIN game g ON g.id = p.game_id
    WHERE p.status IN ('won', 'lost', 'push')
      AND ($5::timestamptz IS NULL OR p.graded_at >= $5)
      AND ($6::text IS NULL OR g.sport_key = $6)
    GROUP BY p.user_id
), scored AS (
    SELECT t.*, u.username,
           t.units / t.wagered AS roi_exact,
           t.wins::numeric / nullif(t.wins + t.losses, 0) AS win_rate_exact,
           t.units / t.wagered * t.picks / (t.picks + $2::int) AS rating_exact
    FROM totals t
    JOIN "user" u ON u.id = t.user_id
    WHERE t.picks >= $1
), ranked AS (
    SELECT scored.*, row_number() OVER (ORDER BY {order_by}) AS rank
    FROM scored
)
SELECT rank, username, units, wagered, round(roi_exact, 6) AS roi, wins, losses, pushes, picks,
       round(win_rate_exact, 6) AS win_rate, round(rating_exact, 6) AS rating
FROM ranked
WHERE rank > $3
ORDER BY rank
LIMIT $4
"""


async def _oracle(
    db: asyncpg.Pool, *, since: datetime | None, sport: str | None, sort: str, min_picks: int, offset: int = 0
) -> list[dict]:
    rows = await db.fetch(
        _ORACLE_SQL.format(order_by=_ORACLE_ORDER_BY[SortKey(sort)]),
        min_picks,
        RATING_PRIOR_PICKS,
        offset,
        200,
        since,
        sport,
    )
    return [{k: str(v) if isinstance(v, Decimal) else v for k, v in dict(r).items()} for r in rows]


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
    rollups_kept_for_the_season=st.booleans(),
    offset=st.sampled_from([0, 0, 1, 2]),
    tie_room=st.sampled_from([0, 1, 200]),
)
async def test_the_board_equals_the_rules_applied_to_every_pick(
    db: asyncpg.Pool,
    monkeypatch: pytest.MonkeyPatch,
    picks: list[tuple],
    sport_of_game: list[str],
    window: str,
    sport: str | None,
    sort: str,
    min_picks: int,
    rollups_kept_for_the_season: bool,
    offset: int,
    tie_room: int,
) -> None:
    # GIVEN random players with random picks, settled by the rulebook, graded at various ages, and the grader's rollups
    # of them, kept for the web's season (read from player_total) or for another one (the web sums player_day)
    await db.execute('TRUNCATE pick, game, "user" RESTART IDENTITY CASCADE')
    today = await db.fetchval("SELECT (now() AT TIME ZONE 'UTC')::date")
    season_start = today - timedelta(days=30)
    kept_for = season_start if rollups_kept_for_the_season else season_start - timedelta(days=100)
    await db.execute("UPDATE rollup_season SET starts_on = $1", kept_for)
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
    await sync_rollups(db)
    # WHEN the board is read (with as many extra contenders as the page keeps, one, or none: ties then always spill)
    monkeypatch.setattr(leaderboard_service, "_TIE_ROOM", tie_room)
    settings = WebSettings(season_start=season_start)
    params = {"window": window, "sort": sort, "min_picks": min_picks, **({"sport": sport} if sport else {})}
    async with api(settings) as client:
        response = await client.get("/api/leaderboard", params={**params, "limit": 200})
        page = await client.get("/api/leaderboard", params={**params, "limit": 2, "offset": offset})
        standings = {
            name: (await client.get("/api/leaderboard/me", params=params, headers=auth_header(uid, settings))).json()
            for name, uid in zip(NAMES, user_ids, strict=True)
        }
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
    # AND it is exactly what the pick-scanning query it replaced answers, page by page
    entries = response.json()["entries"]
    assert entries == await _oracle(db, since=since, sport=sport, sort=sort, min_picks=min_picks)
    assert page.json()["entries"] == entries[offset : offset + 2]
    assert page.json()["total"] == response.json()["total"] == len(entries)
    # AND each player's own standing is their row on that board, or none with their graded picks counted
    for name, standing in standings.items():
        row = next((e for e in entries if e["username"] == name), None)
        assert standing["entry"] == row, name
        assert standing["picks"] == sum(1 for r in counted if r["name"] == name)
        assert standing["total"] == len(entries)
