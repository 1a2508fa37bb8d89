"""The settings every service shares; each service subclasses `BaseAppSettings` with its own fields.

Fail closed: `PICKVS_ENV` unset means production rules. Only an explicit `PICKVS_ENV=dev` or `test` (which `make dev`,
`pickvs dev` and the test suite set themselves) accepts the defaults that are safe only on a laptop; in production a
default secret, a missing database URL or key, or a localhost origin stops start-up with one line naming the variable
(`one_line`).

Sources, highest priority first: arguments, `PICKVS_*` environment variables, `.env`, and — in dev only — the record a
running `make dev` stack keeps under the data dir (`dev-stack.json`), so a command in another terminal finds the
stack's database, SQS and Odds API without any variable set. On AWS a secret comes by reference: a field `X` with a
sibling `X_secret_arn` is read from Secrets Manager (`pickvs.secrets`) when `PICKVS_X` is unset and
`PICKVS_X_SECRET_ARN` is set, once, as the settings are built.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import ValidationError, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, NoDecode, PydanticBaseSettingsSource, SettingsConfigDict

from pickvs.queues import GAME_EVENTS_QUEUE, SCORE_EVENTS_QUEUE

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / ".pickvs"
# The file `make dev` writes while it runs: {"pid": ..., "settings": {field: value}}.
DEV_STACK_FILE = "dev-stack.json"
# The Odds API endpoint, its key and its budget belong together: a shell that names either of the first two uses none
# of the stack's three, so a real key is never sent to the simulator nor charged against the demo budget.
ODDS_API_FIELDS = ("odds_api_base_url", "odds_api_key", "odds_monthly_budget")

Environment = Literal["dev", "test", "prod"]
# A list setting written as comma-separated text (PICKVS_SPORTS=basketball_nba,americanfootball_nfl) or a JSON list;
# its field validator calls `split_commas`.
CommaList = Annotated[list[str], NoDecode]
# Where the defaults made for a laptop are accepted; anywhere else production rules apply.
LAPTOP_ENVIRONMENTS = ("dev", "test")


def read_dev_stack(data_dir: Path) -> dict[str, Any]:
    """Return the settings a live `make dev` stack recorded under `data_dir`, or {} when none is running."""
    try:
        payload = json.loads((data_dir / DEV_STACK_FILE).read_text())
        # Signal 0 only asks whether the process exists: a stack that died without cleaning up is ignored.
        os.kill(int(payload["pid"]), 0)
        recorded = payload["settings"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return dict(recorded) if isinstance(recorded, dict) else {}


class DevStackSource(PydanticBaseSettingsSource):
    """The lowest-priority source: what a running `make dev` stack recorded; nothing outside PICKVS_ENV=dev."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        # Unused: __call__ below answers for every field at once.
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        state = self.current_state
        if state.get("env", _field_default(self.settings_cls, "env")) != "dev":
            return {}
        data_dir = Path(state.get("data_dir") or _field_default(self.settings_cls, "data_dir"))
        recorded = read_dev_stack(data_dir)
        if any(state.get(name) is not None for name in ODDS_API_FIELDS[:2]):
            recorded = {k: v for k, v in recorded.items() if k not in ODDS_API_FIELDS}
        return {k: v for k, v in recorded.items() if k in self.settings_cls.model_fields and k not in state}


def _field_default(settings_cls: type[BaseSettings], name: str) -> Any:
    return settings_cls.model_fields[name].default


class BaseAppSettings(BaseSettings):
    """Settings read from `PICKVS_*` environment variables (and `.env`)."""

    model_config = SettingsConfigDict(env_prefix="PICKVS_", env_file=".env", extra="ignore")

    # Unset means production: the safe choice when nobody said otherwise.
    env: Environment = "prod"
    # Unset means: the embedded cluster that `make dev` / the tests start.
    database_url: str | None = None
    # AWS: the Secrets Manager secret holding the database URL (or RDS's JSON), read when PICKVS_DATABASE_URL is unset.
    database_url_secret_arn: str | None = None
    db_pool_min_size: int = 1
    db_pool_max_size: int = 10
    # Unset means: the embedded moto server in dev and tests, the real AWS endpoint in prod.
    sqs_endpoint_url: str | None = None
    aws_region: str = "us-east-1"
    game_events_queue: str = GAME_EVENTS_QUEUE
    score_events_queue: str = SCORE_EVENTS_QUEUE
    data_dir: Path = DEFAULT_DATA_DIR
    # The leaderboard's "season" window starts this UTC day, one date for every sport. The web ranks by it; the grader
    # keeps the season rollups for it (`pickvs grade --recompute` rebuilds them when it changes).
    season_start: date = date(2026, 10, 20)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, dotenv_settings, file_secret_settings, DevStackSource(settings_cls)

    @property
    def production(self) -> bool:
        """Tell whether production rules apply (PICKVS_ENV is neither dev nor test)."""
        return self.env not in LAPTOP_ENVIRONMENTS

    @model_validator(mode="before")
    @classmethod
    def _read_secrets(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for name in cls.model_fields:
            arn = data.get(f"{name}_secret_arn")
            if arn and not data.get(name):
                from pickvs.secrets import SecretUnreadable, secret_value

                try:
                    data = {**data, name: secret_value(name, str(arn))}
                except SecretUnreadable as exc:
                    raise ValueError(f"PICKVS_{name.upper()}_SECRET_ARN: {exc}") from None
        return data

    @model_validator(mode="after")
    def _production_needs_a_real_database(self) -> BaseAppSettings:
        if self.production and not self.database_url:
            raise ValueError(f"PICKVS_DATABASE_URL is required {production_because()}")
        return self


def production_because() -> str:
    """Say why a production rule applies, for the one-line refusal."""
    return "outside PICKVS_ENV=dev|test (unset means production)"


def refuse_default_secret(*, env: Environment, name: str, value: str, default: str) -> None:
    """Fail fast when a secret still holds its published default outside dev and test."""
    if env not in LAPTOP_ENVIRONMENTS and value == default:
        raise ValueError(f"{name} must be set to a real secret {production_because()}; the default is published")


def split_commas(value: Any) -> Any:
    """Turn comma-separated text (or a JSON list in text) into a list; leave any other value to pydantic."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [item.strip() for item in text.split(",") if item.strip()]
    return value


class SettingsError(ValueError):
    """Settings that cannot start a process, described in one line."""


def one_line(exc: ValidationError) -> str:
    """Describe invalid settings in one line, naming each variable."""
    problems = []
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        fields = [str(part) for part in error.get("loc", ()) if isinstance(part, str)]
        if fields and not message.startswith("PICKVS_"):
            message = f"PICKVS_{fields[0].upper()}: {message}"
        problems.append(message)
    return "; ".join(dict.fromkeys(problems))


S = TypeVar("S", bound=BaseSettings)


def load_settings(cls: type[S], **values: Any) -> S:
    """Build settings, raising SettingsError with one line (instead of pydantic's report) when they are invalid."""
    try:
        return cls(**values)
    except ValidationError as exc:
        raise SettingsError(one_line(exc)) from None
