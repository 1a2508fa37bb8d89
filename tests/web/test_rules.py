"""GET /api/rules: the numbers the app needs to obey the API's rules before it is refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from services.web.settings import WebSettings
from tests.web.factories import api


async def test_rules_report_the_configured_stakes_slip_size_leaderboard_minimums_and_league_limits() -> None:
    # GIVEN a server configured with stakes of 2 to 10 by 1, slips of 8, passwords of 12 and leagues of 50 (7 each)
    settings = WebSettings(
        stake_min=Decimal("2"),
        stake_max=Decimal("10"),
        stake_step=Decimal("1"),
        max_picks_per_slip=8,
        password_min_length=12,
        season_start=date(2026, 10, 20),
        league_max_members=50,
        league_max_per_player=7,
    )
    # WHEN a client reads the rules
    async with api(settings) as client:
        response = await client.get("/api/rules")
    # THEN it gets exactly those numbers, and the leaderboard's minimums per sort
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.json() == {
        "stake": {"min": "2", "max": "10", "step": "1"},
        "max_picks_per_slip": 8,
        "password_min_length": 12,
        "leaderboard": {
            "default_min_picks": {"units": 1, "roi": 20, "win_rate": 20, "rating": 20},
            "rating_prior_picks": 50,
            "season_start": "2026-10-20",
        },
        "leagues": {"max_members": 50, "max_leagues_per_player": 7},
    }
