"""The web app's API types are generated from the API's OpenAPI schema; this fails when they no longer match it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from devstack.webapp import FRONTEND, openapi_text

REGENERATE = "run `make frontend-types` and commit frontend/openapi.json and frontend/src/api/schema.d.ts"


def test_the_committed_openapi_schema_is_the_apis() -> None:
    # GIVEN the schema the app's types were generated from, and the one the API serves now
    committed = (FRONTEND / "openapi.json").read_text()
    # THEN they are the same document
    assert committed == openapi_text(), f"frontend/openapi.json is stale: {REGENERATE}"


def test_the_generated_types_are_those_of_the_committed_schema(tmp_path: Path) -> None:
    # GIVEN openapi-typescript (installed with the app's locked packages)
    generator = FRONTEND / "node_modules" / ".bin" / "openapi-typescript"
    assert generator.exists(), "frontend/node_modules is missing: run `make frontend-install`"
    # WHEN the types are generated again from the committed schema
    out = tmp_path / "schema.d.ts"
    subprocess.run([str(generator), "openapi.json", "-o", str(out)], cwd=FRONTEND, check=True, capture_output=True)
    # THEN they are the committed ones
    committed = (FRONTEND / "src" / "api" / "schema.d.ts").read_text()
    assert committed == out.read_text(), f"frontend/src/api/schema.d.ts is stale: {REGENERATE}"
