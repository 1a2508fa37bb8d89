"""The per-sport fan-out: every EventBridge fetch rule targets this Lambda, which starts one run of the fetcher per
configured sport.

Each run is its own asynchronous invocation of the fetcher function, carrying the scheduled event unchanged but for
`detail.sport`, so the sports run side by side and apart: a sport whose run fails (a timeout, an API error) is retried
by Lambda on its own and never delays or spends the credits of another. Adding a sport is a change of `PICKVS_SPORTS`
(the template's `Sports` parameter), read here and by the fetcher alike.

Lean on purpose: the standard library, the schedule table and botocore's Lambda client, nothing that talks to the
database or The Odds API (its package holds no more; infra/package.py).
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from typing import Any

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pickvs.settings import CommaList, load_settings, split_commas
from services.fetcher.schedules import schedule_of

log = logging.getLogger(__name__)


class DispatchSettings(BaseSettings):
    """Settings of the fan-out Lambda (`PICKVS_*`): which sports, and which function runs a fetch."""

    model_config = SettingsConfigDict(env_prefix="PICKVS_", extra="ignore")

    sports: CommaList
    # The fetcher function's name or ARN (the template sets it).
    fetch_function: str

    @field_validator("sports", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        return split_commas(value)


class DispatchFailed(RuntimeError):
    """At least one sport's run could not be started; the others were."""


@lru_cache
def get_settings() -> DispatchSettings:
    """The process-wide settings, read once from the environment."""
    return load_settings(DispatchSettings)


def per_sport_events(event: dict[str, Any], sports: list[str]) -> list[dict[str, Any]]:
    """Check the scheduled event and return one copy of it per sport, the sport in its detail."""
    schedule_of(event)
    detail = event.get("detail")
    detail = detail if isinstance(detail, dict) else {}
    return [{**event, "detail": {**detail, "sport": sport}} for sport in dict.fromkeys(sports)]


@lru_cache
def _lambda_client() -> Any:
    # botocore alone, created once per container: the region and credentials come from Lambda's environment.
    import botocore.session
    from botocore.config import Config

    return botocore.session.get_session().create_client(
        "lambda", config=Config(connect_timeout=3, read_timeout=10, retries={"mode": "standard", "max_attempts": 3})
    )


def dispatch(event: dict[str, Any], settings: DispatchSettings, client: Any) -> dict[str, Any]:
    """Start one asynchronous fetcher run per sport; raise DispatchFailed, after trying every sport, if any failed."""
    from botocore.exceptions import BotoCoreError, ClientError

    started: list[str] = []
    failed: dict[str, str] = {}
    for sport_event in per_sport_events(event, settings.sports):
        sport = sport_event["detail"]["sport"]
        try:
            client.invoke(
                FunctionName=settings.fetch_function, InvocationType="Event", Payload=json.dumps(sport_event).encode()
            )
        except (BotoCoreError, ClientError) as exc:
            failed[sport] = f"{type(exc).__name__}: {exc}"
            log.error("dispatch: could not start the %s run for %s: %s", event.get("resources"), sport, failed[sport])
        else:
            started.append(sport)
    if failed:
        # Raised so the function's Errors alarm fires; the fan-out is not retried (MaximumRetryAttempts 0 in the
        # template), so the sports that did start are not run twice.
        raise DispatchFailed(f"started {started or 'none'}; could not start {failed}")
    log.info("dispatch: %s started for %s", event.get("resources"), ", ".join(started))
    return {"started": started}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """AWS Lambda entry point of every fetch rule: fan the scheduled event out per sport."""
    return dispatch(event, get_settings(), _lambda_client())
