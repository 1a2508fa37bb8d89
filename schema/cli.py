"""`pickvs db …`: database commands."""

from __future__ import annotations

import argparse
import asyncio

import asyncpg

from pickvs.cli import CliError, Subparsers
from pickvs.db import DatabaseNotConfigured, asyncpg_dsn, database_url
from pickvs.settings import BaseAppSettings
from schema.migrate import MigrationError, migrate_url


async def _migrate() -> list[str]:
    return await migrate_url(asyncpg_dsn(database_url(BaseAppSettings())))


def _run_migrate(_: argparse.Namespace) -> int:
    try:
        applied = asyncio.run(_migrate())
    except (DatabaseNotConfigured, MigrationError, OSError, asyncpg.PostgresError) as exc:
        raise CliError(str(exc)) from exc
    print("applied: " + ", ".join(applied) if applied else "database is up to date")
    return 0


def register(subparsers: Subparsers) -> None:
    """Add the database commands."""
    db = subparsers.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    cmd = db.add_parser("migrate", help="apply pending migrations (idempotent)")
    cmd.set_defaults(handler=_run_migrate)
