from __future__ import annotations

from pydantic import BaseModel


class DatabaseHealth(BaseModel):
    ok: bool
    schema_version: str | None = None
    error: str | None = None


class QueueHealth(BaseModel):
    ok: bool
    messages: int | None = None
    in_flight: int | None = None
    dead_lettered: int | None = None
    error: str | None = None


class HealthPublic(BaseModel):
    status: str
    database: DatabaseHealth
    queues: dict[str, QueueHealth]
