"""`pickvs fetch-odds`, `fetch-scores`, `fetch-closing` and `quota`: run a stage of ingestion now.

With PICKVS_ODDS_API_KEY the fetch commands call the API at PICKVS_ODDS_API_BASE_URL; without one, in dev, the
simulator of a running `make dev` stack (`pickvs.settings` reads its record). Either way the budget guard and the
ledger apply exactly as on the schedule.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

from pickvs.cli import CliError, Subparsers

T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine, turning a missing stack or database into one clear line."""
    from pickvs.db import DatabaseNotConfigured
    from pickvs.sqs import SqsNotConfigured
    from services.fetcher.resources import OddsApiNotConfigured

    try:
        return asyncio.run(coroutine)
    except (DatabaseNotConfigured, OddsApiNotConfigured, SqsNotConfigured) as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot reach the database or SQS: {exc}") from None


def _settings(args: argparse.Namespace, *, reads_ledger_only: bool = False) -> Any:
    from pickvs.settings import load_settings
    from services.fetcher.settings import FetcherSettings, LedgerSettings

    settings = load_settings(LedgerSettings if reads_ledger_only else FetcherSettings)
    if getattr(args, "sport", None):
        settings = settings.model_copy(update={"sports": args.sport})
    return settings


def _run_job(job_name: str, args: argparse.Namespace) -> int:
    from services.fetcher.jobs import JOBS
    from services.fetcher.report import JobReport
    from services.fetcher.resources import open_fetcher
    from services.fetcher.schedules import Job

    settings = _settings(args)

    async def run() -> JobReport:
        async with open_fetcher(settings) as fetcher:
            return await JOBS[Job(job_name)](fetcher)

    report = _run(run())
    print("\n".join(report.lines()))
    if report.aborted:
        raise CliError(report.aborted)
    return 0 if report.ok else 1


def _quota(args: argparse.Namespace) -> int:
    from pickvs.db import create_pool, database_url
    from services.fetcher.quota import quota_report, render

    # The quota only reads the ledger, which is kept per base URL: no key is needed to read it, even in production.
    settings = _settings(args, reads_ledger_only=True)

    async def run() -> list[str]:
        pool = await create_pool(database_url(settings), min_size=1, max_size=2)
        try:
            return render(await quota_report(pool, settings=settings, now=datetime.now(UTC)))
        finally:
            await pool.close()

    print("\n".join(_run(run())))
    return 0


def _drain_outbox(args: argparse.Namespace) -> int:
    from pickvs.db import create_pool, database_url
    from pickvs.settings import load_settings
    from pickvs.sqs import open_sqs_client
    from services.fetcher import outbox
    from services.fetcher.settings import FetcherSettings

    settings = load_settings(FetcherSettings)

    async def run() -> outbox.DrainResult:
        pool = await create_pool(database_url(settings), min_size=1, max_size=2)
        try:
            async with open_sqs_client(settings) as sqs:
                return await outbox.drain(pool, sqs, max_attempts=settings.publish_max_attempts)
        finally:
            await pool.close()

    result = _run(run())
    print(result.line())
    return 1 if result.waiting else 0


def register(subparsers: Subparsers) -> None:
    """Add the ingestion commands."""
    for name, job, text in (
        ("fetch-odds", "fetch_odds", "fetch odds now for games starting in the window and publish them"),
        ("fetch-scores", "fetch_scores", "fetch results now for games past tip-off and publish them"),
        ("fetch-closing", "fetch_closing", "refresh odds now for games about to tip off (the closing line)"),
    ):
        parser = subparsers.add_parser(name, help=text)
        parser.add_argument("--sport", action="append", help="a sport key (repeatable); default PICKVS_SPORTS")
        parser.set_defaults(handler=lambda args, job=job: _run_job(job, args))
    subparsers.add_parser(
        "quota", help="Odds API credits: used, remaining, cost per job, month projection"
    ).set_defaults(handler=_quota)
    box = subparsers.add_parser("outbox", help="events of paid calls not yet sent to SQS").add_subparsers(
        dest="outbox_command", required=True
    )
    box.add_parser(
        "drain", help="send every event still waiting in the outbox (exit 1 if some still wait)"
    ).set_defaults(handler=_drain_outbox)
