"""Secrets by reference: with `PICKVS_X_SECRET_ARN` set and `PICKVS_X` unset, the settings read X from Secrets Manager
(the embedded moto server here) once as they are built, the way a Lambda gets its database URL and Odds API key."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import asyncpg
import boto3
import pytest

from devstack.sqs import EmbeddedSqs
from pickvs.db import asyncpg_dsn
from pickvs.settings import BaseAppSettings, SettingsError, load_settings
from services.fetcher.settings import FetcherSettings


@pytest.fixture
def secrets(sqs_endpoint: EmbeddedSqs, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A Secrets Manager client on the embedded moto server, which the settings also reach through botocore's
    per-service endpoint variable."""
    sqs_endpoint.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", sqs_endpoint.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    return boto3.client("secretsmanager", region_name="us-east-1", endpoint_url=sqs_endpoint.endpoint_url)


def _secret(client: Any, name: str, value: str) -> str:
    return str(client.create_secret(Name=name, SecretString=value)["ARN"])


async def test_a_database_url_secret_is_read_into_the_settings_and_the_url_connects(
    secrets: Any, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the database URL kept in a secret, and no PICKVS_DATABASE_URL
    arn = _secret(secrets, "pickvs/database", pg_url)
    monkeypatch.delenv("PICKVS_DATABASE_URL", raising=False)
    # WHEN production settings are built with the secret's ARN
    settings = load_settings(BaseAppSettings, env="prod", database_url_secret_arn=arn)
    # THEN the URL came from the secret, and it reaches the database
    assert settings.database_url == pg_url
    conn = await asyncpg.connect(asyncpg_dsn(settings.database_url))
    try:
        assert await conn.fetchval("SELECT 1") == 1
    finally:
        await conn.close()


def test_the_json_rds_keeps_becomes_a_url_that_requires_tls_with_the_password_encoded(
    secrets: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the secret RDS and SecretTargetAttachment keep, with a password full of URL characters
    password = "p@ss/w:rd%?#"
    arn = _secret(
        secrets,
        "pickvs/rds",
        f'{{"username": "pickvs", "password": "{password}", "engine": "postgres", '
        '"host": "db.example.internal", "port": 5432, "dbname": "pickvs"}',
    )
    monkeypatch.delenv("PICKVS_DATABASE_URL", raising=False)
    # WHEN the settings read it
    url = load_settings(BaseAppSettings, env="prod", database_url_secret_arn=arn).database_url
    # THEN it is a TLS-only URL whose parts give back exactly what the secret holds
    assert url is not None
    parts = urlsplit(url)
    assert (parts.scheme, parts.hostname, parts.port, parts.path, parts.query) == (
        "postgresql",
        "db.example.internal",
        5432,
        "/pickvs",
        "sslmode=require",
    )
    assert (parts.username, parts.password) == ("pickvs", "p%40ss%2Fw%3Ard%25%3F%23")
    assert unquote(parts.password or "") == password


def test_the_odds_api_key_is_read_from_its_text_or_from_a_one_value_json_object(
    secrets: Any, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PICKVS_ODDS_API_KEY", raising=False)
    plain = _secret(secrets, "pickvs/odds-plain", "abc123")
    keyed = _secret(secrets, "pickvs/odds-json", '{"PICKVS_ODDS_API_KEY": "def456"}')
    assert FetcherSettings(env="prod", odds_api_key_secret_arn=plain).odds_api_key == "abc123"
    assert FetcherSettings(env="prod", odds_api_key_secret_arn=keyed).odds_api_key == "def456"


def test_a_value_set_directly_wins_and_the_secret_is_never_read(secrets: Any, pg_url: str) -> None:
    # GIVEN an ARN that names no secret at all, beside a URL set directly
    missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:pickvs/none-AbCdEf"
    # WHEN the settings are built THEN the direct value is used (reading the secret would have failed)
    settings = load_settings(BaseAppSettings, env="prod", database_url=pg_url, database_url_secret_arn=missing)
    assert settings.database_url == pg_url


def test_a_secret_that_cannot_be_read_stops_start_up_in_one_line_naming_the_variable(
    secrets: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PICKVS_DATABASE_URL", raising=False)
    missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:pickvs/none-AbCdEf"
    with pytest.raises(SettingsError) as raised:
        load_settings(BaseAppSettings, env="prod", database_url_secret_arn=missing)
    message = str(raised.value)
    assert message.startswith("PICKVS_DATABASE_URL_SECRET_ARN: cannot read arn:aws:secretsmanager:")
    assert "\n" not in message and "ResourceNotFoundException" in message


def test_a_database_secret_without_a_password_is_refused(secrets: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PICKVS_DATABASE_URL", raising=False)
    arn = _secret(secrets, "pickvs/half", '{"username": "pickvs", "host": "db"}')
    with pytest.raises(SettingsError, match="PICKVS_DATABASE_URL_SECRET_ARN: the database secret lacks password"):
        load_settings(BaseAppSettings, env="prod", database_url_secret_arn=arn)
