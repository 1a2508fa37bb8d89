"""Settings fail fast: default secrets and a missing database are refused outside dev."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from pickvs.settings import BaseAppSettings
from services.web.settings import DEV_JWT_SECRET, WebSettings


def test_the_default_jwt_secret_is_refused_outside_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICKVS_JWT_SECRET", DEV_JWT_SECRET)
    monkeypatch.setenv("PICKVS_DATABASE_URL", "postgresql://db/pickvs")
    for env in ("test", "prod"):
        monkeypatch.setenv("PICKVS_ENV", env)
        with pytest.raises(ValidationError, match="PICKVS_JWT_SECRET"):
            WebSettings()


def test_the_default_jwt_secret_is_accepted_in_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICKVS_ENV", "dev")
    monkeypatch.delenv("PICKVS_JWT_SECRET", raising=False)
    assert WebSettings().jwt_secret == DEV_JWT_SECRET


def test_production_requires_a_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICKVS_ENV", "prod")
    monkeypatch.delenv("PICKVS_DATABASE_URL", raising=False)
    with pytest.raises(ValidationError, match="PICKVS_DATABASE_URL"):
        BaseAppSettings()


def test_settings_are_read_from_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PICKVS_SCORE_EVENTS_QUEUE", "scores-blue")
    monkeypatch.setenv("PICKVS_STAKE_MAX", "10")
    assert BaseAppSettings().score_events_queue == "scores-blue"
    assert str(WebSettings().stake_max) == "10"
