"""The report's charts as PNG: leaderboard time against graded picks, settlement time against a game's picks."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def draw(report: dict[str, Any], directory: Path) -> list[Path]:
    """Write the charts the report has data for into `directory`; return their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    board = report.get("leaderboard")
    if board and board.get("growth"):
        points = sorted(board["growth"], key=lambda p: p["graded_picks"])
        fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
        picks = [p["graded_picks"] / 1e6 for p in points]
        ax.plot(picks, [p["pick_scan_ms"] for p in points], "o-", label="aggregating every graded pick (before)")
        ax.plot(picks, [p["rollups_ms"] for p in points], "o-", label="from the rollups (now)")
        ax.axhline(50, color="grey", linestyle=":", label="target: 50 ms")
        ax.set_xlabel("graded picks (millions), 100,000 players")
        ax.set_ylabel("uncached all-time board, ms")
        ax.set_yscale("log")
        ax.set_title("Leaderboard time against graded picks")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        fig.tight_layout()
        path = directory / "leaderboard-vs-picks.png"
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    season = report.get("season")
    settlement = report.get("settlement")
    if season or settlement:
        fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
        if season:
            sizes = season["picks_per_game"]
            per_batch = [sum(sizes[i : i + 10]) for i in range(0, len(sizes), 10)]
            ax.scatter(
                per_batch,
                season["seconds_per_batch"],
                s=8,
                alpha=0.5,
                label="season: a handler batch of 10 games (first delivery)",
            )
        markers = {"final": "o", "correction": "s", "void": "^"}
        for shape in settlement or []:
            for kind, marker in markers.items():
                ax.scatter(
                    [shape["picks"]],
                    [shape[f"{kind}_s"]],
                    marker=marker,
                    s=40,
                    label=f"one game, {shape['shape']}, {kind}",
                )
                ax.scatter(
                    [shape["picks"]],
                    [shape["baseline_s"] if kind == "final" else shape[f"{kind}_baseline_s"]],
                    marker=marker,
                    s=40,
                    facecolors="none",
                    edgecolors="grey",
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("picks settled")
        ax.set_ylabel("seconds")
        ax.set_title("Settlement time against picks (hollow: plain write of the same rows)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = directory / "settlement-vs-picks.png"
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written
