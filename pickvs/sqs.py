"""The SQS client factory: one client per process and event loop; only the endpoint differs between moto,
LocalStack and AWS."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pickvs.settings import BaseAppSettings

_clients: dict[tuple[str | None, int], tuple[Any, Any]] = {}
_queue_urls: dict[tuple[str | None, str], str] = {}


class SqsNotConfigured(RuntimeError):
    """Outside prod, no PICKVS_SQS_ENDPOINT_URL and no running `make dev` stack."""


def sqs_endpoint_url(settings: BaseAppSettings) -> str | None:
    """Return the endpoint to talk to: the configured one (or a running `make dev` stack's), or None for real AWS."""
    if settings.sqs_endpoint_url:
        return settings.sqs_endpoint_url
    if settings.production:
        return None
    raise SqsNotConfigured("set PICKVS_SQS_ENDPOINT_URL, or start the local stack with `make dev` first")


def client_kwargs(settings: BaseAppSettings) -> dict[str, Any]:
    """Keyword arguments for a boto3/aioboto3 SQS client."""
    from botocore.config import Config

    kwargs: dict[str, Any] = {
        "region_name": settings.aws_region,
        "endpoint_url": sqs_endpoint_url(settings),
        # An unreachable SQS is answered in seconds, not after botocore's default minute of connect attempts: the
        # outbox keeps what could not be sent, and the next run tries again.
        "config": Config(connect_timeout=3, read_timeout=20, retries={"mode": "standard", "max_attempts": 2}),
    }
    # Local stand-ins accept any credentials; real AWS must get them from its usual chain, and production never gets
    # the stand-ins' dummy pair, whatever endpoint it names.
    if kwargs["endpoint_url"] and not settings.production and not os.environ.get("AWS_ACCESS_KEY_ID"):
        kwargs.update(aws_access_key_id="test", aws_secret_access_key="test")
    return kwargs


def _session() -> Any:
    # Imported on first use: aioboto3 (botocore) is the largest import of the fetcher Lambda, and the consumers'
    # Lambdas, which Lambda's SQS trigger feeds, never talk to SQS at all (docs/decisions.md, cold imports).
    import aioboto3

    return aioboto3.Session()


@asynccontextmanager
async def open_sqs_client(settings: BaseAppSettings) -> AsyncIterator[Any]:
    """Open an SQS client of its own for one block (a CLI command, a fetch run), closed when the block ends."""
    async with _session().client("sqs", **client_kwargs(settings)) as client:
        yield client


async def get_sqs_client(settings: BaseAppSettings) -> Any:
    """Return this process's SQS client for the running loop, opening it on first use."""
    kwargs = client_kwargs(settings)
    key = (kwargs["endpoint_url"], id(asyncio.get_running_loop()))
    if key not in _clients:
        context = _session().client("sqs", **kwargs)
        _clients[key] = (context, await context.__aenter__())
    return _clients[key][1]


async def close_sqs_clients() -> None:
    """Close every client this process opened."""
    while _clients:
        _, (context, _client) = _clients.popitem()
        await context.__aexit__(None, None, None)
    _queue_urls.clear()


class SqsUnreachable(RuntimeError):
    """SQS did not answer (or did not know the queue); the message says so in one line."""


async def check_queue(client: Any, name: str) -> str:
    """Ask SQS for a queue's URL now (never from the cache); raise SqsUnreachable with one line if it cannot answer."""
    try:
        url = str((await client.get_queue_url(QueueName=name))["QueueUrl"])
    except Exception as exc:  # whatever the client raises, the answer is "not reachable"
        raise SqsUnreachable(
            f"SQS at {client.meta.endpoint_url} cannot be reached for {name}: {_first_line(exc)}"
        ) from exc
    _queue_urls[(client.meta.endpoint_url, name)] = url
    return url


def unreachable(exc: BaseException) -> str | None:
    """Describe in one line an error that means SQS could not be reached; None for any other error."""
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import HTTPClientError

    if isinstance(exc, SqsUnreachable | SqsNotConfigured):
        return str(exc)
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return f"cannot reach SQS: {_first_line(exc)}"
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def queue_url(client: Any, name: str) -> str:
    """Resolve a queue name to its URL once per endpoint."""
    key = (client.meta.endpoint_url, name)
    if key not in _queue_urls:
        _queue_urls[key] = (await client.get_queue_url(QueueName=name))["QueueUrl"]
    return _queue_urls[key]
