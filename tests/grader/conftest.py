"""Grader tests read settings through the handler's process-wide cache: start each test from the current environment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.grader.settings import get_settings


@pytest.fixture(autouse=True)
def _fresh_grader_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
