"""The fetcher's settings."""

from __future__ import annotations

from functools import lru_cache

from pickvs.settings import BaseAppSettings


class FetcherSettings(BaseAppSettings):
    """Settings of the fetcher Lambdas and CLI (`PICKVS_*`)."""

    # Unset: the Odds API simulator in dev and tests. Set: the real API at odds_api_base_url.
    odds_api_key: str | None = None
    odds_api_base_url: str = "https://api.the-odds-api.com"
    sports: list[str] = ["basketball_nba"]


@lru_cache
def get_settings() -> FetcherSettings:
    """The process-wide settings, read once from the environment."""
    return FetcherSettings()
