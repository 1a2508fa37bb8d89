"""An embedded SQS endpoint (moto's server, in a thread of this process) for `make dev` and the tests, and the queue
bootstrap run against whatever endpoint the settings name."""

from __future__ import annotations

import asyncio
import logging
import urllib.request
from dataclasses import dataclass, field

import boto3
from moto.server import ThreadedMotoServer

from devstack.postgres import free_port
from localstack.bootstrap import bootstrap
from pickvs.settings import BaseAppSettings
from pickvs.sqs import client_kwargs


@dataclass
class EmbeddedSqs:
    """A moto server on 127.0.0.1; `start()` returns its endpoint URL."""

    port: int | None = None
    _server: ThreadedMotoServer | None = field(default=None, init=False)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> str:
        # werkzeug logs every request at INFO; the pollers would drown everything else.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self.port = self.port or free_port()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        return self.endpoint_url

    def reset(self) -> None:
        """Forget every queue and message (tests isolate themselves with this)."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


def ensure_queues_sync(settings: BaseAppSettings) -> dict[str, dict[str, str]]:
    """Run the bootstrap against the configured endpoint."""
    client = boto3.client("sqs", **client_kwargs(settings))
    return bootstrap(client, (settings.game_events_queue, settings.score_events_queue))


async def ensure_queues(settings: BaseAppSettings) -> dict[str, dict[str, str]]:
    """Run the bootstrap without blocking the event loop."""
    return await asyncio.to_thread(ensure_queues_sync, settings)
