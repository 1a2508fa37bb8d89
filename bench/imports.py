"""Cold imports of the Lambda entry modules: `python -X importtime -c "import MODULE"`, each in a fresh process.

The entry modules read their settings at import, so the environment names a database (never connected to) and the
test environment, as a Lambda's configuration would. The figure is the module's cumulative import time as the
interpreter reports it; the median of a few fresh processes is reported with the slowest.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass
from typing import Any

ENTRY_MODULES = (
    "services.fetcher.handler",
    "services.fetcher.dispatch",
    "services.grader.handler",
    "services.grader.ingest_handler",
)
_ENV = {"PICKVS_ENV": "test", "PICKVS_DATABASE_URL": "postgresql://bench@127.0.0.1:9/bench"}


@dataclass(frozen=True)
class ImportTiming:
    """One entry module's cumulative import milliseconds over fresh processes."""

    module: str
    runs_ms: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.runs_ms)

    def as_dict(self) -> dict[str, Any]:
        """Return the timing as plain JSON-ready values."""
        return {**asdict(self), "median_ms": self.median_ms, "max_ms": max(self.runs_ms)}


def import_ms(module: str) -> float:
    """Import `module` in a fresh interpreter and return its cumulative import time in milliseconds."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        env={**os.environ, **_ENV},
        capture_output=True,
        text=True,
        check=True,
    )
    for line in reversed(done.stderr.splitlines()):
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S+)$", line)
        if match and match.group(2) == module:
            return int(match.group(1)) / 1000
    raise RuntimeError(f"no import time reported for {module}")


def measure(runs: int = 5) -> list[ImportTiming]:
    """Time every entry module `runs` times, each import in a fresh process."""
    for module in ENTRY_MODULES:
        import_ms(module)  # a first run compiles bytecode, as a Lambda package ships it compiled
    return [ImportTiming(module, [import_ms(module) for _ in range(runs)]) for module in ENTRY_MODULES]
