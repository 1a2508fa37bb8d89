"""The developer commands: `pickvs dev`, `pickvs demo seed` and `pickvs contracts export`.

`pickvs.cli` registers them only where devstack is installed. Each handler imports what it runs when it runs, so
`pickvs --help` loads neither the simulator nor the embedded stand-ins.
"""

from __future__ import annotations

import argparse
import json
import os
import socket

from pickvs.cli import CliError, Subparsers
from pickvs.settings import PROJECT_ROOT

DEFAULT_DEV_PORT = 8000


def _run_dev(args: argparse.Namespace) -> int:
    from devstack.dev import main

    # The stack runs every part with PICKVS_ENV=dev; a shell that asked for other rules gets them refused, not ignored.
    if os.environ.get("PICKVS_ENV", "dev") != "dev":
        raise CliError(f"the dev stack runs with PICKVS_ENV=dev only; this shell sets {os.environ['PICKVS_ENV']!r}")
    # Said explicitly for this process: the Lambda handlers it runs read their settings when imported, and unset means
    # production there.
    os.environ["PICKVS_ENV"] = "dev"
    port = args.port if args.port is not None else _default_port()
    # Checked before anything starts, so a busy port costs one line instead of a stack started and torn down.
    with socket.socket() as probe:
        try:
            probe.bind((args.host, port))
        except OSError as exc:
            raise CliError(
                f"cannot serve the API on {args.host}:{port} ({exc.strerror}); pass --port or set PICKVS_DEV_PORT"
            ) from None
    return main(args.host, port, demo=not args.no_demo)


def _default_port() -> int:
    value = os.environ.get("PICKVS_DEV_PORT", str(DEFAULT_DEV_PORT))
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise CliError(f"PICKVS_DEV_PORT must be a port number, got {value!r}")
    return int(value)


def _run_demo_seed(args: argparse.Namespace) -> int:
    from devstack.demo_seed import run_seed

    return run_seed(args)


def _export_contracts(args: argparse.Namespace) -> int:
    from contracts.events import event_json_schemas

    out = PROJECT_ROOT / "contracts" / "jsonschema"
    out.mkdir(exist_ok=True)
    for name, schema in event_json_schemas().items():
        (out / name).write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        print(f"wrote {(out / name).relative_to(PROJECT_ROOT)}")
    return 0


def register(subparsers: Subparsers) -> None:
    """Add the developer commands."""
    dev = subparsers.add_parser("dev", help="run the whole system locally (embedded Postgres, SQS, simulator)")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=None, help=f"default PICKVS_DEV_PORT, else {DEFAULT_DEV_PORT}")
    dev.add_argument("--no-demo", action="store_true", help="real time instead of the compressed demo slate")
    dev.set_defaults(handler=_run_dev)
    demo = subparsers.add_parser("demo", help="demo data for dev").add_subparsers(dest="demo_command", required=True)
    demo.add_parser(
        "seed", help="create demo players and weeks of graded history (dev only, empty database)"
    ).set_defaults(handler=_run_demo_seed)
    contracts = subparsers.add_parser("contracts", help="event contracts").add_subparsers(
        dest="contracts_command", required=True
    )
    contracts.add_parser("export", help="write the events' JSON Schemas to contracts/jsonschema/").set_defaults(
        handler=_export_contracts
    )
