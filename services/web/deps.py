"""The web service's dependencies as `Annotated` aliases: routers declare what they need by type."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from services.web.auth.schemas import CurrentUserModel
from services.web.auth.security import PasswordHashing, decode_access_token
from services.web.clients import client_ip
from services.web.db import DbHandle
from services.web.errors import Unauthorized
from services.web.settings import WebSettings


# Every dependency is `async def`, even where nothing is awaited: FastAPI runs a plain `def` dependency in a worker
# thread, and those hand-offs were most of a cached response's time (docs/performance.md).
async def settings(request: Request) -> WebSettings:
    """Return the app's settings."""
    return cast(WebSettings, request.app.state.settings)


Settings = Annotated[WebSettings, Depends(settings)]


async def db(app_settings: Settings) -> DbHandle:
    """Return this request's database handle (FastAPI hands every dependency of one request the same one)."""
    return DbHandle(app_settings)


Db = Annotated[DbHandle, Depends(db)]


async def password_hashing(request: Request) -> PasswordHashing:
    """Return the app's argon2 capacity (one per app, sized by its settings)."""
    return cast(PasswordHashing, request.app.state.password_hashing)


Hashing = Annotated[PasswordHashing, Depends(password_hashing)]


async def client(request: Request, app_settings: Settings) -> str:
    """Return the caller's IP as rate limits see it (X-Forwarded-For only from a trusted proxy)."""
    return client_ip(request, trusted_proxies=app_settings.trusted_proxies)


ClientIp = Annotated[str, Depends(client)]

# auto_error=False: a missing token must become our own 401 body, not FastAPI's; tokenUrl makes /docs "Authorize" work.
_bearer = OAuth2PasswordBearer(tokenUrl="/auth/login", auto_error=False)

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def _invalid_token() -> Unauthorized:
    return Unauthorized("The access token is missing, invalid or expired.", code="invalid_token", headers=_CHALLENGE)


async def _user_for_token(token: str, *, db: DbHandle, app_settings: WebSettings) -> CurrentUserModel:
    user_id = decode_access_token(token, settings=app_settings)
    if user_id is None:
        raise _invalid_token()
    # A valid signature is not enough: the account may have been deleted since the token was issued.
    row = await db.fetchrow('SELECT id, username, email FROM "user" WHERE id = $1', user_id)
    if row is None:
        raise _invalid_token()
    return CurrentUserModel(id=row["id"], username=row["username"], email=row["email"])


async def current_user(
    db: Db, app_settings: Settings, token: Annotated[str | None, Depends(_bearer)]
) -> CurrentUserModel:
    """Resolve the bearer token to its user; 401 (with WWW-Authenticate: Bearer) when missing, invalid or expired."""
    if not token:
        raise Unauthorized("Log in to do this.", code="not_authenticated", headers=_CHALLENGE)
    return await _user_for_token(token, db=db, app_settings=app_settings)


async def optional_user(
    db: Db, app_settings: Settings, token: Annotated[str | None, Depends(_bearer)]
) -> CurrentUserModel | None:
    """Resolve the bearer token when one is sent (None without one); an invalid or expired token is still a 401."""
    if not token:
        return None
    return await _user_for_token(token, db=db, app_settings=app_settings)


CurrentUser = Annotated[CurrentUserModel, Depends(current_user)]
OptionalUser = Annotated[CurrentUserModel | None, Depends(optional_user)]
