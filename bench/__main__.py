"""`python -m bench` (`make bench`): every performance target of issue 12, measured against its baseline in one run.

Sections, in order (each prints its progress):
1. cold imports of the Lambda entry modules (fresh processes);
2. settlement of one 1,000,000-pick game in two shapes against a plain write of the same rows;
3. the season shape: 100,000 players and 1,000,000 picks over 1,230 games settled through the grader's Lambda handler
   and delivered again, uncached leaderboard answers (then on 4,000,000 picks);
4. hot reads and pick submission against a real server under wrk, each read against a static endpoint serving the
   same bytes on the same server, for uvicorn and granian with 1 and 2 workers;
5. a simulated NBA season of Odds API credits, clean and with 30 % injected failures.

It starts its own throwaway PostgreSQL and SQS (like the tests) unless PICKVS_BENCH_DATABASE_URL names an empty
database. It prints a table, writes JSON (bench/results/latest.json, not versioned) and, for a full run, the charts
in docs/performance/, and exits 1 when a target is missed (2 when it could not run). `--quick` runs every section on
tiny sizes in well under a minute (the test suite runs it as a smoke test).
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
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict

from bench.report import format_report, targets

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
CHARTS = Path(__file__).resolve().parent.parent / "docs" / "performance"


class BenchSettings(BaseSettings):
    """Where to benchmark: an empty database of your own, or (unset) a throwaway embedded cluster."""

    model_config = SettingsConfigDict(env_prefix="PICKVS_BENCH_", extra="ignore")

    database_url: str | None = None


def _progress(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


async def _run(url: str, *, quick: bool, sections: tuple[str, ...], workdir: Path) -> dict[str, Any]:
    from bench.run import run_all  # imports the app and the grader: after argument errors, not before
    from pickvs.db import close_pools

    try:
        return await run_all(url, quick=quick, sections=sections, workdir=workdir, progress=_progress)
    finally:
        await close_pools()  # the grader handler's own pool


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; exit 1 if a target was missed."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run of every section")
    parser.add_argument(
        "--only",
        action="append",
        choices=("imports", "settlement", "season", "web", "credits"),
        help="run only this section (repeatable); the season section's data is built for web if needed",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON report")
    parser.add_argument(
        "--charts", type=Path, default=None, help="where to write the PNG charts (full run default: docs/performance/)"
    )
    args = parser.parse_args(argv)
    sections = tuple(args.only or ("imports", "settlement", "season", "web", "credits"))
    charts = args.charts or (None if args.quick else CHARTS)

    started = time.perf_counter()
    url = BenchSettings().database_url
    cluster = sqs = None
    tmp = Path(tempfile.mkdtemp(prefix="pickvs-bench-"))
    # The cluster runs as an unprivileged user when we run as root: it must reach its directory.
    tmp.chmod(0o755)
    try:
        if url is None:
            from devstack.postgres import EmbeddedPostgres

            _progress("starting a throwaway PostgreSQL")
            cluster = EmbeddedPostgres(tmp / "postgres", durable=False)
            url = cluster.start()
        if {"web", "credits"} & set(sections) or "season" in sections:
            from devstack.sqs import EmbeddedSqs

            sqs = EmbeddedSqs()
            os.environ["PICKVS_SQS_ENDPOINT_URL"] = sqs.start()
        report = asyncio.run(_run(url, quick=args.quick, sections=sections, workdir=tmp))
    except RuntimeError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    finally:
        if sqs is not None:
            sqs.stop()
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    report["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "load_average_at_end": list(os.getloadavg()),
    }
    report["quick"] = args.quick
    report["wall_seconds"] = time.perf_counter() - started
    checks = targets(report)
    report["targets"] = checks
    if charts is not None:
        from bench.charts import draw

        report["charts"] = [str(p) for p in draw(report, charts)]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(format_report(report))
    print(f"written to {args.output}")
    missed = [c for c in checks if not c["met"]]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
