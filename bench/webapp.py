"""The web app as the benchmark serves it: the production app plus static endpoints that answer fixed bytes.

`/bench/static/leaderboard` and `/bench/static/profile` answer, with no work at all, the bytes of the cached leaderboard
and of a profile (files in PICKVS_BENCH_STATIC_DIR). They sit at the same place in the middleware stack as the cached
answers (`services.web.cache.CachedResponses`), behind the same server, CORS and event loop: the ceiling any endpoint of
the app could reach. They exist only here, never in the production app.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from services.web.cache import CachedResponses
from services.web.main import create_app


class StaticBytes:
    """Answer GET /bench/static/<name> with a file's bytes, before any routing."""

    def __init__(self, app: ASGIApp, *, bodies: dict[str, bytes]) -> None:
        self.app = app
        self.bodies = bodies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = self.bodies.get(scope["path"]) if scope["type"] == "http" and scope["method"] == "GET" else None
        if body is None:
            await self.app(scope, receive, send)
            return
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def create_bench_app() -> FastAPI:
    """Return the production app with the static endpoints added (`uvicorn/granian --factory`)."""
    app = create_app()
    directory = Path(os.environ["PICKVS_BENCH_STATIC_DIR"])
    bodies = {f"/bench/static/{name}": (directory / f"{name}.json").read_bytes() for name in ("leaderboard", "profile")}
    position = next(i for i, m in enumerate(app.user_middleware) if m.cls == CachedResponses)  # type: ignore[comparison-overlap]
    app.user_middleware.insert(position, Middleware(StaticBytes, bodies=bodies))
    return app
