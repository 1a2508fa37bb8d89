"""Run the benchmark's sections on one database and collect their results (`python -m bench` calls `run_all`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import credits, imports, leaderboard, season, web
from bench.settlement import SHAPES, empty_tables, refuse_non_empty, run_settlement, settle_writes
from pickvs.db import close_pools, create_pool
from schema.migrate import migrate

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Sizes:
    """How big each section's data is."""

    settlement_picks: int
    players: int
    games: int
    season_days: int
    season_picks: int
    extra_picks: int
    board_repeat: int
    wrk_seconds: int
    wrk_rounds: int
    production_wrk_rounds: int
    picks_seconds: int
    servers: tuple[tuple[str, int], ...]
    profiles: int
    open_games: int
    slip_players: int
    credit_days: int
    fault_days: int


FULL = Sizes(
    settlement_picks=1_000_000,
    players=season.PLAYERS,
    games=season.GAMES,
    season_days=season.SEASON_DAYS,
    season_picks=season.PICKS,
    extra_picks=3_000_000,
    board_repeat=5,
    wrk_seconds=2,
    wrk_rounds=3,
    # The targets read the production server's figures: more rounds, so one round disturbed by something else on these
    # two shared cores moves them less.
    production_wrk_rounds=5,
    picks_seconds=4,
    servers=(("uvicorn", 1), ("uvicorn", 2), ("granian", 1), ("granian", 2)),
    profiles=1_000,
    open_games=20,
    slip_players=3_000,
    credit_days=credits.SEASON_DAYS,
    fault_days=60,
)
QUICK = Sizes(
    settlement_picks=3_000,
    players=2_000,
    games=40,
    season_days=5,
    season_picks=12_000,
    extra_picks=24_000,
    board_repeat=1,
    wrk_seconds=1,
    wrk_rounds=1,
    production_wrk_rounds=1,
    picks_seconds=1,
    servers=(("uvicorn", 2),),
    profiles=50,
    open_games=4,
    slip_players=2_000,
    credit_days=6,
    fault_days=6,
)
# The production server (infra/serve-web.sh; docs/performance.md says why): the hot-read and pick targets are
# measured on it.
PRODUCTION = ("uvicorn", 2)


