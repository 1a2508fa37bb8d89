"""The `pickvs` command: one entry point; each area registers its own subcommands.

Subcommand modules are imported only when the CLI runs, so this runtime package never depends on a service at import.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Each module defines `register(subparsers)`; its handlers return the process exit code.
COMMAND_MODULES: tuple[str, ...] = (
    "schema.cli",
    "devstack.cli",
    "services.grader.cli",
    "devstack.demo_seed",
    "services.fetcher.cli",
)


class CliError(Exception):
    """A failure to report as one clear line and a non-zero exit, without a traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pickvs", description="PickVs operations.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments and run the chosen command."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except CliError as exc:
        print(f"pickvs {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
