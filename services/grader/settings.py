"""The consumers' settings."""

from __future__ import annotations

from functools import lru_cache

from pickvs.settings import BaseAppSettings, load_settings


class GraderSettings(BaseAppSettings):
    """Settings of the ingest and grader Lambdas and their CLI tools (`PICKVS_*`)."""

    # The book that wins a tie between the two middle quotes of the consensus line (docs/grading.md).
    consensus_reference_bookmaker: str = "draftkings"


@lru_cache
def get_settings() -> GraderSettings:
    """The process-wide settings, read once from the environment."""
    return load_settings(GraderSettings)