async def _migrated(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


def _board_summary(timings: list[leaderboard.BoardTiming], picks: int) -> dict[str, Any]:
    return {
        "graded_picks": picks,
        "combinations": [
            {
                "window": t.window,
                "sort": t.sort,
                "sport": t.sport,
                "p50_ms": t.p50 * 1000,
                "ms": [s * 1000 for s in t.seconds],
            }
            for t in timings
        ],
        "max_p50_ms": max(t.p50 for t in timings) * 1000,
        "sum_p50_ms": sum(t.p50 for t in timings) * 1000,
        "p50_by_window_ms": {
            w: max(t.p50 for t in timings if t.window == w) * 1000 for w in dict.fromkeys(t.window for t in timings)
        },
    }


async def _season_section(
    pool: asyncpg.Pool, url: str, sizes: Sizes, progress: Progress, report: dict[str, Any]
) -> season.Season:
    from services.grader.handler import handle

    progress(f"season: {sizes.players:,} players, {sizes.games:,} games, {sizes.season_picks:,} picks")
    data = await season.generate(
        pool, players=sizes.players, games=sizes.games, picks=sizes.season_picks, season_days=sizes.season_days
    )
    await pool.execute("UPDATE rollup_season SET starts_on = $1", data.first_day)
    growth: list[dict[str, Any]] = []

    async def checkpoint(games: int) -> None:
        graded = await pool.fetchval("SELECT count(*) FROM pick WHERE status <> 'pending'")
        timing = await leaderboard.time_boards(
            url, season_start=data.first_day, windows=("all",), sorts=("units",), sports=(None,), repeat=3
        )
        old = await leaderboard.time_old_query(pool, repeat=1)
        growth.append({"graded_picks": graded, "rollups_ms": timing[0].p50 * 1000, "pick_scan_ms": old * 1000})
        progress(
            f"  board at {graded:,} graded picks: {timing[0].p50 * 1000:.1f} ms (the pick scan: {old * 1000:.0f} ms)"
        )

    progress("season: settling every game through the grader handler, then delivering every event again")
    settled = await season.settle(pool, handle, checkpoint=checkpoint, progress=progress)
    report["season"] = {**asdict(data), **asdict(settled)}
    progress("season: dating each grading on its game's night, rebuilding the rollups from the picks")
    report["season"]["redate_rebuild_s"] = await season.redate(pool)
    report["leaderboard"] = {"growth": growth, "season_start": data.first_day.isoformat()}
    return data


async def _copy_database(url: str) -> str | None:
    """Copy the database at `url` (nobody may be connected to it) and return the copy's URL; None if not allowed."""
    base, _, name = url.rpartition("/")
    copy = f"{name}_extended"
    conn = await asyncpg.connect(f"{base}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{copy}"')
        # FILE_COPY copies the files after a checkpoint instead of logging every page: seconds, not a minute.
        await conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}" STRATEGY FILE_COPY')
    except (asyncpg.InsufficientPrivilegeError, asyncpg.ObjectInUseError):
        # Not allowed to create databases, or someone else is connected to this one: no copy.
        return None
    finally:
        await conn.close()
    return f"{base}/{copy}"


async def _drop_database(url: str) -> None:
    base, _, name = url.rpartition("/")
    conn = await asyncpg.connect(f"{base}/postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def _boards_section(
    pool: asyncpg.Pool, url: str, data: season.Season, sizes: Sizes, progress: Progress, report: dict[str, Any]
) -> None:
    """Time the uncached boards on the season, and on a copy of it with more picks by the same players.

    Both are timed in turn in the same minutes. `pool` must be the only connection to `url`: it is closed while the
    database is copied (a user who may not create databases gets the two timed one after the other instead).
    """
    await pool.close()
    await close_pools(url)
    copy = await _copy_database(url)
    extended_url = copy or url
    progress(
        f"leaderboard: adding {sizes.extra_picks:,} graded picks by the same players"
        f"{' to a copy of the database' if copy else ''}, rebuilding the rollups (pickvs grade --recompute)"
        + ("" if copy else "; the database could not be copied, so the two are timed one after the other")
    )
    before = None
    extended = await create_pool(extended_url, min_size=1, max_size=4)
    try:
        if copy is None:
            # Timed before the extension, after what building the season left dirty is written out.
            await settle_writes(extended)
            before = await leaderboard.time_boards(url, season_start=data.first_day, repeat=sizes.board_repeat)
        report["leaderboard"]["extend_recompute_s"] = await season.extend(extended, picks=sizes.extra_picks)
        graded = await extended.fetchval("SELECT count(*) FROM pick WHERE status <> 'pending'")
        await settle_writes(extended)
        progress(
            "leaderboard: uncached answers for every window, sort and sport"
            + (", on both databases in turn" if copy else "")
        )
        if copy is None:
            after = await leaderboard.time_boards(url, season_start=data.first_day, repeat=sizes.board_repeat)
        else:
            before, after = await leaderboard.time_boards_in_turn(
                [url, copy], season_start=data.first_day, repeat=sizes.board_repeat
            )
        assert before is not None
        old = await leaderboard.time_old_query(extended, repeat=1)
    finally:
        await extended.close()
        await close_pools(url)
        if copy is not None:
            await close_pools(copy)
            await _drop_database(copy)
    report["leaderboard"]["at_season"] = _board_summary(before, data.picks)
    report["leaderboard"]["at_extended"] = _board_summary(after, graded)
    report["leaderboard"]["growth"].append(
        {
            "graded_picks": graded,
            # The same board as the season's checkpoints: all time, by units, every sport.
            "rollups_ms": next(
                c["p50_ms"]
                for c in report["leaderboard"]["at_extended"]["combinations"]
                if (c["window"], c["sort"], c["sport"]) == ("all", "units", None)
            ),
            "pick_scan_ms": old * 1000,
        }
    )
    progress(
        f"  slowest p50 {report['leaderboard']['at_season']['max_p50_ms']:.1f} ms at {data.picks:,} graded picks, "
        f"{report['leaderboard']['at_extended']['max_p50_ms']:.1f} ms at {graded:,}"
    )


async def _static_bodies(url: str, data: season.Season, directory: Path) -> None:
    """Write the bytes the static endpoints serve: the default leaderboard and one profile, as the app answers them."""
    from services.web.main import create_app

    app = create_app(leaderboard.web_settings(url, season_start=data.first_day))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        board = await client.get("/api/leaderboard")
        profile = await client.get("/api/users/player_1")
    for name, response in (("leaderboard", board), ("profile", profile)):
        if response.status_code != 200:
            raise RuntimeError(f"{name}: {response.status_code} {response.text[:200]}")
        (directory / f"{name}.json").write_bytes(response.content)


async def _web_section(
    pool: asyncpg.Pool,
    url: str,
    data: season.Season,
    sizes: Sizes,
    workdir: Path,
    progress: Progress,
    report: dict[str, Any],
) -> None:
    wrk_path = web.find_wrk()
    if wrk_path is None:
        raise RuntimeError("wrk is not installed: install it (Debian: apt-get install -y wrk) and run again")
    static_dir = workdir / "static"
    static_dir.mkdir(exist_ok=True)
    await _static_bodies(url, data, static_dir)
    env = {
        "PICKVS_ENV": "test",
        "PICKVS_JWT_SECRET": web.JWT_SECRET,
        "PICKVS_SEASON_START": data.first_day.isoformat(),
        "PICKVS_WEB_APP_DIR": str(workdir / "no-web-app"),
        "PICKVS_BENCH_STATIC_DIR": str(static_dir),
        "PICKVS_DB_POOL_MAX_SIZE": "10",
    }
    users = web.lines_script(
        workdir, "profiles", [f"/api/users/player_{n}" for n in range(1, sizes.profiles + 1)], post=False
    )
    runs = []
    for kind, workers in sizes.servers:
        production = (kind, workers) == PRODUCTION or len(sizes.servers) == 1
        wrk_rounds = sizes.production_wrk_rounds if production else sizes.wrk_rounds
        progress(
            f"hot reads: {kind} with {workers} worker(s), wrk {wrk_rounds} x {sizes.wrk_seconds} s per endpoint,"
            " 50 connections"
        )
        with web.running_server(kind, workers, url=url, env=env) as base:
            # Every worker's cache and pool warm before anything is timed: hot reads are measured in their steady state
            # (each worker keeps its own cache, so each builds every profile once).
            web.wrk(wrk_path, base, "/api/leaderboard", seconds=1)
            web.wrk(wrk_path, base, "/", seconds=3, script=users)
            # Each endpoint in rounds, the four taking turns, and the median of its rounds: a scheduling hiccup of this
            # shared machine (wrk runs on the same two cores) then shows in one round, not in the figure.
            endpoints = {
                "static_leaderboard": ("/bench/static/leaderboard", None),
                "leaderboard": ("/api/leaderboard", None),
                "static_profile": ("/bench/static/profile", None),
                "profile": ("/", users),
            }
            rounds = [
                {
                    name: web.wrk(wrk_path, base, path, seconds=sizes.wrk_seconds, script=script)
                    for name, (path, script) in endpoints.items()
                }
                for _ in range(wrk_rounds)
            ]
            results = {name: web.median_of([r[name] for r in rounds]) for name in endpoints}
            run: dict[str, Any] = {
                "server": kind,
                "workers": workers,
                **{k: v.as_dict() for k, v in results.items()},
                # Every round's own rate and p99, so a figure's spread can be read next to its median.
                "rounds": [
                    {name: {"requests_per_s": r.requests_per_s, "p99_ms": r.p99_ms} for name, r in one.items()}
                    for one in rounds
                ],
            }
            if production:
                run["picks"] = await _picks(pool, wrk_path, base, data, sizes, workdir, progress)
            runs.append(run)
            progress(
                "  req/s: static {:.0f}, leaderboard {:.0f}, profile {:.0f} (static {:.0f})".format(
                    results["static_leaderboard"].requests_per_s,
                    results["leaderboard"].requests_per_s,
                    results["profile"].requests_per_s,
                    results["static_profile"].requests_per_s,
                )
            )
    report["web"] = {"runs": runs, "production": {"server": PRODUCTION[0], "workers": PRODUCTION[1]}}


async def _picks(
    pool: asyncpg.Pool, wrk_path: str, base: str, data: season.Season, sizes: Sizes, workdir: Path, progress: Progress
) -> dict[str, Any]:
    games = await web.open_games(pool, sizes.open_games)
    first = await pool.fetchval('SELECT min(id) FROM "user"')
    half = sizes.slip_players // 2
    out: dict[str, Any] = {}
    for size, players in ((3, range(first, first + half)), (1, range(first + half, first + 2 * half))):
        progress(f"picks: {size}-pick slips for {sizes.picks_seconds} s")
        script = web.lines_script(
            workdir, f"slips{size}", web.slip_lines(list(players), games, picks_per_slip=size), post=True
        )
        before = await pool.fetchval("SELECT count(*) FROM pick WHERE game_id = ANY($1::bigint[])", games)
        result = web.wrk(wrk_path, base, "/api/picks", seconds=sizes.picks_seconds, script=script)
        stored = await pool.fetchval("SELECT count(*) FROM pick WHERE game_id = ANY($1::bigint[])", games) - before
        acknowledged = (result.requests - result.non_2xx) * size
        out[f"slips_of_{size}"] = {
            **result.as_dict(),
            "picks_per_s": result.requests_per_s * size,
            "acknowledged_picks": acknowledged,
            "stored_picks": stored,
            "lost": max(acknowledged - stored, 0),
        }
        progress(
            f"  {result.requests_per_s:.0f} slips/s = {result.requests_per_s * size:.0f} picks/s, "
            f"{result.non_2xx} errors, {max(acknowledged - stored, 0)} lost"
        )
    return out


async def _credits_section(pool: asyncpg.Pool, sizes: Sizes, progress: Progress, report: dict[str, Any]) -> None:
    from devstack.sqs import ensure_queues
    from pickvs.settings import BaseAppSettings
    from pickvs.sqs import close_sqs_clients, get_sqs_client

    settings = BaseAppSettings()
    await ensure_queues(settings)
    sqs = await get_sqs_client(settings)
    out: dict[str, Any] = {}
    try:
        for name, faults, budget, days in (
            ("clean", 0.0, 500, sizes.credit_days),
            ("faults", 0.3, credits.FAULT_BUDGET, sizes.fault_days),
        ):
            await empty_tables(pool)
            await pool.execute("TRUNCATE odds_api_call, outbox RESTART IDENTITY CASCADE")
            progress(f"credits: {days} days of an NBA season, {faults:.0%} injected failures, budget {budget}/month")
            result = await credits.run_season(pool, sqs, days=days, faults=faults, budget=budget)
            out[name] = {**asdict(result), "budget": budget, "faults": faults}
            progress(
                f"  max {result.max_per_game_day} credits a game day, {result.max_per_idle_day} an idle day, "
                f"months {result.per_month}, {result.seconds:.0f} s"
            )
    finally:
        await close_sqs_clients()
    report["credits"] = out


async def run_all(
    url: str, *, quick: bool, sections: tuple[str, ...], workdir: Path, progress: Progress
) -> dict[str, Any]:
    """Run the sections on the empty database at `url`; return everything they measured."""
    sizes = QUICK if quick else FULL
    # The grader handler and the web app read their settings from the environment, as a Lambda and a server do.
    os.environ.update(PICKVS_ENV="test", PICKVS_DATABASE_URL=url, PICKVS_JWT_SECRET=web.JWT_SECRET)
    report: dict[str, Any] = {"postgres": await _migrated(url), "sizes": asdict(sizes)}
    if "imports" in sections:
        progress("cold imports: each Lambda entry module in fresh processes")
        report["imports"] = [t.as_dict() for t in imports.measure(runs=3 if quick else 5)]
    pool = await create_pool(url, min_size=1, max_size=4)
    try:
        await refuse_non_empty(pool)
        if "settlement" in sections:
            report["settlement"] = []
            for shape in SHAPES:
                progress(f"settlement: one game of {sizes.settlement_picks:,} picks, {shape} shape")
                result = await run_settlement(pool, shape=shape, picks=sizes.settlement_picks)
                report["settlement"].append(result.as_dict())
                progress(
                    f"  final {result.final_s:.1f} s ({result.final_ratio:.2f}x), correction {result.correction_s:.1f}"
                    f" s ({result.correction_ratio:.2f}x), void {result.void_s:.1f} s ({result.void_ratio:.2f}x)"
                )
                await empty_tables(pool)
        if "season" in sections or "web" in sections:
            data = await _season_section(pool, url, sizes, progress, report)
            if "web" in sections:
                await _web_section(pool, url, data, sizes, workdir, progress, report)
            if "season" in sections:
                await _boards_section(pool, url, data, sizes, progress, report)
                pool = await create_pool(url, min_size=1, max_size=4)
            await empty_tables(pool)
        if "credits" in sections:
            await _credits_section(pool, sizes, progress, report)
            await empty_tables(pool)
    finally:
        await pool.close()
    return report
