"""Account endpoints: register, log in (JSON or OAuth2 password form), me."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from services.web.auth import service
from services.web.auth.schemas import (
    CurrentUserModel,
    LoginRequest,
    TokenPublic,
    UserCreate,
    UserMe,
)
from services.web.auth.security import create_access_token
from services.web.deps import ClientIp, CurrentUser, Db, Hashing, Settings
from services.web.errors import DomainError, error_responses
from services.web.links import link, profile_of, with_links
from services.web.settings import WebSettings

router = APIRouter(tags=["auth"])

_LOGIN_SCHEMA = LoginRequest.model_json_schema()
_FORM_SCHEMA = {
    "type": "object",
    "required": ["username", "password"],
    "properties": {
        **_LOGIN_SCHEMA["properties"],
        "grant_type": {"type": "string", "enum": ["password"]},
        "scope": {"type": "string"},
        "client_id": {"type": "string"},
        "client_secret": {"type": "string"},
    },
}
# One endpoint, two encodings: JSON for the app, the OAuth2 password form for /docs "Authorize" and OAuth2 clients.
_LOGIN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _LOGIN_SCHEMA},
            "application/x-www-form-urlencoded": {"schema": _FORM_SCHEMA},
        },
    }
}


def _token(user: CurrentUserModel, settings: WebSettings) -> TokenPublic:
    issued = create_access_token(user_id=user.id, settings=settings)
    return TokenPublic(access_token=issued.token, expires_in=issued.expires_in, user=user)


@router.post(
    "/auth/register",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenPublic,
    responses=with_links(
        error_responses(409, 429),
        201,
        LogIn=link(
            "/auth/login",
            "post",
            description="Log in with the account just created",
            requestBody={"username": "$request.body#/username", "password": "$request.body#/password"},
        ),
        Profile=profile_of("$response.body#/user/username"),
    ),
)
async def register(body: UserCreate, db: Db, hashing: Hashing, settings: Settings, client: ClientIp) -> TokenPublic:
    """Create an account and return a token for it (409 when the username or email is taken, 429 past the limit)."""
    user = await service.register(db=db, hashing=hashing, settings=settings, user=body, client=client)
    return _token(user, settings)


async def _login_request(request: Request) -> LoginRequest:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if content_type == "application/json":
            try:
                payload = json.loads(await request.body())
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise RequestValidationError(
                    [{"loc": ("body",), "msg": "The body is not valid JSON.", "type": "json_invalid"}]
                ) from exc
            return LoginRequest.model_validate(payload)
        if content_type == "application/x-www-form-urlencoded":
            form = await request.form()
            values = {k: form.get(k) for k in ("username", "password") if isinstance(form.get(k), str)}
            return LoginRequest.model_validate(values)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False, include_input=False)]
        ) from exc
    raise DomainError(
        "Send JSON or an application/x-www-form-urlencoded form.",
        code="unsupported_media_type",
        status_code=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    )


@router.post(
    "/auth/login",
    response_model=TokenPublic,
    openapi_extra=_LOGIN_BODY,
    responses=with_links(error_responses(401, 415, 429), 200, Profile=profile_of("$response.body#/user/username")),
)
async def login(request: Request, db: Db, hashing: Hashing, settings: Settings, client: ClientIp) -> TokenPublic:
    """Exchange a username-or-email and password for a token; 401 without saying which was wrong, 429 when limited."""
    body = await _login_request(request)
    user = await service.authenticate(
        db=db, hashing=hashing, settings=settings, login=body.username, password=body.password, client=client
    )
    return _token(user, settings)


@router.get(
    "/api/me",
    response_model=UserMe,
    responses=with_links(error_responses(401), 200, Profile=profile_of("$response.body#/username")),
)
async def me(user: CurrentUser, db: Db) -> UserMe:
    """Return my account and record."""
    return await service.get_me(db=db, user=user)
