"""The benchmark harness, end to end on tiny sizes: every section but the wrk-driven one runs, grades correctly and
reports what it promises, and the targets and the table are built from its report.

Only correctness is asserted here; speed is reported by `make bench`, never asserted in a test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import asyncpg
import httpx
import pytest

from bench.report import format_report, targets
from bench.run import QUICK, _copy_database, _drop_database, run_all
from bench.settlement import SHAPES
from bench.web import median_of, parse_wrk
from bench.webapp import StaticBytes
from pickvs.db import close_pools

_WRK_OUTPUT = """Running 8s test @ http://127.0.0.1:40000/api/leaderboard
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.52ms    2.10ms  40.11ms   91.00%
    Req/Sec    18.10k     1.20k   20.00k    70.00%
  Latency Distribution
     50%  810.00us
     75%    1.40ms
     90%    3.10ms
     99%   12.50ms
  288000 requests in 8.00s, 2.40GB read
  Non-2xx or 3xx responses: 3
Requests/sec:  36000.00
Transfer/sec:    300.00MB
"""


@pytest.fixture
async def bench_url(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    """An empty database of its own: the benchmark copies it, which nobody else may be connected to."""
    monkeypatch.setenv("PICKVS_DATABASE_URL", pg_url)  # run_all points it at its database; restored afterwards
    base = pg_url.rpartition("/")[0]
    admin = await asyncpg.connect(f"{base}/postgres")
    try:
        await admin.execute("DROP DATABASE IF EXISTS bench_quick WITH (FORCE)")
        await admin.execute("CREATE DATABASE bench_quick")
        yield f"{base}/bench_quick"
        await close_pools(f"{base}/bench_quick")
        await admin.execute("DROP DATABASE bench_quick WITH (FORCE)")
    finally:
        await admin.close()


async def test_the_quick_benchmark_runs_every_section_and_its_checks_hold(
    bench_url: str, sqs_endpoint: object, tmp_path: Path
) -> None:
    # GIVEN an empty database and the embedded SQS
    sections = ("imports", "settlement", "season", "credits")
    progress: list[str] = []

    # WHEN the benchmark runs its sections on tiny sizes
    report = await run_all(bench_url, quick=True, sections=sections, workdir=tmp_path, progress=progress.append)

    # THEN each settlement shape graded every pick and its totals and rollups equal a recompute
    assert [r["shape"] for r in report["settlement"]] == list(SHAPES)
    for result in report["settlement"]:
        assert result["all_picks_graded"] and result["totals_match_recompute"]
        assert result["picks_written_final"] == result["picks_regraded_void"] == QUICK.settlement_picks
        assert all(result[k] > 0 for k in ("baseline_s", "correction_baseline_s", "void_baseline_s", "final_ratio"))
    # AND the season went through the grader handler: no record failed, and delivering it again changed nothing
    assert report["season"]["failures"] == 0 and report["season"]["redelivery_changed_nothing"]
    assert sum(report["season"]["picks_per_game"]) == report["season"]["picks"]
    # AND the board was timed for every window, sort and sport, on the season and on the extended season
    for key in ("at_season", "at_extended"):
        assert len(report["leaderboard"][key]["combinations"]) == 4 * 4 * 2
    assert report["leaderboard"]["at_extended"]["graded_picks"] > report["leaderboard"]["at_season"]["graded_picks"]
    # AND every entry module was imported, and the clean credit season spent on game days only
    assert {t["module"] for t in report["imports"]} >= {"services.fetcher.handler", "services.grader.handler"}
    clean = report["credits"]["clean"]
    assert clean["game_days"] > 0 and clean["max_per_idle_day"] == 0 and clean["ledger"] == clean["charged"]
    # AND the targets and the table are built from the report
    report.update(machine={"cpus": 2}, wall_seconds=1.0, quick=True)
    report["targets"] = targets(report)
    names = {t["target"] for t in report["targets"]}
    assert "season: redelivery changed nothing, no record failed" in names and "credits per idle day (max)" in names
    assert "settle crowd void (x plain write)" in format_report(report)
    # AND the extended boards were built in a copy of the database, timed in turn with the season's, and dropped
    assert any("to a copy of the database" in line for line in progress)
    assert any("on both databases in turn" in line for line in progress)
    # AND it leaves the database as empty as it found it, and no copy behind
    conn = await asyncpg.connect(bench_url)
    try:
        assert await conn.fetchval('SELECT count(*) FROM "user"') == 0
        assert await conn.fetchval("SELECT count(*) FROM pg_database WHERE datname LIKE 'bench_quick_%'") == 0
    finally:
        await conn.close()


async def test_a_database_is_copied_only_when_nobody_else_is_connected_and_the_role_may_create_databases(
    bench_url: str,
) -> None:
    # GIVEN a database holding a row
    conn = await asyncpg.connect(bench_url)
    await conn.execute("CREATE TABLE t (n int); INSERT INTO t VALUES (7)")
    # WHEN it is copied while someone is connected to it, THEN there is no copy
    assert await _copy_database(bench_url) is None
    await conn.close()
    # WHEN it is copied by a role that may not create databases, THEN there is no copy
    base = bench_url.rpartition("/")[0]
    admin = await asyncpg.connect(f"{base}/postgres")
    try:
        await admin.execute("DROP ROLE IF EXISTS bench_reader; CREATE ROLE bench_reader LOGIN")
        assert await _copy_database(bench_url.replace("://postgres@", "://bench_reader@")) is None
        # WHEN nobody is connected and the role may, THEN the copy holds the same rows, and is dropped again
        copy = await _copy_database(bench_url)
        assert copy is not None and copy != bench_url
        copied = await asyncpg.connect(copy)
        assert await copied.fetchval("SELECT n FROM t") == 7
        await copied.close()
        await _drop_database(copy)
        assert not await admin.fetchval("SELECT count(*) FROM pg_database WHERE datname = $1", copy.rpartition("/")[2])
    finally:
        await admin.execute("DROP ROLE IF EXISTS bench_reader")
        await admin.close()


def test_wrk_reports_are_read_for_rate_latency_and_errors() -> None:
    result = parse_wrk("/api/leaderboard", _WRK_OUTPUT)
    assert (result.requests_per_s, result.p50_ms, result.p99_ms) == (36000.0, 0.81, 12.5)
    assert (result.requests, result.non_2xx, result.socket_errors) == (288000, 3, 0)


def test_rounds_of_one_endpoint_report_their_median_rate_and_latency_and_every_request() -> None:
    one = parse_wrk("/api/leaderboard", _WRK_OUTPUT)
    hiccup = replace(one, requests_per_s=9000.0, p99_ms=80.0, requests=72000, non_2xx=1)
    fast = replace(one, requests_per_s=40000.0, p50_ms=0.7, p99_ms=10.0)
    result = median_of([one, hiccup, fast])
    assert (result.requests_per_s, result.p50_ms, result.p99_ms) == (36000.0, 0.81, 12.5)
    assert (result.requests, result.non_2xx) == (288000 * 2 + 72000, 3 + 1 + 3)


async def test_the_static_endpoints_answer_their_bytes_and_pass_everything_else_on() -> None:
    async def app(scope: dict, receive: object, send: object) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": b""})  # type: ignore[operator]

    static = StaticBytes(app, bodies={"/bench/static/leaderboard": b'{"entries":[]}'})  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=static), base_url="http://b") as client:
        served = await client.get("/bench/static/leaderboard")
        passed = await client.get("/api/leaderboard")
    assert served.content == b'{"entries":[]}' and served.headers["content-type"] == "application/json"
    assert passed.status_code == 204
