"""Run an async handler from AWS Lambda's synchronous entry point on one event loop per container.

Pools and clients are bound to the loop that created them, so every invocation of a warm container must reuse it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
_loop: asyncio.AbstractEventLoop | None = None


def run_in_container_loop(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on this container's long-lived loop."""
    global _loop
    if _loop is None or _loop.is_closed():
        _loop = asyncio.new_event_loop()
    return _loop.run_until_complete(coroutine)
