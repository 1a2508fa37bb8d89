"""Settings fail closed: unset PICKVS_ENV means production rules, and in production every default that is only safe on
a laptop stops start-up with one line naming the variable — in the CLI, in a Lambda's init and in the web app."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from pickvs.settings import BaseAppSettings, SettingsError
from pickvs.sqs import client_kwargs
from services.fetcher.settings import FetcherSettings
from services.web.settings import DEV_JWT_SECRET, WebSettings, get_settings
from tests.builders import api_client

GOOD_SECRET = "s" * 32
PRODUCTION = {"PICKVS_DATABASE_URL": "postgresql://db.internal/pickvs"}


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """A shell where nobody set PICKVS_ENV, with a database URL."""
    monkeypatch.delenv("PICKVS_ENV", raising=False)
    monkeypatch.delenv("PICKVS_JWT_SECRET", raising=False)
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PICKVS_", "AWS_"))}
    env.update(values)
    return env


def test_unset_pickvs_env_means_production(production: pytest.MonkeyPatch) -> None:
    assert BaseAppSettings().env == "prod" and BaseAppSettings().production


def test_production_requires_a_database_url(production: pytest.MonkeyPatch) -> None:
    production.delenv("PICKVS_DATABASE_URL")
    with pytest.raises(ValidationError, match=r"PICKVS_DATABASE_URL is required outside PICKVS_ENV=dev\|test"):
        BaseAppSettings()


def test_the_default_jwt_secret_is_refused_in_production(production: pytest.MonkeyPatch) -> None:
    production.setenv("PICKVS_CORS_ORIGINS", '["https://pickvs.example"]')
    with pytest.raises(ValidationError, match="PICKVS_JWT_SECRET must be set to a real secret"):
        WebSettings()


def test_a_jwt_secret_shorter_than_32_bytes_is_refused_in_production(production: pytest.MonkeyPatch) -> None:
    production.setenv("PICKVS_CORS_ORIGINS", '["https://pickvs.example"]')
    production.setenv("PICKVS_JWT_SECRET", "s" * 31)
    with pytest.raises(ValidationError, match="PICKVS_JWT_SECRET must be at least 32 bytes"):
        WebSettings()
    production.setenv("PICKVS_JWT_SECRET", GOOD_SECRET)
    assert WebSettings().jwt_secret == GOOD_SECRET


def test_cors_to_localhost_is_refused_in_production(production: pytest.MonkeyPatch) -> None:
    production.setenv("PICKVS_JWT_SECRET", GOOD_SECRET)
    with pytest.raises(ValidationError, match="PICKVS_CORS_ORIGINS must name the site's real origins"):
        WebSettings()  # the default origins are the dev server's
    production.setenv("PICKVS_CORS_ORIGINS", '["https://pickvs.example", "http://127.0.0.1:8080"]')
    with pytest.raises(ValidationError, match=r"not http://127\.0\.0\.1:8080"):
        WebSettings()


def test_production_requires_an_odds_api_key(production: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="PICKVS_ODDS_API_KEY is required"):
        FetcherSettings()


def test_production_never_gets_the_stand_ins_dummy_aws_credentials(production: pytest.MonkeyPatch) -> None:
    production.setenv("PICKVS_SQS_ENDPOINT_URL", "http://sqs.internal:4566")
    production.delenv("AWS_ACCESS_KEY_ID", raising=False)
    assert "aws_access_key_id" not in client_kwargs(BaseAppSettings())


@pytest.mark.parametrize("env", ["dev", "test"])
def test_the_laptop_defaults_are_accepted_in_dev_and_test(monkeypatch: pytest.MonkeyPatch, env: str) -> None:
    monkeypatch.setenv("PICKVS_ENV", env)
    monkeypatch.delenv("PICKVS_JWT_SECRET", raising=False)
    assert WebSettings().jwt_secret == DEV_JWT_SECRET


def test_settings_are_read_from_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICKVS_SCORE_EVENTS_QUEUE", "scores-blue")
    monkeypatch.setenv("PICKVS_STAKE_MAX", "10")
    assert BaseAppSettings().score_events_queue == "scores-blue"
    assert str(WebSettings().stake_max) == "10"


def test_a_cli_command_in_an_unconfigured_shell_prints_one_line_naming_the_variable() -> None:
    # GIVEN a shell with no PICKVS_* variable at all WHEN a command needs the database
    result = subprocess.run(
        [sys.executable, "-m", "pickvs.cli", "grade", "--recompute"], env=_clean_env(), capture_output=True, text=True
    )
    # THEN it exits non-zero with one line, no traceback
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "PICKVS_DATABASE_URL is required outside PICKVS_ENV=dev|test" in result.stderr


@pytest.mark.parametrize(
    "module, variable",
    [
        ("services.grader.handler", "PICKVS_DATABASE_URL"),
        ("services.grader.ingest_handler", "PICKVS_DATABASE_URL"),
        ("services.fetcher.handler", "PICKVS_ODDS_API_KEY"),
    ],
)
def test_a_misconfigured_lambda_fails_its_init_naming_the_variable(module: str, variable: str) -> None:
    # GIVEN a Lambda environment with only a database URL (the fetcher) or nothing (the consumers)
    env = _clean_env(**(PRODUCTION if "fetcher" in module else {}))
    # WHEN the runtime imports the entry module THEN the import fails with the variable in its one-line message
    code = f"import {module}"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("pickvs.settings.SettingsError: " + variable)


async def test_the_web_app_refuses_to_start_in_production_with_a_laptop_default(production: pytest.MonkeyPatch) -> None:
    # GIVEN production rules and the published JWT secret WHEN the app is built THEN it refuses in one line
    with pytest.raises(SettingsError, match=r"^PICKVS_JWT_SECRET must be set to a real secret") as refused:
        async with api_client():
            pass
    assert "\n" not in str(refused.value)
