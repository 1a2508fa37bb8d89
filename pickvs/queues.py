"""Load the queue bootstrap that lives in localstack/ (one definition for LocalStack, dev, tests and infra)."""

from __future__ import annotations

import asyncio
import importlib.util
from functools import cache
from types import ModuleType
from typing import Any

import boto3

from pickvs.settings import PROJECT_ROOT, BaseAppSettings
from pickvs.sqs import client_kwargs


@cache
def bootstrap_module() -> ModuleType:
    """Import localstack/bootstrap.py by path (it is a script, not an installed package)."""
    path = PROJECT_ROOT / "localstack" / "bootstrap.py"
    spec = importlib.util.spec_from_file_location("pickvs_localstack_bootstrap", path)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"cannot load the queue bootstrap at {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ensure_queues_sync(settings: BaseAppSettings) -> dict[str, dict[str, str]]:
    """Run the bootstrap against the configured endpoint."""
    module = bootstrap_module()
    client = boto3.client("sqs", **client_kwargs(settings))
    return module.bootstrap(client, (settings.game_events_queue, settings.score_events_queue))


async def ensure_queues(settings: BaseAppSettings) -> dict[str, dict[str, str]]:
    """Run the bootstrap without blocking the event loop."""
    return await asyncio.to_thread(ensure_queues_sync, settings)


def dlq_name(queue_name: str) -> str:
    """The dead-letter queue of a queue."""
    return bootstrap_module().dlq_name(queue_name)


def max_receive_count() -> Any:
    return bootstrap_module().MAX_RECEIVE_COUNT
