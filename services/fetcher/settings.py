"""The fetcher's settings."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, ClassVar

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode

from contracts.markets import Market
from pickvs.settings import BaseAppSettings, CommaList, load_settings, production_because, split_commas


class FetcherSettings(BaseAppSettings):
    """Settings of the fetcher Lambdas and CLI (`PICKVS_*`)."""

    # Unset: the Odds API simulator `make dev` started (never in prod). Set: the API at odds_api_base_url.
    odds_api_key: str | None = None
    # AWS: the Secrets Manager secret holding the key, read at start-up when PICKVS_ODDS_API_KEY is unset.
    odds_api_key_secret_arn: str | None = None
    odds_api_base_url: str = "https://api.the-odds-api.com"
    # Comma-separated (or a JSON list): PICKVS_SPORTS=basketball_nba,americanfootball_nfl
    sports: CommaList = ["basketball_nba"]
    odds_regions: CommaList = ["us"]
    odds_markets: Annotated[list[Market], NoDecode] = [Market.H2H, Market.SPREADS, Market.TOTALS]
    # fetch-odds prices the games that start between now and now + this many hours.
    odds_window_hours: int = Field(default=24, ge=1, le=168)
    # The closing-line refresh (off by default) prices games starting within this many hours of its run.
    closing_line_enabled: bool = False
    closing_window_hours: int = Field(default=12, ge=1, le=48)
    # Credits per calendar month (UTC); paid calls stop at budget - reserve.
    odds_monthly_budget: int = Field(default=500, ge=0)
    odds_budget_reserve: int = Field(default=25, ge=0)
    odds_api_timeout_seconds: float = Field(default=10.0, gt=0)
    odds_api_max_attempts: int = Field(default=4, ge=1, le=10)
    odds_api_retry_initial_seconds: float = Field(default=1.0, ge=0)
    odds_api_retry_max_seconds: float = Field(default=30.0, ge=0)
    # A game this long past tip-off and still not completed is published as void (postponed or cancelled).
    void_after_hours: int = Field(default=36, ge=1)
    publish_max_attempts: int = Field(default=3, ge=1, le=10)
    # The CloudWatch namespace of the run metrics the Lambda prints (services/fetcher/metrics.py).
    metrics_namespace: str = "PickVs"

    # Paying for calls needs the key; reading the ledger (LedgerSettings) does not.
    key_required: ClassVar[bool] = True

    @field_validator("sports", "odds_regions", "odds_markets", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        return split_commas(value)

    @model_validator(mode="after")
    def _consistent(self) -> FetcherSettings:
        if not self.sports or not self.odds_regions or not self.odds_markets:
            raise ValueError("PICKVS_SPORTS, PICKVS_ODDS_REGIONS and PICKVS_ODDS_MARKETS must not be empty")
        if self.odds_budget_reserve > self.odds_monthly_budget:
            raise ValueError("PICKVS_ODDS_BUDGET_RESERVE cannot exceed PICKVS_ODDS_MONTHLY_BUDGET")
        if self.production and self.key_required and not self.odds_api_key:
            raise ValueError(
                f"PICKVS_ODDS_API_KEY is required {production_because()} (production never uses the simulator)"
            )
        return self

    @property
    def odds_call_cost(self) -> int:
        """Credits one /odds call costs: markets × regions (The Odds API's rule)."""
        return len(self.odds_markets) * len(self.odds_regions)


class LedgerSettings(FetcherSettings):
    """The fetcher's settings for reading the credit ledger (`pickvs quota`): the Odds API key is not needed."""

    key_required: ClassVar[bool] = False


@lru_cache
def get_settings() -> FetcherSettings:
    """The process-wide settings, read once from the environment."""
    return load_settings(FetcherSettings)
