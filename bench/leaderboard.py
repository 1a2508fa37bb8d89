"""Time uncached leaderboard answers through the app (in process, real PostgreSQL), and the pick-scanning query the
rollups replaced, on the same data.

Every request asks for a page nobody asked for before (a different `limit`), so the app's response cache never
answers it: each time is the app's own work and its SQL. The old query is timed alone (SQL only, no app), as a
reference of what the rollups saved.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
import httpx

from services.web.main import create_app
from services.web.settings import WebSettings

WINDOWS = ("all", "season", "month", "week")
SORTS = ("units", "roi", "win_rate", "rating")
SPORTS: tuple[str | None, ...] = (None, "basketball_nba")

# The leaderboard's query before the rollups (kept in tests/web/test_leaderboard_property.py as the oracle): every
# graded pick of the window, aggregated per player and ranked in full. The units board of all time, every sport.
OLD_QUERY = """
WITH totals AS (
    SELECT p.user_id, sum(p.result_units) AS units, sum(p.stake) AS wagered,
           count(*) FILTER (WHERE p.status = 'won') AS wins, count(*) FILTER (WHERE p.status = 'lost') AS losses,
           count(*) FILTER (WHERE p.status = 'push') AS pushes, count(*) AS picks
    FROM pick p
    WHERE p.status IN ('won', 'lost', 'push')
    GROUP BY p.user_id
), scored AS (
    SELECT t.*, u.username FROM totals t JOIN "user" u ON u.id = t.user_id WHERE t.picks >= 1
), ranked AS (
    SELECT scored.*, row_number() OVER (ORDER BY units DESC, wagered ASC, lower(username), username) AS rank
    FROM scored
)
SELECT c.total, r.* FROM (SELECT count(*) AS total FROM scored) c
LEFT JOIN LATERAL (SELECT * FROM ranked WHERE rank > 0 ORDER BY rank LIMIT 50) r ON true
"""


@dataclass(frozen=True)
class BoardTiming:
    """Seconds of uncached answers for one combination of controls."""

    window: str
    sort: str
    sport: str | None
    seconds: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.seconds)


def web_settings(url: str, *, season_start: date) -> WebSettings:
    """The web app's settings for benchmarking against `url` (no built web app, a large enough pool)."""
    return WebSettings(database_url=url, season_start=season_start, web_app_dir=None, db_pool_max_size=4)


async def time_boards(
    url: str,
    *,
    season_start: date,
    windows: tuple[str, ...] = WINDOWS,
    sorts: tuple[str, ...] = SORTS,
    sports: tuple[str | None, ...] = SPORTS,
    repeat: int = 5,
) -> list[BoardTiming]:
    """Time `repeat` uncached answers of every window, sort and sport; each must be a 200 with a full page."""
    app = create_app(web_settings(url, season_start=season_start))
    timings = []
    limit = 50
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        await client.get("/api/leaderboard", params={"limit": 1})  # the pool's first connections, not timed
        for window in windows:
            for sort in sorts:
                for sport in sports:
                    seconds = []
                    for _ in range(repeat):
                        limit = limit - 1 if limit > 20 else 50
                        params: dict[str, Any] = {"window": window, "sort": sort, "limit": limit}
                        if sport:
                            params["sport"] = sport
                        started = time.perf_counter()
                        response = await client.get("/api/leaderboard", params=params)
                        seconds.append(time.perf_counter() - started)
                        if response.status_code != 200:
                            raise RuntimeError(f"leaderboard {params}: {response.status_code} {response.text[:200]}")
                    timings.append(BoardTiming(window, sort, sport, seconds))
    return timings


async def time_boards_in_turn(urls: list[str], *, season_start: date, repeat: int = 5) -> list[list[BoardTiming]]:
    """Time every board on each database in turn, `repeat` rounds of one answer each; return each database's timings.

    The databases' figures then come from the same minutes of the run, so what else the machine does in those minutes
    weighs on each alike: timed one after the other, the same unchanged units boards measured 0.9x to 1.3x apart.
    """
    rounds = [[await time_boards(url, season_start=season_start, repeat=1) for url in urls] for _ in range(repeat)]
    return [
        [
            BoardTiming(t.window, t.sort, t.sport, [s for one in rounds for s in one[i][j].seconds])
            for j, t in enumerate(rounds[0][i])
        ]
        for i in range(len(urls))
    ]


async def time_old_query(pool: asyncpg.Pool, *, repeat: int = 2) -> float:
    """The median seconds of the pick-scanning units board (all time, every sport)."""
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        await pool.fetch(OLD_QUERY)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)
