"""Build the FastAPI app: routers per domain, one error format, CORS from settings, the built web app at `/`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from pickvs.db import close_pools
from pickvs.sqs import close_sqs_clients
from services.web.auth.router import router as auth_router
from services.web.auth.security import password_hashing_for
from services.web.cache import CachedResponses
from services.web.consensus.router import router as consensus_router
from services.web.errors import install_error_handlers
from services.web.games.router import router as games_router
from services.web.health.router import router as health_router
from services.web.leaderboard.router import router as leaderboard_router
from services.web.leagues.router import router as leagues_router
from services.web.middleware import BodySizeLimit
from services.web.picks.router import router as picks_router
from services.web.rules.router import router as rules_router
from services.web.settings import WebSettings, get_settings
from services.web.users.router import router as users_router
from services.web.webapp import WebApp, api_paths, has_build


@asynccontextmanager
async def _lifespan(_: FastAPI) -> AsyncIterator[None]:
    yield
    await close_pools()
    await close_sqs_clients()


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """Create the app; tests pass their own settings, `uvicorn --factory` uses the environment's."""
    settings = settings or get_settings()
    app = FastAPI(
        title="PickVs API",
        version="1.0.0",
        lifespan=_lifespan,
        description="Pick sides of today's games at real odds; climb the leaderboard.",
    )
    app.state.settings = settings
    app.state.password_hashing = password_hashing_for(settings)
    install_error_handlers(app)
    # Added before CORS so CORS wraps them: a 413, or a cached answer, still carries the CORS headers a browser needs.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(CachedResponses)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "If-None-Match"],
        expose_headers=["ETag", "Retry-After"],
    )
    app.include_router(health_router)
    app.include_router(leaderboard_router)
    app.include_router(users_router)
    app.include_router(consensus_router)
    app.include_router(auth_router)
    app.include_router(games_router)
    app.include_router(picks_router)
    app.include_router(rules_router)
    app.include_router(leagues_router)
    if settings.web_app_dir is not None and has_build(settings.web_app_dir):
        # Outermost: it sees the API's final answer (a 404 it may replace with a page or a file of the build).
        app.add_middleware(WebApp, directory=settings.web_app_dir, api_paths=api_paths(app))
    return app


def server_config(app: FastAPI, *, host: str, port: int, **options: Any) -> uvicorn.Config:
    """Return uvicorn's settings for serving the app (what `pickvs dev` runs; `options` go to uvicorn as they are).

    uvicorn's proxy headers are off: by default it believes X-Forwarded-For from 127.0.0.1, which would let any local
    caller pick the client IP the rate limits see. The app reads the header itself, only from PICKVS_TRUSTED_PROXIES.
    """
    return uvicorn.Config(app, host=host, port=port, proxy_headers=False, **options)
