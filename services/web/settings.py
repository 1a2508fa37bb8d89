"""The web service's settings."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import Field, IPvAnyNetwork, field_validator, model_validator
from pydantic_settings import NoDecode

from pickvs.settings import PROJECT_ROOT, BaseAppSettings, load_settings, production_because, refuse_default_secret

DEV_JWT_SECRET = "dev-only-secret-change-me"
# HS256 keys shorter than the hash (32 bytes) can be brute-forced offline from one token (RFC 7518 section 3.2).
JWT_SECRET_MIN_BYTES = 32
DEV_CORS_ORIGINS = ["http://localhost:5173", "http://127.0.0.1:5173"]
_LAPTOP_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


class WebSettings(BaseAppSettings):
    """Settings of the web API (`PICKVS_*`)."""

    jwt_secret: str = DEV_JWT_SECRET
    jwt_ttl_minutes: int = 60 * 24
    cors_origins: list[str] = DEV_CORS_ORIGINS
    stake_min: Decimal = Decimal("1")
    stake_max: Decimal = Decimal("5")
    stake_step: Decimal = Decimal("0.5")
    max_picks_per_slip: int = 20
    max_body_bytes: int = 64 * 1024
    password_min_length: int = Field(default=10, ge=8)
    board_max_games: int = Field(default=200, ge=1)
    # Cached responses (services/web/cache.py): browser/CDN max-age, how long an instance trusts the data version it
    # read before asking PostgreSQL again, and how many serialized responses one instance keeps (profiles are kept
    # too, one per player viewed: a few thousand of a few KB each).
    cache_max_age_seconds: int = Field(default=15, ge=0)
    cache_version_ttl_seconds: float = Field(default=1.0, ge=0)
    cache_max_entries: int = Field(default=4096, ge=1)
    # The built React app (`npm run build` in frontend/), served at / when it holds an index.html (a deployment that
    # hosts the app on a static site of its own points this at a directory without one).
    web_app_dir: Path | None = PROJECT_ROOT / "frontend" / "dist"

    # --- Outages, the tip-off lock and auth abuse (docs/api.md, docs/auth-limits.md) ---
    # How long a request waits for a pooled database connection before it answers 503, and the Retry-After it sends
    # while the database is out of reach.
    db_acquire_timeout_seconds: float = Field(default=5.0, gt=0)
    db_retry_after_seconds: int = Field(default=5, ge=1)
    # Pick and cancel transactions wait at most this long for a lock (an ingest holding the game row, a recompute
    # holding the pick table) before answering 503, so no pick waits its way past tip-off.
    pick_lock_timeout_ms: int = Field(default=2000, ge=1)
    # The client IP is read from X-Forwarded-For only when the TCP peer is one of these proxies (addresses or CIDR
    # networks, comma-separated as infra/serve-web.sh passes them to uvicorn, or a JSON list); by default none is
    # trusted and the peer address is the client.
    trusted_proxies: Annotated[list[IPvAnyNetwork], NoDecode] = []
    # argon2 work: this many hashes at once (unset: one per core) and this many more requests waiting; any further
    # login or registration is shed with 503 + Retry-After before it touches the database.
    password_hash_workers: int | None = Field(default=None, ge=1)
    password_hash_queue: int = Field(default=8, ge=0)
    # Failed logins within a sliding window (docs/auth-limits.md): strict per (account, client) and per client IP;
    # per account (counted over its own, longer window), past `login_account_free_failures`, each attempt from a client
    # the owner has not logged in from waits base × 2^(failures − free) seconds after the last failure, at most
    # `login_account_delay_max_seconds`.
    login_window_seconds: int = Field(default=900, ge=1)
    login_account_window_seconds: int = Field(default=3600, ge=1)
    login_max_failures_per_account_client: int = Field(default=5, ge=1)
    login_max_failures_per_client: int = Field(default=20, ge=1)
    login_account_free_failures: int = Field(default=5, ge=0)
    login_account_delay_base_seconds: float = Field(default=1.0, gt=0)
    login_account_delay_max_seconds: int = Field(default=300, ge=1)
    login_known_client_days: int = Field(default=90, ge=1)
    # Registrations per client IP within the window (each one costs an argon2 hash).
    register_window_seconds: int = Field(default=3600, ge=1)
    register_max_per_client: int = Field(default=5, ge=1)

    # --- Leagues (docs/leagues.md) ---
    # Members per league (the owner included) and leagues per player (owned or joined).
    league_max_members: int = Field(default=1000, ge=2)
    league_max_per_player: int = Field(default=20, ge=1)
    # Joins with an invite code that names no league, per client IP within the window (then 429), so codes cannot be
    # guessed by brute force; the limit is kept like the sign-ups' (services/web/limits.py).
    league_join_window_seconds: int = Field(default=3600, ge=1)
    league_join_max_failures_per_client: int = Field(default=10, ge=1)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            return (
                json.loads(text) if text.startswith("[") else [part.strip() for part in text.split(",") if part.strip()]
            )
        return value

    @model_validator(mode="after")
    def _no_laptop_defaults_in_production(self) -> WebSettings:
        refuse_default_secret(env=self.env, name="PICKVS_JWT_SECRET", value=self.jwt_secret, default=DEV_JWT_SECRET)
        if not self.production:
            return self
        if len(self.jwt_secret.encode()) < JWT_SECRET_MIN_BYTES:
            raise ValueError(f"PICKVS_JWT_SECRET must be at least {JWT_SECRET_MIN_BYTES} bytes {production_because()}")
        local = [o for o in self.cors_origins if urlsplit(o).hostname in _LAPTOP_HOSTS]
        if local:
            raise ValueError(
                f"PICKVS_CORS_ORIGINS must name the site's real origins {production_because()}, not {', '.join(local)}"
            )
        return self


@lru_cache
def get_settings() -> WebSettings:
    """The process-wide settings, read once from the environment."""
    return load_settings(WebSettings)
