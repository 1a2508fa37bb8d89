"""Run the simulator standalone: `python -m devstack.odds_simulator --port 8765 [--demo]` prints its base URL."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from datetime import UTC, datetime

from devstack.odds_simulator import OddsApiSimulator, Slate


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack.odds_simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--demo", action="store_true", help="a compressed slate: six games final within ~10 minutes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=40, help="length of the season slate")
    parser.add_argument("--api-key", action="append", dest="api_keys", help="accepted key (repeatable); sim-key")
    parser.add_argument("--quota", type=int, default=500, help="monthly usage credits")
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    now = datetime.now(UTC)
    slate = Slate.demo(now, seed=args.seed) if args.demo else Slate.nba_season(now, days=args.days, seed=args.seed)
    simulator = OddsApiSimulator(
        api_keys=args.api_keys or ("sim-key",), monthly_quota=args.quota, slate=slate, seed=args.seed
    )
    base_url = await simulator.start(args.host, args.port)
    # stdout carries only the URL so an orchestrator can read it; the rest goes to stderr.
    print(base_url, flush=True)
    print(f"{len(slate.games)} games, keys {sorted(args.api_keys or ['sim-key'])}, quota {args.quota}", file=sys.stderr)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await simulator.stop()


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and serve until SIGINT or SIGTERM."""
    asyncio.run(_serve(_parse_args(argv)))


if __name__ == "__main__":
    main()
