"""The settings every service shares; each service subclasses `BaseAppSettings` with its own fields."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

Environment = Literal["dev", "test", "prod"]


class BaseAppSettings(BaseSettings):
    """Settings read from `PICKVS_*` environment variables (and `.env`)."""

    model_config = SettingsConfigDict(env_prefix="PICKVS_", env_file=".env", extra="ignore")

    env: Environment = "dev"
    # Unset means: the embedded cluster that `make dev` / the tests start.
    database_url: str | None = None
    db_pool_min_size: int = 1
    db_pool_max_size: int = 10
    # Unset means: the embedded moto server in dev and tests, the real AWS endpoint in prod.
    sqs_endpoint_url: str | None = None
    aws_region: str = "us-east-1"
    game_events_queue: str = "game-events"
    score_events_queue: str = "score-events"
    data_dir: Path = PROJECT_ROOT / ".pickvs"

    @model_validator(mode="after")
    def _production_needs_a_real_database(self) -> BaseAppSettings:
        if self.env == "prod" and not self.database_url:
            raise ValueError("PICKVS_DATABASE_URL is required when PICKVS_ENV=prod")
        return self


def refuse_default_secret(*, env: Environment, name: str, value: str, default: str) -> None:
    """Fail fast when a secret still holds its published default outside dev."""
    if env != "dev" and value == default:
        raise ValueError(f"{name} must be set to a real secret when PICKVS_ENV={env} (the default is only for dev)")
