"""The targets of issue 12 checked against a report, and the report as a table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

IMPORT_MS = 300
BOARD_P50_MS = 50
BOARD_GROWTH = 1.3
CACHED_SHARE = 0.7
CACHED_P99 = 1.5
PROFILE_SHARE = 0.5
PICKS_PER_S = 1_000
ONE_PICK_SLIPS_PER_S = 500
SETTLE_RATIO = 1.5
REDELIVERY_SHARE = 0.10
CREDITS_GAME_DAY = 5
CREDITS_MONTH = 150
WALL_MINUTES = 15


def _check(name: str, value: float | str, target: str, met: bool) -> dict[str, Any]:
    return {"target": name, "value": value, "goal": target, "met": bool(met)}


def _production_run(report: dict[str, Any]) -> dict[str, Any] | None:
    web = report.get("web")
    if not web:
        return None
    chosen = web["production"]
    for run in web["runs"]:
        if (run["server"], run["workers"]) == (chosen["server"], chosen["workers"]):
            return dict(run)
    return dict(web["runs"][0])


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target the report holds a measurement for, with its value and whether it was met."""
    checks: list[dict[str, Any]] = []
    for timing in report.get("imports", []):
        checks.append(
            _check(
                f"cold import {timing['module']} (median ms)",
                round(timing["median_ms"]),
                f"<= {IMPORT_MS}",
                timing["median_ms"] <= IMPORT_MS,
            )
        )
    for shape in report.get("settlement", []):
        for kind in ("final", "correction", "void"):
            ratio = shape[f"{kind}_ratio"]
            checks.append(
                _check(
                    f"settle {shape['shape']} {kind} (x plain write)",
                    round(ratio, 2),
                    f"<= {SETTLE_RATIO}",
                    ratio <= SETTLE_RATIO,
                )
            )
        checks.append(
            _check(
                f"settle {shape['shape']}: totals and rollups equal a recompute",
                "yes" if shape["totals_match_recompute"] else "no",
                "yes",
                shape["totals_match_recompute"] and shape["all_picks_graded"],
            )
        )
    season = report.get("season")
    if season:
        share = season["redelivery_s"] / season["first_s"]
        checks.append(
            _check(
                "season: redelivery (share of first settle)",
                round(share, 3),
                f"<= {REDELIVERY_SHARE}",
                share <= REDELIVERY_SHARE,
            )
        )
        checks.append(
            _check(
                "season: redelivery changed nothing, no record failed",
                "yes" if season["redelivery_changed_nothing"] and not season["failures"] else "no",
                "yes",
                season["redelivery_changed_nothing"] and not season["failures"],
            )
        )
    board = report.get("leaderboard")
    if board and "at_season" in board:
        for key in ("at_season", "at_extended"):
            if key in board:
                at = board[key]
                checks.append(
                    _check(
                        f"uncached board p50, slowest combination, {at['graded_picks']:,} picks (ms)",
                        round(at["max_p50_ms"], 1),
                        f"<= {BOARD_P50_MS}",
                        at["max_p50_ms"] <= BOARD_P50_MS,
                    )
                )
        if "at_extended" in board:
            growth = board["at_extended"]["sum_p50_ms"] / board["at_season"]["sum_p50_ms"]
            checks.append(
                _check(
                    "uncached board growth, 1M to 4M picks (x)",
                    round(growth, 2),
                    f"<= {BOARD_GROWTH}",
                    growth <= BOARD_GROWTH,
                )
            )
    run = _production_run(report)
    if run:
        label = f"{run['server']} x{run['workers']}"
        share = run["leaderboard"]["requests_per_s"] / run["static_leaderboard"]["requests_per_s"]
        p99 = run["leaderboard"]["p99_ms"] / run["static_leaderboard"]["p99_ms"]
        checks.append(
            _check(
                f"cached board req/s vs static ({label})", round(share, 2), f">= {CACHED_SHARE}", share >= CACHED_SHARE
            )
        )
        checks.append(
            _check(f"cached board p99 vs static ({label})", round(p99, 2), f"<= {CACHED_P99}", p99 <= CACHED_P99)
        )
        share = run["profile"]["requests_per_s"] / run["static_profile"]["requests_per_s"]
        checks.append(
            _check(f"profile req/s vs static ({label})", round(share, 2), f">= {PROFILE_SHARE}", share >= PROFILE_SHARE)
        )
        picks = run.get("picks")
        if picks:
            three, one = picks["slips_of_3"], picks["slips_of_1"]
            checks.append(
                _check(
                    "picks/s in 3-pick slips",
                    round(three["picks_per_s"]),
                    f">= {PICKS_PER_S}",
                    three["picks_per_s"] >= PICKS_PER_S,
                )
            )
            checks.append(
                _check(
                    "1-pick slips/s",
                    round(one["requests_per_s"]),
                    f">= {ONE_PICK_SLIPS_PER_S}",
                    one["requests_per_s"] >= ONE_PICK_SLIPS_PER_S,
                )
            )
            bad = sum(p["non_2xx"] + p["socket_errors"] + p["lost"] for p in (three, one))
            checks.append(_check("pick submission errors + lost", bad, "0", bad == 0))
    credit = report.get("credits")
    if credit:
        clean = credit["clean"]
        checks.append(
            _check(
                "credits per game day (max)",
                clean["max_per_game_day"],
                f"<= {CREDITS_GAME_DAY}",
                clean["max_per_game_day"] <= CREDITS_GAME_DAY,
            )
        )
        checks.append(
            _check("credits per idle day (max)", clean["max_per_idle_day"], "0", clean["max_per_idle_day"] == 0)
        )
        month = max(clean["per_month"].values(), default=0)
        checks.append(_check("credits per month (max)", month, f"<= {CREDITS_MONTH}", month <= CREDITS_MONTH))
        faulty = credit["faults"]
        fine = (
            not faulty["over_budget_months"]
            and faulty["paid_after_refusal"] == 0
            and faulty["charged"] == faulty["ledger"]
        )
        checks.append(
            _check(
                "30% faults: over budget months / paid refused runs",
                f"{len(faulty['over_budget_months'])} / {faulty['paid_after_refusal']}",
                "0 / 0",
                fine,
            )
        )
    if "wall_seconds" in report and not report.get("quick"):
        minutes = report["wall_seconds"] / 60
        checks.append(
            _check("make bench wall time (min)", round(minutes, 1), f"<= {WALL_MINUTES}", minutes <= WALL_MINUTES)
        )
    return checks


