"""The `pickvs` command: one entry point; each area registers its own subcommands.

Subcommand modules are imported only when the CLI runs, so this runtime package never depends on a service at import.
The developer commands (`dev`, `demo`, `contracts`) live in devstack/ and are added only where devstack is installed;
production code never imports it.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from typing import TypeAlias

# Each module defines `register(subparsers)`; its handlers return the process exit code.
COMMAND_MODULES: tuple[str, ...] = ("schema.cli", "services.grader.cli", "services.fetcher.cli")
DEV_COMMAND_MODULE = "devstack.cli"

# What each module's `register` receives (a string: argparse's class is generic only to type checkers).
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class CliError(Exception):
    """A failure to report as one clear line and a non-zero exit, without a traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _devstack_installed() -> bool:
    try:
        return importlib.util.find_spec("devstack") is not None
    except ValueError:  # a stand-in module without a spec (tests hide devstack this way)
        return False


def build_parser() -> argparse.ArgumentParser:
    """Build the parser with every area's subcommands (the developer ones only where devstack is installed)."""
    parser = argparse.ArgumentParser(prog="pickvs", description="PickVs operations.")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    modules = COMMAND_MODULES + ((DEV_COMMAND_MODULE,) if _devstack_installed() else ())
    for module in modules:
        importlib.import_module(module).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments and run the chosen command."""
    from pydantic import ValidationError

    from pickvs.settings import SettingsError, one_line

    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except CliError as exc:
        print(f"pickvs {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except SettingsError as exc:
        print(f"pickvs {args.command}: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        if exc.title.endswith("Settings"):  # a settings class, not a model the command was validating
            print(f"pickvs {args.command}: {one_line(exc)}", file=sys.stderr)
            return 2
        raise
    except Exception as exc:
        from pickvs.sqs import unreachable

        # botocore's report of an unreachable endpoint runs to a hundred lines; the cause fits in one.
        line = unreachable(exc)
        if line is None:
            raise
        print(f"pickvs {args.command}: {line}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    # Run the imported module's main, not this __main__ copy, so the errors commands raise are the ones caught.
    from pickvs.cli import main as _main

    sys.exit(_main())
