"""A stand-in for The Odds API at a local URL, for tests that need it to misbehave in ways the simulator does not:
one game tipping off in three hours, and hooks that change the paid /odds answer or act while it is being made."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

KEY = "real-key-123"


class FakeOddsApi:
    """Serves /events (free) and /odds (3 credits); records what it was asked."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        # Called while an /odds request is being answered (e.g. to take SQS down mid-fetch).
        self.during_odds: Callable[[], None] | None = None
        # Replaces the /odds body (e.g. with something that is not the documented list of games).
        self.odds_body: str | None = None
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/v4/sports/{sport}/{endpoint}", self._serve)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def game(self) -> dict[str, Any]:
        tip = (datetime.now(UTC) + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {
            "id": "f" * 32,
            "sport_key": "basketball_nba",
            "sport_title": "NBA",
            "commence_time": tip,
            "home_team": "Utah Jazz",
            "away_team": "Miami Heat",
        }

    async def _serve(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, dict(request.query)))
        if request.query.get("apiKey") != KEY:
            return web.json_response({"message": "bad key", "error_code": "INVALID_KEY"}, status=401)
        game = self.game()
        if request.match_info["endpoint"] == "events":
            return web.json_response(
                [game], headers={"x-requests-last": "0", "x-requests-used": "40", "x-requests-remaining": "460"}
            )
        if self.during_odds is not None:
            self.during_odds()
        headers = {"x-requests-last": "3", "x-requests-used": "43", "x-requests-remaining": "457"}
        if self.odds_body is not None:
            return web.Response(text=self.odds_body, content_type="application/json", headers=headers)
        outcomes = [{"name": "Utah Jazz", "price": 120}, {"name": "Miami Heat", "price": -140}]
        game["bookmakers"] = [
            {
                "key": "draftkings",
                "title": "DraftKings",
                "last_update": game["commence_time"],
                "markets": [{"key": "h2h", "last_update": game["commence_time"], "outcomes": outcomes}],
            }
        ]
        return web.json_response([game], headers=headers)
