"""The web app in dev tooling: export the API's OpenAPI schema for its generated types, and build it for `make dev`.

- `python -m devstack.webapp openapi PATH` writes `/openapi.json` of the app built in-process (no server, no
  database), which `make frontend-types` feeds to openapi-typescript.
- `web_app` is a `make dev` component: before the web service starts it builds `frontend/` into `frontend/dist` when
  the build is missing or older than its sources (saying which), so the printed URL opens the app.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pickvs.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from devstack.dev import DevStack

log = logging.getLogger("pickvs.dev.webapp")

FRONTEND = PROJECT_ROOT / "frontend"
DIST = FRONTEND / "dist"
# What a build is made of: a change to any of these makes frontend/dist stale.
_SOURCES = ("src", "public", "index.html", "package.json", "package-lock.json", "vite.config.ts", "tsconfig.app.json")


def openapi_schema() -> dict[str, Any]:
    """Return the web API's OpenAPI schema, built in-process from the app's routes."""
    from services.web.main import create_app
    from services.web.settings import WebSettings

    return create_app(WebSettings(env="dev", web_app_dir=None)).openapi()


def openapi_text() -> str:
    """Return the schema as the committed frontend/openapi.json holds it."""
    return json.dumps(openapi_schema(), indent=2, ensure_ascii=False) + "\n"


def _files(root: Path) -> Iterator[Path]:
    for name in _SOURCES:
        path = root / name
        if path.is_dir():
            yield from (p for p in path.rglob("*") if p.is_file())
        elif path.is_file():
            yield path


def build_state(frontend: Path = FRONTEND) -> str | None:
    """Say why frontend/dist needs building ("missing", "stale: <newest source>"), or None when it is current."""
    index = frontend / "dist" / "index.html"
    if not index.is_file():
        return "missing"
    built = index.stat().st_mtime
    newer = [p for p in _files(frontend) if p.stat().st_mtime > built]
    if newer:
        newest = max(newer, key=lambda p: p.stat().st_mtime)
        return f"stale: {newest.relative_to(frontend)} changed after the last build"
    return None


def _needs_install(frontend: Path) -> bool:
    installed = frontend / "node_modules" / ".package-lock.json"
    return not installed.is_file() or installed.stat().st_mtime < (frontend / "package-lock.json").stat().st_mtime


def build(frontend: Path = FRONTEND) -> None:
    """Install the locked Node packages when needed and build the app (raises on failure)."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not on PATH: install Node 20+ to build the web app")
    if _needs_install(frontend):
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=frontend, check=True)
    subprocess.run([npm, "run", "build"], cwd=frontend, check=True)


@asynccontextmanager
async def web_app(stack: DevStack) -> AsyncIterator[None]:
    """Build the web app when its build is missing or stale, so the web service serves it at /."""
    reason = build_state()
    if reason is not None:
        print(f"Building the web app (frontend/dist is {reason})…", flush=True)
        try:
            await asyncio.to_thread(build)
        except (RuntimeError, subprocess.CalledProcessError) as exc:
            log.error("the web app could not be built (%s); serving the API only", exc)
    if build_state() is None:
        stack.banner.append(
            f"App          http://{stack.host}:{stack.port}/  (built from frontend/ into frontend/dist)"
        )
    yield


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.webapp")
    commands = parser.add_subparsers(dest="command", required=True)
    export = commands.add_parser("openapi", help="write the web API's OpenAPI schema (JSON)")
    export.add_argument("path", type=Path)
    commands.add_parser("build-state", help="say whether frontend/dist is missing, stale or current")
    args = parser.parse_args(argv)
    if args.command == "openapi":
        args.path.write_text(openapi_text())
        print(f"wrote {args.path}")
    else:
        print(build_state() or "current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
