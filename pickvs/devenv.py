"""The endpoints `make dev` started, recorded under the data dir so CLI commands in another terminal find them."""

from __future__ import annotations

import json
import os
from pathlib import Path

_FILE = "dev-stack.json"


def record_dev_env(data_dir: Path, values: dict[str, str]) -> None:
    """Write the running stack's endpoints (with this process's pid, so a dead stack is ignored)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    payload = {"pid": os.getpid(), "env": values}
    tmp = data_dir / (_FILE + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2))
    tmp.replace(data_dir / _FILE)


def clear_dev_env(data_dir: Path) -> None:
    """Forget the recorded stack (on shutdown)."""
    (data_dir / _FILE).unlink(missing_ok=True)


def recorded_dev_env(data_dir: Path) -> dict[str, str]:
    """Return the endpoints of a live `make dev` stack, or {} when none is running."""
    try:
        payload = json.loads((data_dir / _FILE).read_text())
        os.kill(int(payload["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return {}
    return dict(payload.get("env", {}))
