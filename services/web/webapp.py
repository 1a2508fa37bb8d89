"""Serve the built React app (frontend/dist) beside the API, when a build exists.

A pure ASGI middleware around the routes. Every request reaches the API first; only a GET or HEAD the API answers
with 404 is looked up in the build: a file of that name (`/assets/index-3f2a.js`, `/favicon.svg`), or — for a browser
navigating to a client-side route such as `/leaderboard?window=week` — `index.html`. Paths under the API's own first
segments (`/api`, `/auth`, `/docs`, `/openapi.json`, `/healthz`, … read from the OpenAPI schema) keep their JSON 404,
so the app can never shadow the API or turn one of its errors into a page.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import FileResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Vite names every file under assets/ by its content hash: a browser may keep them forever. Anything else (index.html
# above all) must be revalidated, or a deploy would leave browsers on an index that names assets no longer there.
_IMMUTABLE = "public, max-age=31536000, immutable"
_REVALIDATE = "no-cache"

mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("image/svg+xml", ".svg")


def has_build(directory: Path | None) -> bool:
    """Tell whether `directory` holds a built app (an index.html)."""
    return directory is not None and (directory / "index.html").is_file()


def _first_segment(path: str) -> str:
    return path.strip("/").split("/")[0]


class WebApp:
    """Answer the app's files and client-side routes where the API has nothing; pass everything else through."""

    def __init__(self, app: ASGIApp, *, directory: Path, api_paths: Callable[[], list[str]]) -> None:
        self.app = app
        self.directory = directory.resolve()
        self._api_paths = api_paths
        self._reserved: frozenset[str] | None = None

    def _is_api(self, path: str) -> bool:
        # Read on first use: the schema is complete only once every router is included.
        if self._reserved is None:
            self._reserved = frozenset(_first_segment(p) for p in self._api_paths() if p.strip("/"))
        return _first_segment(path) in self._reserved

    def _file(self, path: str) -> Path | None:
        candidate = (self.directory / path.lstrip("/")).resolve()
        if candidate != self.directory and candidate.is_relative_to(self.directory) and candidate.is_file():
            return candidate
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or self._is_api(scope["path"]):
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def hold_404(message: Message) -> None:
            if held or (message["type"] == "http.response.start" and message["status"] == 404):
                held.append(message)
            else:
                await send(message)

        await self.app(scope, receive, hold_404)
        if not held:
            return
        found = self._file(scope["path"])
        if found is not None:
            cache = _IMMUTABLE if found.parent.name == "assets" else _REVALIDATE
            await FileResponse(found, headers={"Cache-Control": cache})(scope, receive, send)
        elif "text/html" in Headers(scope=scope).get("accept", ""):
            index = self.directory / "index.html"
            response = FileResponse(index, media_type="text/html", headers={"Cache-Control": _REVALIDATE})
            await response(scope, receive, send)
        else:
            for message in held:
                await send(message)


def api_paths(app: Any) -> Callable[[], list[str]]:
    """Return a reader of the app's API paths: its schema's paths and its docs URLs."""

    def read() -> list[str]:
        urls = [app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url]
        return [*app.openapi()["paths"], *(url for url in urls if url)]

    return read
