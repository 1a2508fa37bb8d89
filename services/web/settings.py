"""The web service's settings."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from pydantic import model_validator

from pickvs.settings import BaseAppSettings, refuse_default_secret

DEV_JWT_SECRET = "dev-only-secret-change-me"


class WebSettings(BaseAppSettings):
    """Settings of the web API (`PICKVS_*`)."""

    jwt_secret: str = DEV_JWT_SECRET
    jwt_ttl_minutes: int = 60 * 24
    cors_origins: list[str] = ["http://localhost:5173", "http://127.0.0.1:5173"]
    stake_min: Decimal = Decimal("1")
    stake_max: Decimal = Decimal("5")
    stake_step: Decimal = Decimal("0.5")
    max_picks_per_slip: int = 20
    max_body_bytes: int = 64 * 1024

    @model_validator(mode="after")
    def _no_default_secret_outside_dev(self) -> WebSettings:
        refuse_default_secret(env=self.env, name="PICKVS_JWT_SECRET", value=self.jwt_secret, default=DEV_JWT_SECRET)
        return self


@lru_cache
def get_settings() -> WebSettings:
    """The process-wide settings, read once from the environment."""
    return WebSettings()
