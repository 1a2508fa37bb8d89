"""The settlement benchmark, end to end on a tiny game: it grades everything correctly and reports what it promises.

Only correctness is asserted here; speed is reported by `make bench` as ratios, never asserted in a test.
"""

from __future__ import annotations

import asyncpg

from bench.__main__ import format_table, run
from bench.settlement import CROWD_HISTORY_PER_PLAYER, SHAPES

_TIMINGS = {"generate_s", "baseline_s", "final_s", "correction_s", "void_s", "recompute_s"}
_RATIOS = {"final_ratio", "correction_ratio", "void_ratio"}


async def test_the_quick_settlement_benchmark_grades_every_pick_and_reports_timings_and_ratios(
    db: asyncpg.Pool, pg_url: str
) -> None:
    # GIVEN an empty migrated database and a tiny game (2,000 picks) in each shape
    picks = 2_000

    # WHEN the benchmark runs end to end
    report = await run(pg_url, picks=picks, shapes=SHAPES)

    # THEN each shape graded all its picks (final), re-graded them (correction, void), and its totals equal a recompute
    assert [r["shape"] for r in report["settlement"]] == list(SHAPES)
    for result in report["settlement"]:
        assert result.keys() >= _TIMINGS | _RATIOS
        assert all(result[k] > 0 for k in _TIMINGS | _RATIOS)
        assert result["all_picks_graded"] and result["totals_match_recompute"]
        assert result["picks_written_final"] == picks
        assert result["picks_regraded_void"] == picks
        # The correction flips the winner: moneyline and most spread results change, totals (same sum) do not.
        assert 0 < result["picks_regraded_correction"] < picks
    distinct, crowd = report["settlement"]
    assert (distinct["players"], distinct["users_updated_final"], distinct["history_picks"]) == (picks, picks, 0)
    assert crowd["players"] == -(-picks // 3)
    assert crowd["history_picks"] == CROWD_HISTORY_PER_PLAYER * crowd["players"]
    assert "distinct" in format_table(report) and "every pick graded and totals == recompute: yes" in format_table(
        report
    )
    # AND it leaves the database as empty as it found it
    assert await db.fetchval('SELECT count(*) FROM "user"') == 0
