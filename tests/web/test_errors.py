"""One JSON error body everywhere, the request body cap, CORS from settings, and an OpenAPI that says so."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx

from services.web.main import create_app
from services.web.settings import WebSettings
from tests.web.helpers import client


async def test_a_body_over_the_cap_is_413_in_the_error_body(db: asyncpg.Pool) -> None:
    async with client(WebSettings(max_body_bytes=1024)) as c:
        response = await c.post("/auth/register", content=b"x" * 2048, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert await db.fetchval('SELECT count(*) FROM "user"') == 0


async def test_a_streamed_body_without_content_length_is_counted_and_refused(db: asyncpg.Pool) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"y" * 200

    async with client(WebSettings(max_body_bytes=1024)) as c:
        response = await c.post("/auth/login", content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"


async def test_a_body_under_the_cap_reaches_the_app(db: asyncpg.Pool) -> None:
    async with client(WebSettings(max_body_bytes=1024)) as c:
        response = await c.post("/auth/login", json={"username": "nobody", "password": "whatever it is"})
    assert response.status_code == 401


async def test_malformed_json_is_422_in_the_error_body(db: asyncpg.Pool) -> None:
    async with client() as c:
        register = await c.post("/auth/register", content=b"{not json", headers={"Content-Type": "application/json"})
        login = await c.post("/auth/login", content=b"{not json", headers={"Content-Type": "application/json"})
    for response in (register, login):
        assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"


async def test_an_unsupported_login_encoding_is_415(db: asyncpg.Pool) -> None:
    async with client() as c:
        response = await c.post("/auth/login", content=b"alice", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415 and response.json()["error"]["code"] == "unsupported_media_type"


async def test_unknown_routes_and_methods_get_the_error_body(db: asyncpg.Pool) -> None:
    async with client() as c:
        missing = await c.get("/api/nothing-here")
        wrong_method = await c.put("/api/picks/me")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert wrong_method.status_code == 405 and wrong_method.json()["error"]["code"] == "method_not_allowed"


async def test_an_unexpected_error_is_500_without_a_stack_trace(db: asyncpg.Pool) -> None:
    app = create_app(WebSettings())

    async def boom() -> None:
        raise RuntimeError("secret internals at /srv/app.py line 12")

    app.add_api_route("/boom", boom)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        response = await c.get("/boom")
    assert response.status_code == 500
    assert response.json() == {
        "error": {"code": "internal_error", "message": "Something went wrong on our side.", "details": None}
    }
    assert "secret" not in response.text and "Traceback" not in response.text


async def test_cors_allows_only_the_configured_origins(db: asyncpg.Pool) -> None:
    settings = WebSettings(cors_origins=["https://pickvs.example"])
    async with client(settings) as c:
        allowed = await c.options(
            "/api/picks", headers={"Origin": "https://pickvs.example", "Access-Control-Request-Method": "POST"}
        )
        refused = await c.options(
            "/api/picks", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
        )
        simple = await c.get("/api/games/upcoming", headers={"Origin": "https://pickvs.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://pickvs.example"
    assert "access-control-allow-origin" not in refused.headers
    assert simple.headers["access-control-allow-origin"] == "https://pickvs.example"
    assert "ETag" in simple.headers["access-control-expose-headers"]


async def test_a_refused_oversized_body_still_carries_cors_headers(db: asyncpg.Pool) -> None:
    settings = WebSettings(cors_origins=["https://pickvs.example"], max_body_bytes=16)
    async with client(settings) as c:
        response = await c.post(
            "/api/picks",
            content=b"z" * 64,
            headers={"Origin": "https://pickvs.example", "Content-Type": "application/json"},
        )
    assert response.status_code == 413
    assert response.headers["access-control-allow-origin"] == "https://pickvs.example"


def test_every_operation_documents_its_errors_with_the_one_error_body() -> None:
    spec = create_app(WebSettings(env="dev")).openapi()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        if path == "/healthz":
            continue
        for method, operation in operations.items():
            assert operation.get("description") or operation.get("summary"), (method, path)
            for status in ("400", "413", "422"):
                ref = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorBody"), (method, path, status)


def test_routes_that_need_a_login_declare_401_and_the_bearer_scheme() -> None:
    spec = create_app(WebSettings(env="dev")).openapi()
    assert (
        spec["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == "/auth/login"
    )
    for path, method in (
        ("/api/me", "get"),
        ("/api/picks", "post"),
        ("/api/picks/me", "get"),
        ("/api/picks/{pick_id}", "delete"),
    ):
        operation = spec["paths"][path][method]
        assert "401" in operation["responses"] and operation["security"], (method, path)


async def test_a_path_parameter_holding_a_nul_byte_is_a_422_not_a_500(db: asyncpg.Pool) -> None:
    async with client() as c:
        response = await c.get("/api/users/%00")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    assert response.json()["error"]["details"][0]["loc"] == ["path", "username"]
