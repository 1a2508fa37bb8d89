"""The built web app is served at / beside the API, and never shadows an API path or its JSON errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from services.web.settings import WebSettings
from tests.web.factories import api

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def _build(root: Path) -> Path:
    dist = root / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><title>PickVs</title><div id=root></div>")
    (dist / "assets" / "index-abc123.js").write_text("console.log('app')")
    (dist / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (root / "secret.txt").write_text("not part of the build")
    return dist


@asynccontextmanager
async def _app(dist: Path | None) -> AsyncIterator[httpx.AsyncClient]:
    async with api(WebSettings(web_app_dir=dist)) as client:
        yield client


async def test_a_browser_gets_the_app_at_the_root_and_at_client_side_routes(tmp_path: Path) -> None:
    # GIVEN a build
    dist = _build(tmp_path)
    async with _app(dist) as client:
        # WHEN a browser opens / and a client-side route with a query
        root = await client.get("/", headers=HTML)
        deep = await client.get("/leaderboard?window=week&sort=roi", headers=HTML)
        profile = await client.get("/players/alice", headers=HTML)
    # THEN each is the app's index.html, revalidated on every visit
    for response in (root, deep, profile):
        assert response.status_code == 200 and "<div id=root>" in response.text
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-cache"


async def test_hashed_assets_are_served_immutable_and_other_files_revalidated(tmp_path: Path) -> None:
    dist = _build(tmp_path)
    async with _app(dist) as client:
        script = await client.get("/assets/index-abc123.js")
        icon = await client.get("/favicon.svg")
    assert script.status_code == 200 and script.text == "console.log('app')"
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert icon.status_code == 200 and icon.headers["cache-control"] == "no-cache"


async def test_api_paths_keep_their_json_answers_even_for_a_browser(tmp_path: Path) -> None:
    # GIVEN a build
    dist = _build(tmp_path)
    async with _app(dist) as client:
        # WHEN a browser asks for API paths, known and unknown
        unknown_api = await client.get("/api/nothing-here", headers=HTML)
        unknown_auth = await client.get("/auth/nothing-here", headers=HTML)
        rules = await client.get("/api/rules", headers=HTML)
        schema = await client.get("/openapi.json", headers=HTML)
        docs = await client.get("/docs", headers=HTML)
    # THEN the API answers them as it always does
    assert unknown_api.status_code == 404 and unknown_api.json()["error"]["code"] == "not_found"
    assert unknown_auth.status_code == 404 and unknown_auth.json()["error"]["code"] == "not_found"
    assert rules.status_code == 200 and "stake" in rules.json()
    assert schema.status_code == 200 and schema.json()["info"]["title"] == "PickVs API"
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_a_request_that_does_not_want_html_still_gets_the_json_404(tmp_path: Path) -> None:
    dist = _build(tmp_path)
    async with _app(dist) as client:
        response = await client.get("/no-such-page", headers={"Accept": "application/json"})
        posted = await client.post("/no-such-page", headers=HTML)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert posted.status_code == 404 and posted.json()["error"]["code"] == "not_found"


async def test_no_file_outside_the_build_is_served(tmp_path: Path) -> None:
    dist = _build(tmp_path)
    async with _app(dist) as client:
        response = await client.get("/%2e%2e/secret.txt", headers={"Accept": "*/*"})
    assert response.status_code == 404 and "not part of the build" not in response.text


async def test_without_a_build_the_root_is_the_apis_404(tmp_path: Path) -> None:
    # GIVEN a directory with no index.html
    async with _app(tmp_path / "missing") as client:
        # WHEN a browser opens /
        response = await client.get("/", headers=HTML)
    # THEN only the API is served
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
