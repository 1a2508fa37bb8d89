"""`pickvs demo seed`: a few dozen demo players, four weeks of past games and picks graded by the real grader, and a
demo league.

Dev only (refuses outside PICKVS_ENV=dev, and on a database that already has players). Everything is drawn from one
seeded random generator, so the same seed and day give the same history. Picks are graded by sending GameResultEvents
through `services.grader.settlement.apply_result` — the production path — including a few score corrections and
voids, so the totals a new user sees are exactly what grading produces (and equal `pickvs grade --recompute`). The
demo league holds a dozen of the players and counts the last two weeks; `make dev` prints its owner and join link.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import asyncpg
from pwdlib import PasswordHash

from contracts.events import GameInfo, GameResultEvent
from devstack.odds_simulator.slate import NBA_TEAMS as TEAMS
from pickvs.cli import CliError
from pickvs.db import DatabaseNotConfigured, create_pool, database_url
from pickvs.settings import BaseAppSettings
from services.grader.settlement import apply_result
from services.web.leagues.service import new_invite_code

if TYPE_CHECKING:
    from devstack.dev import DevStack

log = logging.getLogger("pickvs.dev.demo")

# Every demo player's password (README says so); demo accounts exist only in dev databases.
DEMO_PASSWORD = "pickvs-demo"
DEMO_EMAIL_DOMAIN = "demo.pickvs.test"

_FIRST = ("sharp", "lucky", "cold", "late", "chalk", "steady", "wild", "quiet", "fast", "bold", "clutch", "deep")
_SECOND = ("sam", "rita", "omar", "june", "kai", "lena", "theo", "maya", "ivan", "nora", "zeke", "ada")
BOOKMAKERS = ("draftkings", "fanduel", "betmgm", "caesars", "betrivers")

DEMO_LEAGUE = "Demo League"
DEMO_LEAGUE_MEMBERS = 12
DEMO_LEAGUE_DAYS = 14


class DemoRefused(Exception):
    """The demo seed would run where it must not (outside dev, or on a database with players)."""


@dataclass(frozen=True)
class DemoLeague:
    name: str
    owner: str
    members: int
    invite_code: str


@dataclass(frozen=True)
class DemoSummary:
    players: int
    games: int
    picks: int
    corrections: int
    voids: int
    league: DemoLeague


@dataclass(frozen=True)
class _Game:
    info: GameInfo
    margin: float  # expected home margin
    total: float  # expected points
    home: int
    away: int


def _american(probability: float) -> int:
    """Price a side with a ~4.5% margin, as a real book would."""
    p = min(0.95, max(0.05, probability * 1.0225))
    price = -100 * p / (1 - p) if p >= 0.5 else 100 * (1 - p) / p
    price = round(price / 5) * 5
    return price if abs(price) >= 100 else (-100 if p >= 0.5 else 100)


def _half(value: float) -> Decimal:
    return Decimal(round(value * 2)) / 2


def _games(rng: random.Random, *, today: datetime, days: int) -> list[_Game]:
    strength = {team: rng.gauss(0, 4.5) for team in TEAMS}
    games = []
    for day in range(days, 0, -1):
        date = today - timedelta(days=day)
        teams = list(TEAMS)
        rng.shuffle(teams)
        for n in range(rng.randint(3, 6)):
            home, away = teams[2 * n], teams[2 * n + 1]
            margin = strength[home] - strength[away] + 2.5  # home court
            total = rng.uniform(214, 236)
            home_score = max(70, round(rng.gauss((total + margin) / 2, 10)))
            away_score = max(70, round(rng.gauss((total - margin) / 2, 10)))
            if home_score == away_score:  # NBA games go to overtime
                home_score += rng.choice((3, -3)) if home_score > 80 else 3
            # 00:00-01:00 UTC is an evening tip-off in the US; the last results land well before today.
            tip = date + timedelta(minutes=30 * (n % 3))
            info = GameInfo(
                external_id=f"demo-{date:%Y%m%d}-{n + 1}",
                sport_key="basketball_nba",
                sport_title="NBA",
                home_team=home,
                away_team=away,
                commence_time=tip,
            )
            games.append(_Game(info, margin, total, home_score, away_score))
    return games


def _lines(rng: random.Random, game: _Game) -> list[tuple]:
    """Consensus rows (snapshot, market, selection, price, point, bookmaker, count) for current and closing."""
    rows = []
    home_win = 1 / (1 + math.exp(-game.margin / 6))
    for kind, drift in (("current", 0.0), ("closing", rng.choice((-0.5, 0.0, 0.0, 0.5)))):
        book, count = rng.choice(BOOKMAKERS), rng.randint(3, 6)
        spread = _half(-game.margin + drift)
        total = _half(game.total + drift)
        juice = rng.choice((-105, -110, -110, -115))
        rows += [
            (kind, "h2h", "home", _american(home_win), None, book, count),
            (kind, "h2h", "away", _american(1 - home_win), None, book, count),
            (kind, "spreads", "home", juice, spread, book, count),
            (kind, "spreads", "away", -220 - juice, -spread, book, count),
            (kind, "totals", "over", juice, total, book, count),
            (kind, "totals", "under", -220 - juice, total, book, count),
        ]
    return rows


async def seed_demo(
    pool: asyncpg.Pool, *, env: str, now: datetime | None = None, seed: int = 2026, players: int = 36, days: int = 28
) -> DemoSummary:
    """Create demo players and past games with consensus lines and picks, graded through the real settlement."""
    if env != "dev":
        raise DemoRefused(f"demo data is for dev databases only (PICKVS_ENV is {env!r})")
    if await pool.fetchval('SELECT EXISTS (SELECT 1 FROM "user")'):
        raise DemoRefused("the database already has players; the demo seed runs only on an empty one")
    now = now or datetime.now(UTC)
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rng = random.Random(f"{seed}-{today:%Y%m%d}")
    # One argon2 hash shared by every demo account: hashing dozens would take seconds for nothing.
    password_hash = await asyncio.to_thread(PasswordHash.recommended().hash, DEMO_PASSWORD)

    names = [f"{a}_{b}" for a in _FIRST for b in _SECOND]
    rng.shuffle(names)
    names = names[:players]
    skill = {name: rng.uniform(0.42, 0.6) for name in names}  # how often a player picks the side that comes in
    games = _games(rng, today=today, days=days)
    lines = {g.info.external_id: _lines(rng, g) for g in games}

    async with pool.acquire() as conn, conn.transaction():
        user_ids: dict[str, int] = {
            r["username"]: r["id"]
            for r in await conn.fetch(
                'INSERT INTO "user" (username, email, password_hash, created_at) '
                "SELECT n, n || '@' || $2, $3, $4 FROM unnest($1::text[]) AS n RETURNING username, id",
                names,
                DEMO_EMAIL_DOMAIN,
                password_hash,
                today - timedelta(days=days + 7),
            )
        }
        game_ids: dict[str, int] = {
            r["external_id"]: r["id"]
            for r in await conn.fetch(
                "INSERT INTO game (external_id, sport_key, sport_title, home_team, away_team, commence_time, "
                "odds_fetched_at) SELECT * , c - interval '1 hour' FROM unnest($1::text[], $2::text[], $3::text[], "
                "$4::text[], $5::text[], $6::timestamptz[]) AS t(e, k, s, h, a, c) RETURNING external_id, id",
                [g.info.external_id for g in games],
                [g.info.sport_key for g in games],
                [g.info.sport_title for g in games],
                [g.info.home_team for g in games],
                [g.info.away_team for g in games],
                [g.info.commence_time for g in games],
            )
        }
        line_rows = [(game_ids[gid], *row) for gid, rows in lines.items() for row in rows]
        await conn.execute(
            "INSERT INTO market_line (game_id, snapshot_kind, market, selection, price, point, bookmaker, "
            "bookmaker_count, fetched_at) SELECT g.id, t.k, t.m, t.s, t.p, t.pt, t.b, t.n, g.commence_time - "
            "CASE t.k WHEN 'closing' THEN interval '5 minutes' ELSE interval '20 hours' END "
            "FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::numeric[], $7::text[], "
            "$8::int[]) AS t(g, k, m, s, p, pt, b, n) JOIN game g ON g.id = t.g",
            *[list(column) for column in zip(*line_rows, strict=True)],
        )
        picks = []
        for game in games:
            current = {(m, s): (p, pt) for kind, m, s, p, pt, _, _ in lines[game.info.external_id] if kind == "current"}
            for name in names:
                if rng.random() > 0.3:
                    continue
                for market in rng.sample(("h2h", "spreads", "totals"), rng.choice((1, 1, 2))):
                    sides = ("over", "under") if market == "totals" else ("home", "away")
                    truth = _winning_side(market, sides, current, game)
                    side = truth if rng.random() < skill[name] else sides[1 - sides.index(truth)]
                    price, point = current[market, side]
                    stake = Decimal(rng.randint(2, 10)) / 2
                    placed = game.info.commence_time - timedelta(minutes=rng.randint(10, 20 * 60))
                    picks.append(
                        (user_ids[name], game_ids[game.info.external_id], market, side, point, price, stake, placed)
                    )
        await conn.execute(
            "INSERT INTO pick (user_id, game_id, market, selection, point, price, stake, placed_at) "
            "SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::numeric[], $6::int[], "
            "$7::numeric[], $8::timestamptz[])",
            *[list(column) for column in zip(*picks, strict=True)],
        )
        league = await _demo_league(conn, user_ids=[user_ids[n] for n in names], names=names, today=today)

    # Grade through the production path, game by game, in the order the results came in.
    voided = set(rng.sample(range(len(games)), 2))
    corrected = set(rng.sample(sorted(set(range(len(games))) - voided), 3))
    for i, game in enumerate(games):
        tip = game.info.commence_time
        if i in voided:
            event = GameResultEvent(
                game=game.info, outcome="void", reason="postponed", last_update=tip + timedelta(hours=36)
            )
            await apply_result(pool, event, now=tip + timedelta(hours=37))
            continue
        await apply_result(
            pool,
            GameResultEvent(
                game=game.info,
                outcome="final",
                home_score=game.home,
                away_score=game.away,
                last_update=tip + timedelta(hours=2, minutes=40),
            ),
            now=tip + timedelta(hours=3),
        )
        if i in corrected:
            # The league fixes a scoring error the next morning: the correction path, as it happens in production.
            await apply_result(
                pool,
                GameResultEvent(
                    game=game.info,
                    outcome="final",
                    home_score=game.home,
                    away_score=game.away + 3,
                    last_update=tip + timedelta(hours=10),
                ),
                now=tip + timedelta(hours=11),
            )
    return DemoSummary(
        players=len(names),
        games=len(games),
        picks=len(picks),
        corrections=len(corrected),
        voids=len(voided),
        league=league,
    )


async def _demo_league(conn, *, user_ids: list[int], names: list[str], today: datetime) -> DemoLeague:
    """Create the demo league: the first players (the first owns it), NBA picks of the last two weeks."""
    code = new_invite_code()
    league_id = await conn.fetchval(
        "INSERT INTO league (name, description, sport_key, start_date, owner_id, invite_code, created_at) "
        "VALUES ($1, $2, 'basketball_nba', $3::timestamptz::date, $4, $5, $3) RETURNING id",
        DEMO_LEAGUE,
        "A dozen demo players' NBA picks of the last two weeks.",
        today - timedelta(days=DEMO_LEAGUE_DAYS),
        user_ids[0],
        code,
    )
    await conn.execute(
        "INSERT INTO league_member (league_id, user_id, joined_at) "
        "SELECT $1, u, $3::timestamptz + make_interval(mins => n::int) "
        "FROM unnest($2::bigint[]) WITH ORDINALITY AS m(u, n)",
        league_id,
        user_ids[:DEMO_LEAGUE_MEMBERS],
        today - timedelta(days=DEMO_LEAGUE_DAYS),
    )
    return DemoLeague(name=DEMO_LEAGUE, owner=names[0], members=DEMO_LEAGUE_MEMBERS, invite_code=code)


def _winning_side(market: str, sides: tuple[str, str], current: dict, game: _Game) -> str:
    """The side that comes in (a push counts as the second side; it only steers demo players' luck)."""
    if market == "totals":
        return sides[0] if game.home + game.away > current["totals", "over"][1] else sides[1]
    if market == "h2h":
        return "home" if game.home > game.away else "away"
    return "home" if game.home + current["spreads", "home"][1] > game.away else "away"


async def _seed(settings: BaseAppSettings) -> DemoSummary:
    try:
        pool = await create_pool(database_url(settings), min_size=1, max_size=2)
    except (DatabaseNotConfigured, OSError, asyncpg.PostgresError) as exc:
        raise CliError(f"cannot reach the database: {exc}") from exc
    try:
        return await seed_demo(pool, env=settings.env)
    finally:
        await pool.close()


def run_seed(_: argparse.Namespace) -> int:
    """Run `pickvs demo seed`."""
    settings = BaseAppSettings()
    if settings.env != "dev":  # before touching anything, even the database connection
        raise CliError(f"refusing to seed demo data: PICKVS_ENV is {settings.env!r}, the demo seed runs only in dev")
    try:
        summary = asyncio.run(_seed(settings))
    except DemoRefused as exc:
        raise CliError(str(exc)) from exc
    print(
        f"seeded {summary.players} demo players, {summary.games} games and {summary.picks} picks "
        f"({summary.corrections} score corrections, {summary.voids} voids); every password is {DEMO_PASSWORD!r}"
    )
    print(
        f"demo league {summary.league.name!r} ({summary.league.members} members): log in as "
        f"{summary.league.owner}, or join it at /join/{summary.league.invite_code} on the app"
    )
    return 0


@asynccontextmanager
async def demo_history(stack: DevStack) -> AsyncIterator[None]:
    """`make dev`'s part: seed demo players and graded history into an empty dev database (skipped with --no-demo)."""
    if not stack.demo:
        yield
        return
    settings = stack.settings(BaseAppSettings)
    pool = await create_pool(database_url(settings), min_size=1, max_size=2)
    try:
        if await pool.fetchval('SELECT EXISTS (SELECT 1 FROM "user")'):
            log.info("demo seed skipped: the database already has players")
        else:
            try:
                summary = await seed_demo(pool, env=settings.env)
            except DemoRefused as exc:
                log.warning("demo seed skipped: %s", exc)
            else:
                stack.banner.append(
                    f"Demo         {summary.players} players, {summary.games} past games, "
                    f"{summary.picks} graded picks (any demo player's password: {DEMO_PASSWORD})"
                )
                stack.banner.append(
                    f"Demo league  {summary.league.name!r}: log in as {summary.league.owner}, or join it at "
                    f"http://{stack.host}:{stack.port}/join/{summary.league.invite_code}"
                )
    finally:
        await pool.close()
    yield
