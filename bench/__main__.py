"""`python -m bench` (`make bench`): settle one game of 1,000,000 picks in two shapes, print a table, write JSON.

It starts its own throwaway PostgreSQL (like the tests) unless PICKVS_BENCH_DATABASE_URL names an empty database.
Results go to bench/results/latest.json (not versioned).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from pydantic_settings import BaseSettings, SettingsConfigDict

from bench.settlement import (
    SHAPES,
    BenchDatabaseNotEmpty,
    SettlementReport,
    Shape,
    empty_tables,
    refuse_non_empty,
    run_settlement,
)
from pickvs.db import create_pool
from schema.migrate import migrate

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
DEFAULT_PICKS = 1_000_000
QUICK_PICKS = 50_000


class BenchSettings(BaseSettings):
    """Where to benchmark: an empty database of your own, or (unset) a throwaway embedded cluster."""

    model_config = SettingsConfigDict(env_prefix="PICKVS_BENCH_", extra="ignore")

    database_url: str | None = None


async def run(url: str, *, picks: int, shapes: tuple[Shape, ...]) -> dict[str, Any]:
    """Migrate the database at `url`, benchmark each shape on it, and return the report."""
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
        server_version = await conn.fetchval("SHOW server_version")
    finally:
        await conn.close()
    pool = await create_pool(url, min_size=1, max_size=2)
    reports: list[SettlementReport] = []
    try:
        await refuse_non_empty(pool)
        for shape in shapes:
            reports.append(await run_settlement(pool, shape=shape, picks=picks))
            await empty_tables(pool)
    finally:
        await pool.close()
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "postgres": server_version,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "settlement": [r.as_dict() for r in reports],
    }


def format_table(report: dict[str, Any]) -> str:
    """Render the settlement results as a fixed-width table: seconds, and × the baseline in brackets."""
    header = ("shape", "picks", "players", "baseline s", "final s (×)", "correction s (×)", "void s (×)", "recompute s")
    rows = [header]
    for r in report["settlement"]:
        rows.append(
            (
                r["shape"],
                f"{r['picks']:,}",
                f"{r['players']:,}",
                f"{r['baseline_s']:.2f}",
                f"{r['final_s']:.2f} ({r['final_ratio']:.2f})",
                f"{r['correction_s']:.2f} ({r['correction_ratio']:.2f})",
                f"{r['void_s']:.2f} ({r['void_ratio']:.2f})",
                f"{r['recompute_s']:.2f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [
        "baseline: a plain UPDATE of the game's picks and of their players, same rows, rolled back",
        f"PostgreSQL {report['postgres']}; every pick graded and totals == recompute: "
        + ("yes" if all(r["all_picks_graded"] and r["totals_match_recompute"] for r in report["settlement"]) else "NO"),
    ]
    return "\n".join([*lines, "", *notes])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; exit 1 if a run graded something wrong."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--picks", type=int, default=DEFAULT_PICKS, help="picks on the settled game (default 1,000,000)")
    size.add_argument("--quick", action="store_true", help=f"{QUICK_PICKS:,} picks: a smoke run in well under 30 s")
    parser.add_argument("--shape", choices=SHAPES, action="append", help="run only this shape (repeatable)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON report")
    args = parser.parse_args(argv)
    picks = QUICK_PICKS if args.quick else args.picks
    if picks < 3:
        parser.error("--picks must be at least 3")
    shapes: tuple[Shape, ...] = tuple(args.shape or SHAPES)

    url = BenchSettings().database_url
    cluster = None
    tmp: Path | None = None
    if url is None:
        from devstack.postgres import EmbeddedPostgres

        tmp = Path(tempfile.mkdtemp(prefix="pickvs-bench-"))
        # The cluster runs as an unprivileged user when we run as root: it must reach its directory.
        tmp.chmod(0o755)
        cluster = EmbeddedPostgres(tmp / "postgres", durable=False)
        url = cluster.start()
    try:
        report = asyncio.run(run(url, picks=picks, shapes=shapes))
    except BenchDatabaseNotEmpty as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    finally:
        if cluster is not None:
            cluster.stop()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(format_table(report))
    print(f"written to {args.output}")
    ok = all(r["all_picks_graded"] and r["totals_match_recompute"] for r in report["settlement"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
