"""`pickvs ingest`, `pickvs grade --recompute` and `pickvs dlq list|redrive QUEUE`: the consumers' tools."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from pickvs.cli import CliError, Subparsers
from pickvs.db import DatabaseNotConfigured, create_pool, database_url
from pickvs.queues import dlq_name
from pickvs.runner import EventSourceRunner
from pickvs.sqs import SqsNotConfigured, open_sqs_client
from services.grader.dlq import (
    check_game_odds,
    list_dead_letters,
    redrive,
    result_checker,
)
from services.grader.recompute import Totals, TotalsDifference, recompute_totals
from services.grader.settings import GraderSettings


@asynccontextmanager
async def _pool(settings: GraderSettings) -> AsyncIterator[asyncpg.Pool]:
    # A command runs on its own short-lived loop: its own pool, closed before the loop ends.
    try:
        pool = await create_pool(database_url(settings), min_size=1, max_size=2)
    except (DatabaseNotConfigured, OSError, asyncpg.PostgresError) as exc:
        raise CliError(f"cannot reach the database: {exc}") from exc
    try:
        yield pool
    finally:
        await pool.close()


@asynccontextmanager
async def _sqs(settings: GraderSettings) -> AsyncIterator[Any]:
    try:
        async with open_sqs_client(settings) as client:
            yield client
    except SqsNotConfigured as exc:
        raise CliError(str(exc)) from exc


def _format_totals(t: Totals) -> str:
    voids = f", voids {t.voids}" if t.voids else ""
    return f"units {t.units}, wagered {t.wagered}, W-L-P {t.wins}-{t.losses}-{t.pushes}{voids}"


def _format_difference(d: TotalsDifference) -> str:
    return (
        f"  {d.username} (id {d.user_id}): {d.rollup or 'totals'}\n"
        f"    stored:     {_format_totals(d.stored)}\n"
        f"    recomputed: {_format_totals(d.recomputed)}"
    )


async def _recompute(settings: GraderSettings, *, fix: bool) -> list[TotalsDifference]:
    async with _pool(settings) as pool:
        return await recompute_totals(pool, fix=fix, season_start=settings.season_start)


def _run_grade(args: argparse.Namespace) -> int:
    differences = asyncio.run(_recompute(GraderSettings(), fix=not args.dry_run))
    if not differences:
        print("every player's totals and leaderboard rollups match their graded picks")
        return 0
    players = len({d.user_id for d in differences})
    print(f"{players} player(s) had totals or leaderboard rollups that differ from their graded picks:")
    for difference in differences:
        print(_format_difference(difference))
    print("not fixed (--dry-run)" if args.dry_run else f"fixed {players} player(s)")
    return 1


def _source_queue(settings: GraderSettings, name: str) -> str:
    """Accept a queue or its DLQ by name; return the source queue."""
    known = (settings.game_events_queue, settings.score_events_queue)
    for queue in known:
        if name in (queue, dlq_name(queue)):
            return queue
    raise CliError(f"unknown queue {name!r}; choose one of: {', '.join(known)}")


async def _list(settings: GraderSettings, queue: str) -> int:
    async with _sqs(settings) as client:
        if queue == settings.score_events_queue:
            async with _pool(settings) as pool:
                letters = await list_dead_letters(client, queue, check=result_checker(pool))
        else:
            letters = await list_dead_letters(client, queue, check=check_game_odds)
    if not letters:
        print(f"{dlq_name(queue)} is empty")
        return 0
    print(f"{len(letters)} message(s) in {dlq_name(queue)}:")
    for letter in letters:
        sent = letter.sent_at.isoformat(timespec="seconds") if letter.sent_at else "?"
        first = letter.first_received_at.isoformat(timespec="seconds") if letter.first_received_at else "?"
        print(
            f"- {letter.message_id}  received {letter.receive_count}x  sent {sent}  first received {first}\n"
            f"  {letter.summary}\n  why: {letter.problem}"
        )
    return 0


async def _redrive(settings: GraderSettings, queue: str) -> int:
    async with _sqs(settings) as client:
        moved = await redrive(client, queue)
    print(f"moved {moved} message(s) from {dlq_name(queue)} back to {queue}")
    return 0


async def _ingest_waiting(settings: GraderSettings, max_batches: int) -> tuple[int, int]:
    # The handler module reads the Lambda's settings at import; a command imports it only when it runs.
    from services.grader.ingest_handler import process_records

    async with _pool(settings) as pool, _sqs(settings) as client:

        async def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            return await process_records(event, pool=pool, reference_bookmaker=settings.consensus_reference_bookmaker)

        url = (await client.get_queue_url(QueueName=settings.game_events_queue))["QueueUrl"]
        runner = EventSourceRunner(
            client,
            url,
            handler,
            function_name="ingest",
            wait_seconds=0,
            region=settings.aws_region,
            retry_delay_seconds=5,
        )
        results = await runner.drain(max_polls=max_batches)
    return sum(r.deleted for r in results), sum(r.failed for r in results)


def _run_ingest(args: argparse.Namespace) -> int:
    done, failed = asyncio.run(_ingest_waiting(GraderSettings(), args.max_batches))
    print(f"ingest: {done} game events applied or already applied, {failed} failed (they will be retried)")
    return 0 if not failed else 1


def _run_dlq(args: argparse.Namespace) -> int:
    settings = GraderSettings()
    queue = _source_queue(settings, args.queue)
    return asyncio.run((_list if args.dlq_command == "list" else _redrive)(settings, queue))


def register(subparsers: Subparsers) -> None:
    """Add the consumers' commands."""
    ingest = subparsers.add_parser("ingest", help="apply the waiting game events (odds) to the database once")
    ingest.add_argument("--max-batches", type=int, default=100)
    ingest.set_defaults(handler=_run_ingest)

    grade = subparsers.add_parser("grade", help="grading repair tools")
    mode = grade.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--recompute",
        action="store_true",
        help="rebuild every player's totals and leaderboard rollups from their graded picks (the season's from "
        "PICKVS_SEASON_START); exit 1 if any had to be fixed",
    )
    grade.add_argument("--dry-run", action="store_true", help="with --recompute: report differences, fix nothing")
    grade.set_defaults(handler=_run_grade)

    dlq = subparsers.add_parser("dlq", help="dead-lettered messages").add_subparsers(dest="dlq_command", required=True)
    listing = dlq.add_parser("list", help="show a queue's dead letters: what they are, how often tried, why they fail")
    listing.add_argument("queue", metavar="QUEUE", help="score-events or game-events (or their -dlq)")
    listing.set_defaults(handler=_run_dlq)
    again = dlq.add_parser("redrive", help="send a queue's dead letters back to it (once the cause is fixed)")
    again.add_argument("queue", metavar="QUEUE", help="score-events or game-events (or their -dlq)")
    again.set_defaults(handler=_run_dlq)
