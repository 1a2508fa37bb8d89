"""Lambda entry points of the fetcher, invoked by EventBridge schedules: thin adapters over `services.fetcher.jobs`.

A run that must stop (bad key, credits exhausted) returns its report with `ok: false` and logs the reason at ERROR
instead of raising: raising would make Lambda's asynchronous invocation try the same doomed run twice more.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime
from typing import Any

import aiohttp

from pickvs.db import get_pool
from pickvs.lambda_runtime import run_in_container_loop
from pickvs.sqs import get_sqs_client
from services.fetcher.client import OddsApiClient
from services.fetcher.jobs import (
    FetcherDeps,
    fetch_closing,
    fetch_odds,
    fetch_scores,
    new_http_session,
    resolve_odds_api,
    retry_policy,
)
from services.fetcher.normalize import parse_time
from services.fetcher.settings import get_settings

log = logging.getLogger(__name__)

# One HTTP session per container and event loop, like the pool and the SQS client.
_sessions: dict[int, aiohttp.ClientSession] = {}


class NotAScheduledEvent(ValueError):
    """The invocation is not an EventBridge scheduled event."""


def parse_scheduled_event(event: Any) -> datetime:
    """Check an EventBridge scheduled event's shape and return its scheduled time."""
    if (
        not isinstance(event, dict)
        or event.get("detail-type") != "Scheduled Event"
        or event.get("source") != "aws.events"
    ):
        raise NotAScheduledEvent(
            "expected an EventBridge scheduled event (source aws.events, detail-type Scheduled Event)"
        )
    return parse_time(event.get("time"))


async def _deps() -> FetcherDeps:
    settings = get_settings()
    target = resolve_odds_api(settings)
    loop_id = id(asyncio.get_running_loop())
    session = _sessions.get(loop_id)
    if session is None or session.closed:
        session = _sessions[loop_id] = new_http_session()
    client = OddsApiClient(session, target.base_url, target.api_key, retry_policy(settings))
    return FetcherDeps(settings, await get_pool(settings), await get_sqs_client(settings), client, target)


async def close_sessions() -> None:
    """Close this process's HTTP sessions (dev shutdown and tests)."""
    while _sessions:
        _, session = _sessions.popitem()
        await session.close()


async def handle_fetch_odds(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run the odds job for one scheduled event."""
    scheduled = parse_scheduled_event(event)
    report = await fetch_odds(await _deps())
    return {**report.as_dict(), "scheduled_for": scheduled.isoformat()}


async def handle_fetch_scores(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run the scores job for one scheduled event."""
    scheduled = parse_scheduled_event(event)
    report = await fetch_scores(await _deps())
    return {**report.as_dict(), "scheduled_for": scheduled.isoformat()}


async def handle_fetch_closing(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run the closing-line refresh for one scheduled event, if PICKVS_CLOSING_LINE_ENABLED is on."""
    scheduled = parse_scheduled_event(event)
    if not get_settings().closing_line_enabled:
        return {
            "job": "fetch_closing",
            "ok": True,
            "credits": 0,
            "scheduled_for": scheduled.isoformat(),
            "skipped": "the closing-line schedule is off (PICKVS_CLOSING_LINE_ENABLED=false)",
        }
    report = await fetch_closing(await _deps())
    return {**report.as_dict(), "scheduled_for": scheduled.isoformat()}


def fetch_odds_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """AWS Lambda entry point of the odds schedule."""
    return run_in_container_loop(handle_fetch_odds(event, context))


def fetch_scores_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """AWS Lambda entry point of the scores schedule."""
    return run_in_container_loop(handle_fetch_scores(event, context))


def fetch_closing_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """AWS Lambda entry point of the optional closing-line schedule."""
    return run_in_container_loop(handle_fetch_closing(event, context))


HANDLERS = {"fetch_odds": handle_fetch_odds, "fetch_scores": handle_fetch_scores, "fetch_closing": handle_fetch_closing}


def scheduled_event(
    *, rule_name: str, at: datetime, region: str = "us-east-1", account: str = "000000000000"
) -> dict[str, Any]:
    """Build the event EventBridge sends when a schedule fires (the local scheduler sends the same shape)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account}:rule/{rule_name}"],
        "detail": {},
    }
