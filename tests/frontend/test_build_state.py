"""`make dev` rebuilds the web app only when its build is missing or older than a source."""

from __future__ import annotations

import os
from pathlib import Path

from devstack.webapp import build_state


def _app(root: Path) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.tsx").write_text("export {}")
    (root / "index.html").write_text("<div id=root></div>")
    return root


def test_a_missing_build_is_built(tmp_path: Path) -> None:
    assert build_state(_app(tmp_path)) == "missing"


def test_a_build_newer_than_every_source_is_current_and_one_older_than_a_change_is_stale(tmp_path: Path) -> None:
    # GIVEN a build made after its sources
    frontend = _app(tmp_path)
    (frontend / "dist").mkdir()
    index = frontend / "dist" / "index.html"
    index.write_text("built")
    os.utime(frontend / "src" / "main.tsx", (1_000, 1_000))
    os.utime(frontend / "index.html", (1_000, 1_000))
    os.utime(index, (2_000, 2_000))
    # THEN it is current
    assert build_state(frontend) is None
    # WHEN a source changes after the build
    os.utime(frontend / "src" / "main.tsx", (3_000, 3_000))
    # THEN the build is stale, and the answer names the change
    assert build_state(frontend) == "stale: src/main.tsx changed after the last build"
