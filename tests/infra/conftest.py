"""Infra test helpers: the Lambda packages built once per session, and a way to run a packaged handler the way Lambda
does, in a fresh interpreter that can import nothing but the package and the standard library."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra import package

REPO = Path(__file__).resolve().parents[2]

# Run inside the package: call the handler, then say which loaded modules came from outside the package and the
# standard library (there must be none).
_RUNNER = """
import importlib, json, sys
module, _, name = sys.argv[1].rpartition(".")
result = getattr(importlib.import_module(module), name)(json.loads(sys.argv[2]), None)
allowed = (sys.argv[3], sys.argv[4])
outside = sorted(
    n for n, m in list(sys.modules.items())
    if getattr(m, "__file__", None) and not m.__file__.startswith(allowed)
)
print(json.dumps({"result": result, "outside": outside}, default=str))
"""


@pytest.fixture(scope="session")
def packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every function's package, built by `make package`'s code into a temporary directory."""
    return package.build(tmp_path_factory.mktemp("lambda"))


@dataclass(frozen=True)
class PackagedRun:
    result: Any
    outside: list[str]
    stderr: str


async def run_packaged(package_dir: Path, handler: str, event: Any, env: dict[str, str]) -> PackagedRun:
    """Invoke `handler` on `event` with only `package_dir` importable (python -S, PYTHONPATH=the package)."""
    stdlib = sysconfig.get_paths()["stdlib"]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-S",
        "-c",
        _RUNNER,
        handler,
        json.dumps(event),
        str(package_dir),
        stdlib,
        cwd=package_dir.parent,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(package_dir), **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    if process.returncode != 0:
        raise AssertionError(f"{handler} from {package_dir.name} exited {process.returncode}:\n{err.decode()}")
    answer = json.loads(out.decode().strip().splitlines()[-1])
    return PackagedRun(answer["result"], answer["outside"], err.decode())