def _table(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def format_report(report: dict[str, Any]) -> str:
    """Render the targets, the settlement seconds and the servers compared as fixed-width tables."""
    out = [
        f"PostgreSQL {report.get('postgres')}; {report['machine']['cpus']} CPUs; "
        f"{report['wall_seconds'] / 60:.1f} min"
        + (" (quick: tiny sizes, targets not meaningful)" if report.get("quick") else "")
    ]
    out += [
        "",
        *_table(
            [
                ("target", "value", "goal", "met"),
                *((c["target"], str(c["value"]), c["goal"], "yes" if c["met"] else "NO") for c in report["targets"]),
            ]
        ),
    ]
    if report.get("settlement"):
        rows = [
            ("shape", "picks", "players", "baseline s", "final s (x)", "correction s (x)", "void s (x)", "recompute s")
        ]
        for r in report["settlement"]:
            rows.append(
                (
                    r["shape"],
                    f"{r['picks']:,}",
                    f"{r['players']:,}",
                    f"{r['baseline_s']:.2f}/{r['correction_baseline_s']:.2f}/{r['void_baseline_s']:.2f}",
                    f"{r['final_s']:.2f} ({r['final_ratio']:.2f})",
                    f"{r['correction_s']:.2f} ({r['correction_ratio']:.2f})",
                    f"{r['void_s']:.2f} ({r['void_ratio']:.2f})",
                    f"{r['recompute_s']:.2f}",
                )
            )
        out += [
            "",
            *_table(rows),
            "baseline: the plain write of the rows each event writes (picks, players, their rollup rows), rolled back",
        ]
    if report.get("web"):
        servers: list[tuple[str, ...]] = [
            ("server", "static req/s", "board req/s", "board p99 ms (static)", "static profile req/s", "profile req/s")
        ]
        for r in report["web"]["runs"]:
            servers.append(
                (
                    f"{r['server']} x{r['workers']}",
                    f"{r['static_leaderboard']['requests_per_s']:.0f}",
                    f"{r['leaderboard']['requests_per_s']:.0f}",
                    f"{r['leaderboard']['p99_ms']:.1f} ({r['static_leaderboard']['p99_ms']:.1f})",
                    f"{r['static_profile']['requests_per_s']:.0f}",
                    f"{r['profile']['requests_per_s']:.0f}",
                )
            )
        out += ["", *_table(servers)]
    return "\n".join(out)


def markdown(report: dict[str, Any]) -> str:
    """The report's targets, settlement and servers as Markdown tables (docs/performance.md holds the latest)."""

    def table(rows: Sequence[tuple[str, ...]]) -> list[str]:
        return [
            "| " + " | ".join(rows[0]) + " |",
            "|" + "---|" * len(rows[0]),
            *("| " + " | ".join(row) + " |" for row in rows[1:]),
        ]

    out = table(
        [("target", "measured", "goal", "met")]
        + [(c["target"], str(c["value"]), c["goal"], "yes" if c["met"] else "**no**") for c in report["targets"]]
    )
    if report.get("settlement"):
        rows: list[tuple[str, ...]] = [("shape", "picks", "players", "event", "baseline s", "settlement s", "ratio")]
        for r in report["settlement"]:
            for kind, base in (
                ("final", "baseline_s"),
                ("correction", "correction_baseline_s"),
                ("void", "void_baseline_s"),
            ):
                rows.append(
                    (
                        r["shape"],
                        f"{r['picks']:,}",
                        f"{r['players']:,}",
                        kind,
                        f"{r[base]:.1f}",
                        f"{r[f'{kind}_s']:.1f}",
                        f"{r[f'{kind}_ratio']:.2f}",
                    )
                )
        out += ["", *table(rows)]
    if report.get("web"):
        servers: list[tuple[str, ...]] = [
            (
                "server",
                "static req/s",
                "cached board req/s",
                "p99 ms board (static)",
                "static profile req/s",
                "profile req/s",
                "3-pick slips/s",
                "1-pick slips/s",
            )
        ]
        for r in report["web"]["runs"]:
            picks = r.get("picks", {})
            servers.append(
                (
                    f"{r['server']} ×{r['workers']}",
                    f"{r['static_leaderboard']['requests_per_s']:,.0f}",
                    f"{r['leaderboard']['requests_per_s']:,.0f}",
                    f"{r['leaderboard']['p99_ms']:.1f} ({r['static_leaderboard']['p99_ms']:.1f})",
                    f"{r['static_profile']['requests_per_s']:,.0f}",
                    f"{r['profile']['requests_per_s']:,.0f}",
                    f"{picks['slips_of_3']['requests_per_s']:,.0f}" if picks else "",
                    f"{picks['slips_of_1']['requests_per_s']:,.0f}" if picks else "",
                )
            )
        out += ["", *table(servers)]
    board = report.get("leaderboard")
    if board and "at_season" in board:
        windows: list[tuple[str, ...]] = [
            (
                "window",
                *(f"p50 ms at {board[k]['graded_picks']:,} picks" for k in ("at_season", "at_extended") if k in board),
            )
        ]
        for window in board["at_season"]["p50_by_window_ms"]:
            windows.append(
                (
                    window,
                    *(
                        f"{board[k]['p50_by_window_ms'][window]:.1f}"
                        for k in ("at_season", "at_extended")
                        if k in board
                    ),
                )
            )
        out += ["", "Slowest p50 of each window over its sorts and sports:", "", *table(windows)]
    return "\n".join(out)


if __name__ == "__main__":
    import json
    import sys
    from pathlib import Path

    print(markdown(json.loads(Path(sys.argv[1]).read_text())))
